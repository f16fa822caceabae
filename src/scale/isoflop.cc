// Least-squares parabolas per budget and a log-log line through their vertices.
#include "scale/isoflop.h"

#include <algorithm>
#include <cmath>

namespace glassbox::scale {
namespace {

// Solves the 3×3 system m·x = v by Gaussian elimination with partial pivoting; false if singular.
bool solve3(double m[3][3], double v[3], double x[3]) {
  for (int c = 0; c < 3; ++c) {
    int piv = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::fabs(m[r][c]) > std::fabs(m[piv][c])) piv = r;
    if (std::fabs(m[piv][c]) < 1e-300) return false;
    std::swap(m[c], m[piv]);
    std::swap(v[c], v[piv]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = m[r][c] / m[c][c];
      for (int k = c; k < 3; ++k) m[r][k] -= f * m[c][k];
      v[r] -= f * v[c];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double s = v[c];
    for (int k = c + 1; k < 3; ++k) s -= m[c][k] * x[k];
    x[c] = s / m[c][c];
  }
  return true;
}

}  // namespace

IsoflopFit fit_isoflop(const std::vector<IsoflopRun>& runs) {
  std::vector<IsoflopRun> sorted = runs;
  std::sort(sorted.begin(), sorted.end(),
            [](const IsoflopRun& a, const IsoflopRun& b) { return a.flops < b.flops; });
  IsoflopFit fit;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() &&
           std::fabs(sorted[j].flops - sorted[i].flops) <= 1e-6 * std::fabs(sorted[i].flops))
      ++j;
    if (j - i >= 3) {
      IsoflopBudget b;
      b.flops = sorted[i].flops;
      b.runs = static_cast<int>(j - i);
      // Centre x for conditioning.
      double mean_x = 0, lo = 1e300, hi = -1e300;
      for (size_t k = i; k < j; ++k) mean_x += std::log(sorted[k].n);
      mean_x /= static_cast<double>(j - i);
      double m[3][3] = {}, v[3] = {}, c[3] = {};
      for (size_t k = i; k < j; ++k) {
        const double x = std::log(sorted[k].n) - mean_x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        const double p[3] = {1, x, x * x};
        for (int r = 0; r < 3; ++r) {
          for (int s = 0; s < 3; ++s) m[r][s] += p[r] * p[s];
          v[r] += p[r] * sorted[k].loss;
        }
      }
      if (solve3(m, v, c)) {
        // Back to x = ln N: c0 + c1 (x − μ) + c2 (x − μ)².
        b.c2 = c[2];
        b.c1 = c[1] - 2 * c[2] * mean_x;
        b.c0 = c[0] - c[1] * mean_x + c[2] * mean_x * mean_x;
        if (c[2] > 0) {
          const double xv = -c[1] / (2 * c[2]);
          b.n_opt = std::exp(xv + mean_x);
          b.loss_opt = c[0] + c[1] * xv + c[2] * xv * xv;
          b.valid = std::isfinite(b.n_opt);
          b.inside = xv >= lo && xv <= hi;
        }
      }
      fit.budgets.push_back(b);
    }
    i = j;
  }
  std::vector<double> xs, ys;
  for (const auto& b : fit.budgets)
    if (b.valid) {
      xs.push_back(std::log(b.flops));
      ys.push_back(std::log(b.n_opt));
    }
  if (xs.size() >= 2) {
    double mx = 0, my = 0;
    for (size_t k = 0; k < xs.size(); ++k) {
      mx += xs[k];
      my += ys[k];
    }
    mx /= static_cast<double>(xs.size());
    my /= static_cast<double>(xs.size());
    double sxx = 0, sxy = 0;
    for (size_t k = 0; k < xs.size(); ++k) {
      sxx += (xs[k] - mx) * (xs[k] - mx);
      sxy += (xs[k] - mx) * (ys[k] - my);
    }
    if (sxx > 0) {
      fit.exponent = sxy / sxx;
      fit.log_k = my - fit.exponent * mx;
      fit.fitted = true;
    }
  }
  return fit;
}

}  // namespace glassbox::scale
