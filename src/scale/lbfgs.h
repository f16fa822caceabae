// L-BFGS: limited-memory quasi-Newton minimisation with a line search satisfying the strong Wolfe
// conditions (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithms 7.4, 3.5 and 3.6).
#pragma once

#include <functional>
#include <vector>

namespace glassbox::scale {

// f(x) returns the objective and writes its gradient into *grad (same length as x).
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>* grad)>;

struct LbfgsOptions {
  int memory = 10;  // correction pairs kept
  int max_iterations = 1000;
  double grad_tol = 1e-10;   // stop when max |g_i| <= grad_tol · max(1, |f|)
  double f_tol = 1e-15;      // stop when |f_k − f_{k+1}| <= f_tol · max(1, |f|)
  double c1 = 1e-4;          // sufficient decrease (Armijo)
  double c2 = 0.9;           // curvature (strong Wolfe)
  int max_line_search = 40;  // function evaluations per line search
};

struct LbfgsResult {
  std::vector<double> x;
  double f = 0;
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;  // a tolerance was met (false: iteration limit or failed line search)
};

// Minimises f from x0. Deterministic; no allocation per evaluation beyond the caller's. A
// non-finite objective at a trial point counts as "too far" and shrinks the step.
LbfgsResult lbfgs_minimize(const Objective& f, std::vector<double> x0,
                           const LbfgsOptions& options = {});

}  // namespace glassbox::scale
