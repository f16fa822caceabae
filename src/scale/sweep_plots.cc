// Plot construction over SvgPlot.
#include "scale/sweep_plots.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "scale/svg_plot.h"

namespace glassbox::scale {
namespace {

std::vector<double> log_space(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i)
    v.push_back(std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (n - 1)));
  return v;
}

std::string law_note(const LawParams& p) {
  return str_format("fit: L = %.3g + %.3g/N^%.3f + %.3g/D^%.3f", p.E(), p.A(), p.alpha, p.B(),
                    p.beta);
}

// Distinct budgets, ascending.
std::vector<double> budgets_of(const std::vector<RunRecord>& runs) {
  std::vector<double> b;
  for (const auto& r : runs) {
    bool seen = false;
    for (double x : b) seen |= std::fabs(x - r.flops) <= 1e-6 * x;
    if (!seen) b.push_back(r.flops);
  }
  std::sort(b.begin(), b.end());
  return b;
}

}  // namespace

Result<LossCurve> read_loss_curve(const std::string& path, const std::string& name) {
  GB_ASSIGN_OR_RETURN(std::string text, read_file_to_string(path));
  std::map<int64_t, std::pair<double, double>> train;
  std::map<int64_t, std::pair<double, double>> val;
  size_t pos = 0;
  for (int line_no = 1; pos < text.size(); ++line_no) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      const int64_t step = j.at("step").get<int64_t>();
      const double tokens = j.at("tokens").get<double>();
      train[step] = {tokens, j.at("loss").get<double>()};
      if (j.contains("val_loss") && j.at("val_loss").is_number())
        val[step] = {tokens, j.at("val_loss").get<double>()};
      else
        val.erase(step);
    } catch (const std::exception& e) {
      return invalid_argument(str_format("%s:%d: %s", path.c_str(), line_no, e.what()));
    }
  }
  LossCurve c;
  c.name = name;
  for (const auto& [s, p] : train) c.train.push_back(p);
  for (const auto& [s, p] : val) c.val.push_back(p);
  return c;
}

std::string plot_loss_curves(const std::vector<LossCurve>& curves) {
  SvgPlot plot("Training loss curves", "tokens", "loss (nats/token)");
  plot.set_log_x(true);
  plot.add_note("lines: training loss per step; dots: validation loss");
  for (size_t i = 0; i < curves.size(); ++i) {
    PlotSeries t;
    t.label = curves[i].name;
    t.color = palette_color(i);
    t.dashed = i >= 10;  // the palette repeats: dash the second round
    for (const auto& [x, y] : curves[i].train) t.points.push_back({x, y});
    plot.add(std::move(t));
    PlotSeries v;
    v.color = palette_color(i);
    v.line = false;
    v.markers = true;
    for (const auto& [x, y] : curves[i].val) v.points.push_back({x, y});
    plot.add(std::move(v));
  }
  return plot.render();
}

std::string plot_isoflop(const SweepAnalysis& a) {
  SvgPlot plot("IsoFLOP curves: final validation loss vs parameters", "parameters N",
               "validation loss (nats/token)");
  plot.set_log_x(true);
  plot.add_note(law_note(a.fit.params) +
                "  (solid: the fit along C = 6ND; dashed: IsoFLOP parabolas)");
  const auto budgets = budgets_of(a.fit_runs);
  double n_lo = 1e300, n_hi = 0;
  for (const auto& r : a.fit_runs) {
    n_lo = std::min(n_lo, static_cast<double>(r.params));
    n_hi = std::max(n_hi, static_cast<double>(r.params));
  }
  for (const auto& p : a.predictions) {
    n_lo = std::min(n_lo, p.target.n);
    n_hi = std::max(n_hi, p.target.n);
  }
  for (size_t i = 0; i < budgets.size(); ++i) {
    const double c = budgets[i];
    PlotSeries pts;
    pts.label = str_format("C = %.0e", c);
    pts.color = palette_color(i);
    pts.line = false;
    pts.markers = true;
    for (const auto& r : a.fit_runs)
      if (std::fabs(r.flops - c) <= 1e-6 * c)
        pts.points.push_back({static_cast<double>(r.params), r.val_loss});
    plot.add(std::move(pts));
    PlotSeries curve;
    curve.color = palette_color(i);
    for (double n : log_space(n_lo / 1.5, n_hi * 1.5, 80))
      curve.points.push_back({n, a.fit.params.predict(n, c / (6 * n))});
    plot.add(std::move(curve));
    // Approach 2: this budget's parabola in ln N (dashed) over its runs' N range.
    for (const IsoflopBudget& b : a.isoflop.budgets) {
      if (std::fabs(b.flops - c) > 1e-6 * c || !(b.c2 > 0)) continue;
      double lo = 1e300, hi = 0;
      for (const auto& r : a.fit_runs)
        if (std::fabs(r.flops - c) <= 1e-6 * c) {
          lo = std::min(lo, static_cast<double>(r.params));
          hi = std::max(hi, static_cast<double>(r.params));
        }
      PlotSeries parabola;
      parabola.color = palette_color(i);
      parabola.dashed = true;
      for (double n : log_space(lo, hi, 40)) {
        const double x = std::log(n);
        parabola.points.push_back({n, b.c0 + b.c1 * x + b.c2 * x * x});
      }
      plot.add(std::move(parabola));
    }
  }
  if (!a.predictions.empty()) {
    PlotSeries held;
    held.label = "held out (measured)";
    held.color = "#000000";
    held.line = false;
    held.markers = true;
    held.hollow = true;
    for (const auto& p : a.predictions)
      if (p.target.measured) held.points.push_back({p.target.n, *p.target.measured});
    if (!held.points.empty()) plot.add(std::move(held));
  }
  // Keep the y range on the data, not on the fitted curves' far ends.
  double y_lo = 1e300, y_hi = -1e300;
  for (const auto& r : a.fit_runs) {
    y_lo = std::min(y_lo, r.val_loss);
    y_hi = std::max(y_hi, r.val_loss);
  }
  for (const auto& p : a.predictions) {
    y_lo = std::min(y_lo, p.predicted);
    y_hi = std::max(y_hi, p.predicted);
  }
  if (y_hi > y_lo) plot.set_y_range(y_lo - 0.1 * (y_hi - y_lo), y_hi + 0.1 * (y_hi - y_lo));
  return plot.render();
}

std::string plot_contours(const SweepAnalysis& a) {
  SvgPlot plot("Fitted loss surface: iso-loss contours", "parameters N", "tokens D");
  plot.set_log_x(true);
  plot.set_log_y(true);
  plot.add_note(law_note(a.fit.params));
  const LawParams& p = a.fit.params;
  double n_lo = 1e300, n_hi = 0, d_lo = 1e300, d_hi = 0, l_lo = 1e300, l_hi = 0;
  auto extend = [&](double n, double d) {
    n_lo = std::min(n_lo, n), n_hi = std::max(n_hi, n);
    d_lo = std::min(d_lo, d), d_hi = std::max(d_hi, d);
  };
  for (const auto& r : a.fit_runs) {
    extend(static_cast<double>(r.params), static_cast<double>(r.tokens));
    l_lo = std::min(l_lo, r.val_loss), l_hi = std::max(l_hi, r.val_loss);
  }
  for (const auto& pr : a.predictions) extend(pr.target.n, pr.target.d);
  n_lo /= 3, n_hi *= 3, d_lo /= 3, d_hi *= 3;
  plot.set_x_range(n_lo, n_hi);
  plot.set_y_range(d_lo, d_hi);
  // Levels at round values (0.1, 0.25 or 0.5 apart) over the losses of the runs and predictions.
  for (const auto& pr : a.predictions)
    l_lo = std::min(l_lo, pr.predicted), l_hi = std::max(l_hi, pr.predicted);
  double step = 0.1;
  for (double s : {0.1, 0.25, 0.5, 1.0, 2.0}) {
    step = s;
    if ((l_hi - l_lo) / s <= 9) break;
  }
  bool first = true;
  for (double level = std::floor(l_lo / step) * step; level <= l_hi + step; level += step) {
    PlotSeries s;
    s.label = first ? "iso-loss lines (nats)" : "";
    first = false;
    s.color = "#7f7f7f";
    s.end_label = str_format("%.4g", level);
    // B/D^β = L − E − A/N^α  →  D = (B / (L − E − A/N^α))^(1/β)
    for (double n : log_space(n_lo, n_hi, 240)) {
      const double rest = level - p.E() - p.A() * std::pow(n, -p.alpha);
      if (rest <= 0 || p.beta == 0) continue;
      const double d = std::pow(p.B() / rest, 1.0 / p.beta);
      if (std::isfinite(d)) s.points.push_back({n, d});
    }
    plot.add(std::move(s));
  }
  PlotSeries frontier;
  frontier.label = "compute-optimal N*, D*";
  frontier.color = "#d62728";
  for (double c : log_space(6 * n_lo * d_lo, 6 * n_hi * d_hi, 60)) {
    const ComputeOptimal o = compute_optimal(p, c);
    if (o.valid) frontier.points.push_back({o.n, o.d});
  }
  plot.add(std::move(frontier));
  PlotSeries runs;
  runs.label = "fitted runs";
  runs.color = "#1f77b4";
  runs.line = false;
  runs.markers = true;
  for (const auto& r : a.fit_runs)
    runs.points.push_back({static_cast<double>(r.params), static_cast<double>(r.tokens)});
  plot.add(std::move(runs));
  if (!a.predictions.empty()) {
    PlotSeries held;
    held.label = "held-out runs";
    held.color = "#000000";
    held.line = false;
    held.markers = true;
    held.hollow = true;
    for (const auto& pr : a.predictions) held.points.push_back({pr.target.n, pr.target.d});
    plot.add(std::move(held));
  }
  return plot.render();
}

std::string plot_predictions(const SweepAnalysis& a) {
  SvgPlot plot("Held-out runs: predicted vs measured loss", "measured validation loss",
               "predicted loss (5–95% bootstrap bars)");
  std::vector<const Prediction*> measured;
  for (const auto& p : a.predictions)
    if (p.target.measured) measured.push_back(&p);
  if (measured.empty()) {
    plot.add_note(a.predictions.empty()
                      ? "no held-out runs in the plan"
                      : "no held-out run measured yet (glassbox scale run --held-out)");
    return plot.render();
  }
  double lo = 1e300, hi = -1e300;
  for (const auto* p : measured) {
    for (double v : {*p->target.measured, p->predicted, p->interval.lo, p->interval.hi})
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  const double pad = std::max(0.02, 0.15 * (hi - lo));
  lo -= pad, hi += pad;
  plot.set_x_range(lo, hi);
  plot.set_y_range(lo, hi);
  PlotSeries diag;
  diag.label = "predicted = measured";
  diag.color = "#7f7f7f";
  diag.dashed = true;
  diag.points = {{lo, lo}, {hi, hi}};
  plot.add(std::move(diag));
  for (size_t i = 0; i < measured.size(); ++i) {
    const Prediction& p = *measured[i];
    PlotSeries s;
    s.label = str_format("%s: %+.3f nats (%+.1f%%)", p.target.name.c_str(), *p.error, *p.error_pct);
    s.color = palette_color(i);
    s.line = false;
    s.markers = true;
    PlotPoint pt{*p.target.measured, p.predicted};
    if (std::isfinite(p.interval.lo) && std::isfinite(p.interval.hi)) {
      pt.y_lo = p.interval.lo;
      pt.y_hi = p.interval.hi;
      pt.has_error = true;
    }
    s.points.push_back(pt);
    plot.add(std::move(s));
  }
  return plot.render();
}

Result<std::vector<std::string>> write_sweep_plots(const std::string& out_dir,
                                                   const SweepAnalysis& a,
                                                   const std::vector<LossCurve>& curves) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return io_error("scale: cannot create '" + out_dir + "': " + ec.message());
  const std::pair<const char*, std::string> plots[] = {
      {"loss_curves.svg", plot_loss_curves(curves)},
      {"isoflop.svg", plot_isoflop(a)},
      {"contours.svg", plot_contours(a)},
      {"predictions.svg", plot_predictions(a)},
  };
  std::vector<std::string> paths;
  for (const auto& [file, svg] : plots) {
    const std::string path = (std::filesystem::path(out_dir) / file).string();
    GB_RETURN_IF_ERROR(write_file_atomic(path, svg.data(), svg.size()));
    paths.push_back(path);
  }
  return paths;
}

}  // namespace glassbox::scale
