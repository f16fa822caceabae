// Fitting the scaling law to runs: L-BFGS from a grid of starting points, best objective kept
// (Hoffmann et al. 2022 / Besiroglu et al. 2024), and bootstrap intervals over the runs.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"
#include "scale/scaling_law.h"

namespace glassbox::scale {

struct FitOptions {
  double huber_delta = 1e-3;
  // The grid of initialisations (every combination is one L-BFGS start).
  std::vector<double> alpha_grid = {0, 0.5, 1, 1.5, 2};
  std::vector<double> beta_grid = {0, 0.5, 1, 1.5, 2};
  std::vector<double> e_grid = {-1, -0.5, 0, 0.5, 1};
  std::vector<double> a_grid = {0, 5, 10, 15, 20, 25};
  std::vector<double> b_grid = {0, 5, 10, 15, 20, 25};
  int bootstrap = 0;  // resamples; 0 = none
  uint64_t seed = 1;  // of the resampling
  // Each bootstrap refit starts from this many of the full fit's best distinct local optima (the
  // full grid for every resample would cost `bootstrap` times the grid; the resamples stay close).
  int bootstrap_starts = 8;
};

struct LawFit {
  LawParams params;
  double objective = 0;
  int starts = 0;  // L-BFGS runs on the full data
  int converged_starts = 0;
  int n_runs = 0;
  std::vector<LawParams> bootstrap;  // one fit per resample (empty without bootstrap)
};

// Errors: fewer than 5 runs (5 parameters), or a run whose N, D or loss is not positive and finite.
Result<LawFit> fit_law(const std::vector<Observation>& obs, const FitOptions& options);

// The q-quantile (0..1) of values, linearly interpolated; NaN when empty. Non-finite values are
// dropped first.
double quantile(std::vector<double> values, double q);

// The 5% and 95% quantiles of f over the bootstrap fits (NaN without bootstrap).
struct Interval {
  double lo = 0, hi = 0;
};
Interval bootstrap_interval(const LawFit& fit, const std::function<double(const LawParams&)>& f);

}  // namespace glassbox::scale
