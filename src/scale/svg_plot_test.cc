// SvgPlot output: structure (balanced tags, escaped text), ticks and the sweep's plots.
#include "scale/svg_plot.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "scale/sweep_plots.h"

namespace glassbox::scale {
namespace {

// Checks that every element opened is closed in order (a small XML well-formedness check; the
// e2e test parses the real files with Python's xml.etree).
bool balanced(const std::string& svg, std::string* why) {
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    const size_t end = svg.find('>', pos);
    if (end == std::string::npos) return *why = "unterminated tag", false;
    const std::string tag = svg.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return *why = "unexpected </" + name + ">", false;
      stack.pop_back();
    } else if (tag.back() != '/') {
      stack.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  if (!stack.empty()) return *why = "unclosed <" + stack.back() + ">", false;
  return true;
}

TEST(SvgPlotTest, WritesBalancedSvgWithEscapedLabelsAndLogTicks) {
  SvgPlot plot("loss <vs> N & D", "parameters", "loss");
  plot.set_log_x(true);
  PlotSeries s;
  s.label = "C = 1e12 \"a\"";
  s.markers = true;
  s.points = {
      {1e4, 6.0}, {1e5, 5.0, 4.8, 5.2, true}, {1e6, 4.5}, {-1, 3}};  // -1: not on a log axis
  plot.add(s);
  const std::string svg = plot.render();
  std::string why;
  EXPECT_TRUE(balanced(svg, &why)) << why;
  EXPECT_NE(svg.find("loss &lt;vs&gt; N &amp; D"), std::string::npos);
  EXPECT_NE(svg.find("C = 1e12 &quot;a&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_NE(svg.find(">1e4<"), std::string::npos);
  EXPECT_NE(svg.find(">1e6<"), std::string::npos);
  EXPECT_GT(std::count(svg.begin(), svg.end(), '\n'), 10);
  // 3 markers plus one legend marker.
  int circles = 0;
  for (size_t pos = svg.find("<circle"); pos != std::string::npos;
       pos = svg.find("<circle", pos + 1))
    ++circles;
  EXPECT_EQ(circles, 4);
}

TEST(SvgPlotTest, SweepPlotsAreBalanced) {
  SweepAnalysis a;
  a.fit.params = {std::log(100.0), std::log(150.0), std::log(1.5), 0.35, 0.30};
  for (int i = 0; i < 6; ++i) {
    RunRecord r;
    r.name = "r" + std::to_string(i);
    r.params = 100000 * (1 + i % 3);
    r.tokens = 1000000 * (1 + i / 3);
    r.flops = i < 3 ? 1e12 : 3e12;
    r.val_loss = a.fit.params.predict(double(r.params), double(r.tokens));
    a.fit_runs.push_back(r);
  }
  Prediction p;
  p.target = {"big", 1e6, 1e7, 6e13, 3.0};
  p.predicted = 3.05;
  p.interval = {2.9, 3.2};
  p.error = -0.05;
  p.error_pct = -1.7;
  a.predictions.push_back(p);
  LossCurve c{"r0", {{1000, 8}, {2000, 7}, {4000, 6.5}}, {{4000, 6.6}}};
  for (const std::string& svg :
       {plot_loss_curves({c}), plot_isoflop(a), plot_contours(a), plot_predictions(a)}) {
    std::string why;
    EXPECT_TRUE(balanced(svg, &why)) << why;
    EXPECT_NE(svg.find("<polyline"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
  }
}

}  // namespace
}  // namespace glassbox::scale
