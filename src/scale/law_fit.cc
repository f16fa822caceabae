// Grid of L-BFGS starts, best kept; bootstrap by resampling runs with replacement.
#include "scale/law_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "scale/lbfgs.h"

namespace glassbox::scale {
namespace {

struct Local {
  LawParams params;
  double objective;
};

Local minimise_from(const std::vector<LogObservation>& obs, double delta, const LawParams& start,
                    bool* converged) {
  const Objective f = [&](const std::vector<double>& x, std::vector<double>* g) {
    return law_objective(LawParams::from_vector(x), obs, delta, g);
  };
  LbfgsResult r = lbfgs_minimize(f, start.to_vector());
  if (converged) *converged = r.converged;
  return {LawParams::from_vector(r.x),
          std::isfinite(r.f) ? r.f : std::numeric_limits<double>::max()};
}

double distance(const LawParams& x, const LawParams& y) {
  const auto a = x.to_vector(), b = y.to_vector();
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

Result<LawFit> fit_law(const std::vector<Observation>& obs, const FitOptions& o) {
  if (obs.size() < 5)
    return invalid_argument(
        str_format("scale: fitting 5 parameters needs at least 5 runs, got %zu", obs.size()));
  for (size_t i = 0; i < obs.size(); ++i) {
    const Observation& x = obs[i];
    if (!(x.n > 0 && x.d > 0 && x.loss > 0) || !std::isfinite(x.n) || !std::isfinite(x.d) ||
        !std::isfinite(x.loss))
      return invalid_argument(
          str_format("scale: run %zu has N = %g, D = %g, loss = %g (each must be positive)", i + 1,
                     x.n, x.d, x.loss));
  }
  LawFit fit;
  fit.n_runs = static_cast<int>(obs.size());
  const std::vector<LogObservation> logs = to_logs(obs);
  std::vector<Local> locals;
  for (double alpha : o.alpha_grid)
    for (double beta : o.beta_grid)
      for (double e : o.e_grid)
        for (double a : o.a_grid)
          for (double b : o.b_grid) {
            bool converged = false;
            locals.push_back(
                minimise_from(logs, o.huber_delta, {a, b, e, alpha, beta}, &converged));
            ++fit.starts;
            fit.converged_starts += converged;
          }
  // Ties (equal objectives) keep the earliest start, so the result does not depend on sort details.
  std::stable_sort(locals.begin(), locals.end(),
                   [](const Local& x, const Local& y) { return x.objective < y.objective; });
  fit.params = locals.front().params;
  fit.objective = locals.front().objective;
  if (o.bootstrap <= 0) return fit;

  std::vector<LawParams> starts;
  for (const Local& l : locals) {
    if (static_cast<int>(starts.size()) >= std::max(1, o.bootstrap_starts)) break;
    bool distinct = true;
    for (const LawParams& s : starts) distinct &= distance(s, l.params) > 1e-3;
    if (distinct) starts.push_back(l.params);
  }
  std::mt19937_64 rng(o.seed);
  std::vector<LogObservation> sample(logs.size());
  for (int k = 0; k < o.bootstrap; ++k) {
    for (auto& s : sample) s = logs[rng() % logs.size()];
    Local best{fit.params, std::numeric_limits<double>::max()};
    for (const LawParams& s : starts) {
      Local l = minimise_from(sample, o.huber_delta, s, nullptr);
      if (l.objective < best.objective) best = l;
    }
    fit.bootstrap.push_back(best.params);
  }
  return fit;
}

double quantile(std::vector<double> values, double q) {
  std::erase_if(values, [](double v) { return !std::isfinite(v); });
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  if (i + 1 >= values.size()) return values.back();
  return values[i] + (pos - static_cast<double>(i)) * (values[i + 1] - values[i]);
}

Interval bootstrap_interval(const LawFit& fit, const std::function<double(const LawParams&)>& f) {
  std::vector<double> v;
  v.reserve(fit.bootstrap.size());
  for (const LawParams& p : fit.bootstrap) v.push_back(f(p));
  return {quantile(v, 0.05), quantile(v, 0.95)};
}

}  // namespace glassbox::scale
