// SvgPlot: a small x-y chart written as standalone SVG (axes, linear or log scales, ticks, labels,
// lines, markers, vertical error bars, legend). No dependencies; the output is well-formed XML.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace glassbox::scale {

struct PlotPoint {
  double x = 0, y = 0;
  double y_lo = 0, y_hi = 0;  // error bar (drawn when has_error)
  bool has_error = false;
};

struct PlotSeries {
  std::string label;  // "" = not in the legend
  std::string color = "#1f77b4";
  std::vector<PlotPoint> points;
  bool line = true;      // connect the points in order
  bool markers = false;  // a circle per point
  bool hollow = false;   // markers drawn as rings
  bool dashed = false;
  std::string end_label;  // drawn beside the last point inside the plot area (e.g. a contour level)
};

class SvgPlot {
 public:
  SvgPlot(std::string title, std::string x_label, std::string y_label)
      : title_(std::move(title)), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {}

  void set_log_x(bool on) { log_x_ = on; }
  void set_log_y(bool on) { log_y_ = on; }
  // Fixed ranges; otherwise the range of the data (non-positive values are ignored on log axes)
  // plus a small margin.
  void set_x_range(double lo, double hi) { x_range_ = {lo, hi}; }
  void set_y_range(double lo, double hi) { y_range_ = {lo, hi}; }
  void add(PlotSeries series) { series_.push_back(std::move(series)); }
  // A line of text under the title (e.g. the fitted law).
  void add_note(std::string text) { notes_.push_back(std::move(text)); }

  std::string render(int width = 760, int height = 520) const;

 private:
  std::string title_, x_label_, y_label_;
  bool log_x_ = false, log_y_ = false;
  std::optional<std::pair<double, double>> x_range_, y_range_;
  std::vector<PlotSeries> series_;
  std::vector<std::string> notes_;
};

// A color from a fixed 10-color palette, by index.
std::string palette_color(size_t index);

// `text` with &, <, >, " escaped for XML.
std::string xml_escape(const std::string& text);

}  // namespace glassbox::scale
