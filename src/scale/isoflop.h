// Hoffmann et al.'s Approach 2 as a cross-check of the parametric fit: per compute budget, a
// parabola of loss in log N whose minimum is that budget's N*; then a power law N* ∝ C^a.
#pragma once

#include <vector>

namespace glassbox::scale {

struct IsoflopRun {
  double flops = 0, n = 0, loss = 0;
};

struct IsoflopBudget {
  double flops = 0;
  int runs = 0;
  double c0 = 0, c1 = 0, c2 = 0;   // loss ≈ c0 + c1·x + c2·x², x = ln N
  double n_opt = 0, loss_opt = 0;  // the vertex (valid only when c2 > 0)
  bool valid = false;
  // true when the vertex lies inside the budget's measured N range (an extrapolated vertex is
  // reported but not trusted)
  bool inside = false;
};

struct IsoflopFit {
  std::vector<IsoflopBudget> budgets;  // every budget with >= 3 runs, ascending C
  // N* = exp(log_k) · C^exponent over the valid budgets (least squares in log-log); `fitted` needs
  // at least 2 of them.
  double exponent = 0, log_k = 0;
  bool fitted = false;
};

// Runs are grouped by flops (equal within 1e-6 relative).
IsoflopFit fit_isoflop(const std::vector<IsoflopRun>& runs);

}  // namespace glassbox::scale
