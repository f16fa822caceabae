// L-BFGS two-loop recursion and a strong-Wolfe line search (bracketing, then zoom by cubic
// interpolation safeguarded by bisection).
#include "scale/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace glassbox::scale {
namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(const std::vector<double>& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::fabs(v));
  return m;
}

// Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), or NaN when it has none
// (Nocedal & Wright eq. 3.59).
double cubic_min(double a, double fa, double ga, double b, double fb, double gb) {
  const double d1 = ga + gb - 3 * (fa - fb) / (a - b);
  const double disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return std::numeric_limits<double>::quiet_NaN();
  const double d2 = std::copysign(std::sqrt(disc), b - a);
  return b - (b - a) * (gb + d2 - d1) / (gb - ga + 2 * d2);
}

struct LinePoint {
  double t, f, g;  // step, objective, directional derivative
};

class LineSearch {
 public:
  LineSearch(const Objective& f, const std::vector<double>& x, const std::vector<double>& dir,
             const LbfgsOptions& o, int* evaluations)
      : f_(f), x_(x), dir_(dir), o_(o), evals_(evaluations), trial_(x.size()), grad_(x.size()) {}

  // Returns true with the accepted point in (*t, *fx, *gx, trial x in *xt).
  bool run(double f0, double g0, double t_init, double* t, double* fx, std::vector<double>* xt,
           std::vector<double>* gx) {
    LinePoint prev{0, f0, g0};
    double step = t_init;
    for (int i = 0; i < o_.max_line_search; ++i) {
      LinePoint cur = eval(step);
      if (!std::isfinite(cur.f)) {  // overflow: shrink towards the last good point
        step = prev.t + 0.5 * (step - prev.t);
        continue;
      }
      if (cur.f > f0 + o_.c1 * step * g0 || (i > 0 && cur.f >= prev.f))
        return zoom(f0, g0, prev, cur, t, fx, xt, gx);
      if (std::fabs(cur.g) <= -o_.c2 * g0) return accept(cur, t, fx, xt, gx);
      if (cur.g >= 0) return zoom(f0, g0, cur, prev, t, fx, xt, gx);
      prev = cur;
      step *= 2;
    }
    return false;
  }

 private:
  LinePoint eval(double t) {
    for (size_t i = 0; i < x_.size(); ++i) trial_[i] = x_[i] + t * dir_[i];
    ++*evals_;
    last_t_ = t;
    const double fv = f_(trial_, &grad_);
    return {t, fv, dot(grad_, dir_)};
  }
  bool accept(const LinePoint& p, double* t, double* fx, std::vector<double>* xt,
              std::vector<double>* gx) {
    // trial_ and grad_ hold the last evaluation; re-evaluate when p is an earlier point.
    if (p.t != last_t_) eval(p.t);
    *t = p.t;
    *fx = p.f;
    *xt = trial_;
    *gx = grad_;
    return true;
  }
  // lo satisfies sufficient decrease with the lowest f so far; the minimiser lies between lo, hi.
  bool zoom(double f0, double g0, LinePoint lo, LinePoint hi, double* t, double* fx,
            std::vector<double>* xt, std::vector<double>* gx) {
    for (int i = 0; i < o_.max_line_search; ++i) {
      const double left = std::min(lo.t, hi.t), right = std::max(lo.t, hi.t);
      const double width = right - left;
      if (width <= 1e-16 * std::max(1.0, right)) break;
      double step = cubic_min(lo.t, lo.f, lo.g, hi.t, hi.f, hi.g);
      if (!std::isfinite(step) || step < left + 0.1 * width || step > right - 0.1 * width)
        step = 0.5 * (lo.t + hi.t);
      LinePoint cur = eval(step);
      if (!std::isfinite(cur.f) || cur.f > f0 + o_.c1 * step * g0 || cur.f >= lo.f) {
        hi = cur;
        if (!std::isfinite(hi.f)) hi.f = std::numeric_limits<double>::max();
      } else {
        if (std::fabs(cur.g) <= -o_.c2 * g0) return accept(cur, t, fx, xt, gx);
        if (cur.g * (hi.t - lo.t) >= 0) hi = lo;
        lo = cur;
      }
    }
    // No point met the curvature condition in the interval: accept the best decrease, if any.
    if (lo.t > 0 && lo.f < f0) return accept(lo, t, fx, xt, gx);
    return false;
  }

  const Objective& f_;
  const std::vector<double>& x_;
  const std::vector<double>& dir_;
  const LbfgsOptions& o_;
  int* evals_;
  std::vector<double> trial_, grad_;
  double last_t_ = -1;
};

}  // namespace

LbfgsResult lbfgs_minimize(const Objective& f, std::vector<double> x0, const LbfgsOptions& o) {
  const size_t n = x0.size();
  LbfgsResult r;
  r.x = std::move(x0);
  std::vector<double> g(n), dir(n), x_new, g_new;
  r.f = f(r.x, &g);
  r.evaluations = 1;
  if (!std::isfinite(r.f)) return r;
  std::deque<std::vector<double>> s_hist, y_hist;
  std::deque<double> rho_hist;
  std::vector<double> alpha(o.memory);
  for (r.iterations = 0; r.iterations < o.max_iterations; ++r.iterations) {
    if (max_abs(g) <= o.grad_tol * std::max(1.0, std::fabs(r.f))) {
      r.converged = true;
      break;
    }
    // Two-loop recursion: dir = −H·g.
    for (size_t i = 0; i < n; ++i) dir[i] = -g[i];
    const int m = static_cast<int>(s_hist.size());
    for (int k = m - 1; k >= 0; --k) {
      alpha[k] = rho_hist[k] * dot(s_hist[k], dir);
      for (size_t i = 0; i < n; ++i) dir[i] -= alpha[k] * y_hist[k][i];
    }
    double gamma = 1;
    if (m > 0) gamma = dot(s_hist[m - 1], y_hist[m - 1]) / dot(y_hist[m - 1], y_hist[m - 1]);
    for (size_t i = 0; i < n; ++i) dir[i] *= gamma;
    for (int k = 0; k < m; ++k) {
      const double beta = rho_hist[k] * dot(y_hist[k], dir);
      for (size_t i = 0; i < n; ++i) dir[i] += s_hist[k][i] * (alpha[k] - beta);
    }
    double g0 = dot(g, dir);
    if (!(g0 < 0)) {  // not a descent direction (numerical trouble): restart from steepest descent
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      for (size_t i = 0; i < n; ++i) dir[i] = -g[i];
      g0 = dot(g, dir);
    }
    // First iteration: a unit-length step; afterwards the quasi-Newton step of 1.
    const double t_init = m == 0 ? std::min(1.0, 1.0 / std::sqrt(dot(dir, dir))) : 1.0;
    LineSearch ls(f, r.x, dir, o, &r.evaluations);
    double t = 0, f_new = 0;
    if (!ls.run(r.f, g0, t_init, &t, &f_new, &x_new, &g_new)) break;
    std::vector<double> s(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      s[i] = x_new[i] - r.x[i];
      y[i] = g_new[i] - g[i];
    }
    const double sy = dot(s, y);
    const double f_old = r.f;
    r.x.swap(x_new);
    g.swap(g_new);
    r.f = f_new;
    if (sy > 1e-300) {
      if (static_cast<int>(s_hist.size()) == o.memory) {
        s_hist.pop_front();
        y_hist.pop_front();
        rho_hist.pop_front();
      }
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(y));
      rho_hist.push_back(1.0 / sy);
    }
    if (std::fabs(f_old - r.f) <= o.f_tol * std::max(1.0, std::fabs(r.f))) {
      r.converged = true;
      ++r.iterations;
      break;
    }
  }
  return r;
}

}  // namespace glassbox::scale
