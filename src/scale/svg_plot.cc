// SVG rendering: data → pixel transform, "nice" ticks (1-2-5 steps, or decades on log axes).
#include "scale/svg_plot.h"

#include <algorithm>
#include <cmath>

#include "base/status.h"

namespace glassbox::scale {
namespace {

struct Axis {
  double lo = 0, hi = 1;  // in transformed units (log10 when log)
  bool log = false;
  double map(double v) const { return log ? std::log10(v) : v; }
};

bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

Axis make_axis(const std::vector<double>& values, bool log,
               const std::optional<std::pair<double, double>>& fixed) {
  Axis a;
  a.log = log;
  if (fixed) {
    a.lo = a.map(fixed->first);
    a.hi = a.map(fixed->second);
  } else {
    double lo = 1e300, hi = -1e300;
    for (double v : values)
      if (usable(v, log)) {
        lo = std::min(lo, a.map(v));
        hi = std::max(hi, a.map(v));
      }
    if (lo > hi) lo = 0, hi = 1;
    if (hi - lo < 1e-12) {
      const double pad = log ? 0.5 : std::max(1e-6, std::fabs(lo) * 0.1);
      lo -= pad;
      hi += pad;
    }
    const double margin = 0.05 * (hi - lo);
    a.lo = lo - margin;
    a.hi = hi + margin;
  }
  if (!(a.hi > a.lo)) a.hi = a.lo + 1;
  return a;
}

// Tick values in data units.
std::vector<double> ticks(const Axis& a) {
  std::vector<double> t;
  if (a.log) {
    const double span = a.hi - a.lo;
    std::vector<double> mult = span < 1.2 ? std::vector<double>{1, 2, 3, 5, 7}
                               : span < 3 ? std::vector<double>{1, 2, 5}
                                          : std::vector<double>{1};
    const int step = span > 12 ? static_cast<int>(std::ceil(span / 8)) : 1;
    for (int e = static_cast<int>(std::floor(a.lo)) - 1; e <= static_cast<int>(std::ceil(a.hi));
         ++e) {
      if (step > 1 && e % step != 0) continue;
      for (double m : mult) {
        const double v = m * std::pow(10.0, e);
        if (std::log10(v) >= a.lo && std::log10(v) <= a.hi) t.push_back(v);
      }
    }
    return t;
  }
  const double raw = (a.hi - a.lo) / 6;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(a.lo / step) * step; v <= a.hi + 1e-9 * step; v += step)
    t.push_back(std::fabs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}

std::string tick_label(double v) {
  if (v == 0) return "0";
  const double av = std::fabs(v);
  if (av >= 1e4 || av < 1e-3) {
    std::string s = str_format("%.0e", v);
    if (std::fabs(std::stod(s) - v) > 1e-9 * av) s = str_format("%.1e", v);
    std::erase(s, '+');
    // 1e05 → 1e5
    const size_t e = s.find('e');
    if (e != std::string::npos) {
      size_t k = e + 1;
      if (k < s.size() && s[k] == '-') ++k;
      while (k + 1 < s.size() && s[k] == '0') s.erase(k, 1);
    }
    return s;
  }
  return str_format("%g", v);
}

}  // namespace

std::string palette_color(size_t index) {
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return kColors[index % 10];
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SvgPlot::render(int width, int height) const {
  std::vector<double> xs, ys;
  for (const auto& s : series_)
    for (const auto& p : s.points) {
      xs.push_back(p.x);
      ys.push_back(p.y);
      if (p.has_error) {
        ys.push_back(p.y_lo);
        ys.push_back(p.y_hi);
      }
    }
  const Axis ax = make_axis(xs, log_x_, x_range_), ay = make_axis(ys, log_y_, y_range_);
  const double top = 56 + 16.0 * static_cast<double>(notes_.size());
  const double left = 78, right = width - 24.0, bottom = height - 58.0;
  auto px = [&](double v) { return left + (ax.map(v) - ax.lo) / (ax.hi - ax.lo) * (right - left); };
  auto py = [&](double v) {
    return bottom - (ay.map(v) - ay.lo) / (ay.hi - ay.lo) * (bottom - top);
  };

  std::string o = str_format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<defs><clipPath id=\"plot-area\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
      "height=\"%.1f\"/></clipPath></defs>\n",
      width, height, width, height, left, top, right - left, bottom - top);
  o += str_format("<text x=\"%.1f\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">%s</text>\n",
                  width / 2.0, xml_escape(title_).c_str());
  for (size_t i = 0; i < notes_.size(); ++i)
    o += str_format("<text x=\"%.1f\" y=\"%.1f\" fill=\"#444\" text-anchor=\"middle\">%s</text>\n",
                    width / 2.0, 42 + 16.0 * static_cast<double>(i), xml_escape(notes_[i]).c_str());
  // Grid and ticks.
  o += "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n";
  const auto tx = ticks(ax), ty = ticks(ay);
  for (double v : tx)
    o += str_format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px(v), top, px(v),
                    bottom);
  for (double v : ty)
    o += str_format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left, py(v), right,
                    py(v));
  o += "</g>\n";
  o += str_format(
      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
      "stroke=\"black\"/>\n",
      left, top, right - left, bottom - top);
  o += "<g text-anchor=\"middle\">\n";
  for (double v : tx)
    o += str_format("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", px(v), bottom + 16,
                    xml_escape(tick_label(v)).c_str());
  o += "</g>\n<g text-anchor=\"end\">\n";
  for (double v : ty)
    o += str_format("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", left - 6, py(v) + 4,
                    xml_escape(tick_label(v)).c_str());
  o += "</g>\n";
  o += str_format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n",
                  (left + right) / 2, height - 18.0,
                  xml_escape(x_label_ + (log_x_ ? " (log scale)" : "")).c_str());
  o += str_format(
      "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" "
      "transform=\"rotate(-90 18 %.1f)\">%s</text>\n",
      (top + bottom) / 2, (top + bottom) / 2,
      xml_escape(y_label_ + (log_y_ ? " (log scale)" : "")).c_str());

  // Data, clipped to the plot area.
  o += "<g clip-path=\"url(#plot-area)\">\n";
  for (const auto& s : series_) {
    std::vector<const PlotPoint*> pts;
    for (const auto& p : s.points)
      if (usable(p.x, log_x_) && usable(p.y, log_y_)) pts.push_back(&p);
    if (s.line && pts.size() >= 2) {
      o += str_format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s points=\"",
                      s.color.c_str(), s.dashed ? " stroke-dasharray=\"6 4\"" : "");
      for (const PlotPoint* p : pts) o += str_format("%.1f,%.1f ", px(p->x), py(p->y));
      o += "\"/>\n";
    }
    if (!s.end_label.empty()) {
      const PlotPoint* last = nullptr;
      for (const PlotPoint* p : pts) {
        const double x = px(p->x), y = py(p->y);
        if (x >= left && x <= right && y >= top && y <= bottom) last = p;
      }
      if (last)
        o += str_format(
            "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"11\" "
            "text-anchor=\"end\">%s</text>\n",
            std::min(px(last->x), right - 2), std::max(py(last->y) - 4, top + 12), s.color.c_str(),
            xml_escape(s.end_label).c_str());
    }
    for (const PlotPoint* p : pts) {
      if (p->has_error && usable(p->y_lo, log_y_) && usable(p->y_hi, log_y_)) {
        const double x = px(p->x);
        o += str_format(
            "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"%s\" "
            "stroke-width=\"1.5\" fill=\"none\"/>\n",
            x, py(p->y_lo), py(p->y_hi), x - 5, py(p->y_lo), x + 5, x - 5, py(p->y_hi), x + 5,
            s.color.c_str());
      }
      if (s.markers)
        o += str_format(
            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\" "
            "stroke-width=\"1.5\"/>\n",
            px(p->x), py(p->y), s.hollow ? "white" : s.color.c_str(), s.color.c_str());
    }
  }
  o += "</g>\n";
  // Legend, top right inside the plot.
  std::vector<const PlotSeries*> named;
  for (const auto& s : series_)
    if (!s.label.empty()) named.push_back(&s);
  if (!named.empty()) {
    size_t longest = 0;
    for (const auto* s : named) longest = std::max(longest, s->label.size());
    const double w = 40 + 6.8 * static_cast<double>(longest),
                 h = 8 + 17.0 * static_cast<double>(named.size());
    // The corner whose legend box covers the fewest drawn points (top right on ties).
    double x0 = right - w - 8, y0 = top + 8;
    int best = -1;
    for (const auto& [cx, cy] :
         {std::pair{right - w - 8, top + 8}, std::pair{left + 8, top + 8},
          std::pair{right - w - 8, bottom - h - 8}, std::pair{left + 8, bottom - h - 8}}) {
      int covered = 0;
      for (const auto& s : series_)
        for (const auto& p : s.points) {
          if (!usable(p.x, log_x_) || !usable(p.y, log_y_)) continue;
          const double x = px(p.x), y = py(p.y);
          covered += x >= cx - 4 && x <= cx + w + 4 && y >= cy - 4 && y <= cy + h + 4;
        }
      if (best < 0 || covered < best) best = covered, x0 = cx, y0 = cy;
    }
    o += str_format(
        "<g><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
        "fill-opacity=\"0.85\" stroke=\"#999\"/>\n",
        x0, y0, w, h);
    for (size_t i = 0; i < named.size(); ++i) {
      const PlotSeries& s = *named[i];
      const double y = y0 + 14 + 17.0 * static_cast<double>(i);
      if (s.line)
        o += str_format(
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2\"%s/>\n",
            x0 + 6, y - 4, x0 + 28, y - 4, s.color.c_str(),
            s.dashed ? " stroke-dasharray=\"6 4\"" : "");
      if (s.markers)
        o += str_format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\"/>\n",
                        x0 + 17, y - 4, s.hollow ? "white" : s.color.c_str(), s.color.c_str());
      o += str_format("<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x0 + 34, y,
                      xml_escape(s.label).c_str());
    }
    o += "</g>\n";
  }
  o += "</svg>\n";
  return o;
}

}  // namespace glassbox::scale
