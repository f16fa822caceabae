// Fit + predictions + tables. Numbers are printed with enough digits to compare runs (4 significant
// figures for losses' errors, 3 for the law's constants).
#include "scale/sweep_analysis.h"

#include <cmath>

namespace glassbox::scale {
namespace {

using OJson = nlohmann::ordered_json;

struct NamedParam {
  const char* name;
  double (*get)(const LawParams&);
};

const NamedParam kParams[] = {
    {"E", [](const LawParams& p) { return p.E(); }},
    {"A", [](const LawParams& p) { return p.A(); }},
    {"B", [](const LawParams& p) { return p.B(); }},
    {"alpha", [](const LawParams& p) { return p.alpha; }},
    {"beta", [](const LawParams& p) { return p.beta; }},
    {"a", [](const LawParams& p) { return p.n_exponent(); }},
    {"b", [](const LawParams& p) { return p.d_exponent(); }},
};

OJson num_or_null(double v) { return std::isfinite(v) ? OJson(v) : OJson(nullptr); }

std::string fmt_num(double v) {
  if (!std::isfinite(v)) return "–";
  return str_format("%.4g", v);
}

}  // namespace

std::vector<Observation> observations(const std::vector<RunRecord>& runs) {
  std::vector<Observation> obs;
  for (const auto& r : runs)
    obs.push_back({static_cast<double>(r.params), static_cast<double>(r.tokens), r.val_loss});
  return obs;
}

Prediction predict(const LawFit& fit, const Target& t) {
  Prediction p;
  p.target = t;
  p.predicted = fit.params.predict(t.n, t.d);
  p.interval = bootstrap_interval(fit, [&](const LawParams& q) { return q.predict(t.n, t.d); });
  if (t.measured) {
    p.error = *t.measured - p.predicted;
    p.error_pct = 100.0 * *p.error / *t.measured;
    p.inside_interval = *t.measured >= p.interval.lo && *t.measured <= p.interval.hi;
  }
  return p;
}

Result<SweepAnalysis> analyse_sweep(const std::vector<RunRecord>& fit_runs,
                                    const std::vector<Target>& targets,
                                    const std::vector<double>& budgets, const FitOptions& options) {
  SweepAnalysis a;
  a.fit_runs = fit_runs;
  GB_ASSIGN_OR_RETURN(a.fit, fit_law(observations(fit_runs), options));
  std::vector<IsoflopRun> iso;
  for (const auto& r : fit_runs)
    iso.push_back({r.flops, static_cast<double>(r.params), r.val_loss});
  a.isoflop = fit_isoflop(iso);
  for (double c : budgets) a.optimal.push_back(compute_optimal(a.fit.params, c));
  for (const auto& t : targets) a.predictions.push_back(predict(a.fit, t));
  return a;
}

OJson analysis_json(const SweepAnalysis& a, const FitOptions& o) {
  OJson j;
  j["law"] = "L(N, D) = E + A/N^alpha + B/D^beta; N = all parameters, D = training tokens";
  j["method"] = {{"objective", "sum of Huber(delta) of log L_hat - log L, LSE form"},
                 {"huber_delta", o.huber_delta},
                 {"optimizer", "L-BFGS (strong Wolfe line search)"},
                 {"starts", a.fit.starts},
                 {"converged_starts", a.fit.converged_starts},
                 {"bootstrap", static_cast<int>(a.fit.bootstrap.size())},
                 {"bootstrap_seed", o.seed}};
  j["runs"] = a.fit.n_runs;
  j["objective"] = a.fit.objective;
  OJson params = OJson::object();
  for (const auto& p : kParams) {
    const Interval iv = bootstrap_interval(a.fit, p.get);
    params[p.name] = {{"value", num_or_null(p.get(a.fit.params))},
                      {"p05", num_or_null(iv.lo)},
                      {"p95", num_or_null(iv.hi)}};
  }
  j["params"] = params;
  j["log_params"] = {{"a", a.fit.params.a}, {"b", a.fit.params.b}, {"e", a.fit.params.e}};
  OJson opt = OJson::array();
  for (const auto& c : a.optimal)
    opt.push_back({{"flops", c.flops},
                   {"valid", c.valid},
                   {"n", num_or_null(c.n)},
                   {"d", num_or_null(c.d)},
                   {"tokens_per_param", num_or_null(c.tokens_per_param)},
                   {"loss", num_or_null(c.loss)}});
  j["compute_optimal"] = opt;
  OJson iso = OJson::array();
  for (const auto& b : a.isoflop.budgets)
    iso.push_back({{"flops", b.flops},
                   {"runs", b.runs},
                   {"parabola", {b.c0, b.c1, b.c2}},
                   {"valid", b.valid},
                   {"vertex_inside_range", b.inside},
                   {"n_opt", b.valid ? OJson(b.n_opt) : OJson(nullptr)},
                   {"loss_opt", b.valid ? OJson(b.loss_opt) : OJson(nullptr)}});
  j["isoflop"] = {{"budgets", iso},
                  {"n_exponent", a.isoflop.fitted ? OJson(a.isoflop.exponent) : OJson(nullptr)}};
  OJson preds = OJson::array();
  for (const auto& p : a.predictions) {
    OJson x = {{"name", p.target.name},
               {"n", p.target.n},
               {"d", p.target.d},
               {"flops", p.target.flops},
               {"predicted", p.predicted},
               {"p05", num_or_null(p.interval.lo)},
               {"p95", num_or_null(p.interval.hi)}};
    x["measured"] = p.target.measured ? OJson(*p.target.measured) : OJson(nullptr);
    x["error_nats"] = p.error ? OJson(*p.error) : OJson(nullptr);
    x["error_pct"] = p.error_pct ? OJson(*p.error_pct) : OJson(nullptr);
    x["inside_interval"] = p.target.measured ? OJson(p.inside_interval) : OJson(nullptr);
    preds.push_back(x);
  }
  j["held_out"] = preds;
  OJson runs = OJson::array();
  for (const auto& r : a.fit_runs) runs.push_back(r.name);
  j["fit_runs"] = runs;
  return j;
}

std::string analysis_markdown(const SweepAnalysis& a, const std::string& title,
                              const FitOptions& o) {
  std::string m = "# " + title + "\n\n";
  m += str_format(
      "L(N, D) = E + A/N^α + B/D^β fitted on %d runs (N = all parameters, D = training tokens): "
      "sum of Huber(δ = %g) of log-residuals in LSE form, L-BFGS from %d starts (%d converged), "
      "%zu bootstrap resamples (5–95%% intervals).\n\n",
      a.fit.n_runs, o.huber_delta, a.fit.starts, a.fit.converged_starts, a.fit.bootstrap.size());
  m += "| parameter | value | 5% | 95% |\n|---|---|---|---|\n";
  for (const auto& p : kParams) {
    const Interval iv = bootstrap_interval(a.fit, p.get);
    m += str_format("| %s | %s | %s | %s |\n", p.name, fmt_num(p.get(a.fit.params)).c_str(),
                    fmt_num(iv.lo).c_str(), fmt_num(iv.hi).c_str());
  }
  m += "\na = β/(α+β) is the exponent of N* ∝ C^a, b = α/(α+β) that of D* ∝ C^b (Chinchilla "
       "Approach 3: a = 0.46; Besiroglu et al.'s refit: 0.513).\n\n";
  m += "## Compute-optimal allocation (C = 6ND)\n\n| C (FLOPs) | N* | D* | tokens/param | "
       "predicted loss |\n|---|---|---|---|---|\n";
  for (const auto& c : a.optimal)
    m += c.valid ? str_format("| %.3g | %.4g | %.4g | %.3g | %.4f |\n", c.flops, c.n, c.d,
                              c.tokens_per_param, c.loss)
                 : str_format("| %.3g | – | – | – | – |\n", c.flops);
  m += "\n## IsoFLOP cross-check (Approach 2)\n\n";
  if (a.isoflop.budgets.empty()) {
    m += "No budget has 3 or more runs.\n";
  } else {
    m += "| C (FLOPs) | runs | N* (parabola vertex) | loss at vertex | vertex inside the runs' N "
         "range "
         "|\n|---|---|---|---|---|\n";
    for (const auto& b : a.isoflop.budgets)
      m += b.valid ? str_format("| %.3g | %d | %.4g | %.4f | %s |\n", b.flops, b.runs, b.n_opt,
                                b.loss_opt, b.inside ? "yes" : "no (extrapolated)")
                   : str_format("| %.3g | %d | – (no minimum: curvature ≤ 0) | – | – |\n", b.flops,
                                b.runs);
    if (a.isoflop.fitted)
      m += str_format("\nN* ∝ C^%.3f from the vertices (the parametric fit gives a = %.3f).\n",
                      a.isoflop.exponent, a.fit.params.n_exponent());
  }
  m += "\n## Held-out predictions\n\n";
  if (a.predictions.empty()) {
    m += "No held-out runs.\n";
  } else {
    m += "| run | N | D | predicted | 5–95% | measured | error (nats) | error (%) |\n"
         "|---|---|---|---|---|---|---|---|\n";
    for (const auto& p : a.predictions)
      m += str_format(
          "| %s | %.4g | %.4g | %.4f | %s–%s | %s | %s | %s |\n", p.target.name.c_str(), p.target.n,
          p.target.d, p.predicted, fmt_num(p.interval.lo).c_str(), fmt_num(p.interval.hi).c_str(),
          p.target.measured ? str_format("%.4f", *p.target.measured).c_str() : "not run",
          p.error ? str_format("%+.4f", *p.error).c_str() : "–",
          p.error_pct ? str_format("%+.2f", *p.error_pct).c_str() : "–");
  }
  m += "\n## Runs fitted\n\n| run | N | D | C | val loss | fitted | residual |\n"
       "|---|---|---|---|---|---|---|\n";
  for (const auto& r : a.fit_runs) {
    const double f =
        a.fit.params.predict(static_cast<double>(r.params), static_cast<double>(r.tokens));
    m += str_format("| %s | %lld | %lld | %.3g | %.4f | %.4f | %+.4f |\n", r.name.c_str(),
                    (long long)r.params, (long long)r.tokens, r.flops, r.val_loss, f,
                    r.val_loss - f);
  }
  return m;
}

std::string analysis_text(const SweepAnalysis& a) {
  const LawParams& p = a.fit.params;
  std::string t =
      str_format("L(N, D) = %.4g + %.4g/N^%.4g + %.4g/D^%.4g   (%d runs, objective %.3g)\n", p.E(),
                 p.A(), p.alpha, p.B(), p.beta, a.fit.n_runs, a.fit.objective);
  for (const auto& np : kParams) {
    const Interval iv = bootstrap_interval(a.fit, np.get);
    t += str_format("  %-5s %10.4g", np.name, np.get(p));
    if (!a.fit.bootstrap.empty()) t += str_format("   [%.4g, %.4g]", iv.lo, iv.hi);
    t += "\n";
  }
  for (const auto& c : a.optimal)
    if (c.valid)
      t += str_format("  C = %.3g: N* = %.4g, D* = %.4g, %.3g tokens/param, loss %.4f\n", c.flops,
                      c.n, c.d, c.tokens_per_param, c.loss);
  if (a.isoflop.fitted)
    t += str_format("  IsoFLOP parabolas: N* ∝ C^%.3f over %zu budgets\n", a.isoflop.exponent,
                    a.isoflop.budgets.size());
  for (const auto& pr : a.predictions) {
    t += str_format("  %s: predicted %.4f [%.4f, %.4f]", pr.target.name.c_str(), pr.predicted,
                    pr.interval.lo, pr.interval.hi);
    if (pr.error)
      t += str_format(", measured %.4f, error %+.4f nats (%+.2f%%)", *pr.target.measured, *pr.error,
                      *pr.error_pct);
    t += "\n";
  }
  return t;
}

}  // namespace glassbox::scale
