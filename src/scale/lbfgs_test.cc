// L-BFGS on functions with known minima.
#include "scale/lbfgs.h"

#include <gtest/gtest.h>

#include <cmath>

namespace glassbox::scale {
namespace {

TEST(LbfgsTest, MinimisesRosenbrockFromTheClassicStart) {
  const Objective rosen = [](const std::vector<double>& x, std::vector<double>* g) {
    const double a = 1 - x[0], b = x[1] - x[0] * x[0];
    (*g)[0] = -2 * a - 400 * x[0] * b;
    (*g)[1] = 200 * b;
    return a * a + 100 * b * b;
  };
  const LbfgsResult r = lbfgs_minimize(rosen, {-1.2, 1.0});
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.x[0], 1.0, 1e-6);
  EXPECT_NEAR(r.x[1], 1.0, 1e-6);
  EXPECT_LT(r.f, 1e-12);
  EXPECT_LT(r.iterations, 100);
}

TEST(LbfgsTest, SolvesAnIllConditionedQuadraticExactly) {
  // f = Σ c_i (x_i − i)², condition number 1e4.
  const int n = 20;
  const Objective quad = [n](const std::vector<double>& x, std::vector<double>* g) {
    double f = 0;
    for (int i = 0; i < n; ++i) {
      const double c = std::pow(10.0, 4.0 * i / (n - 1));
      f += c * (x[i] - i) * (x[i] - i);
      (*g)[i] = 2 * c * (x[i] - i);
    }
    return f;
  };
  const LbfgsResult r = lbfgs_minimize(quad, std::vector<double>(n, 0.0));
  EXPECT_TRUE(r.converged);
  for (int i = 0; i < n; ++i) EXPECT_NEAR(r.x[i], i, 1e-5) << i;
}

TEST(LbfgsTest, ShrinksStepsThatOverflow) {
  // exp(x) + exp(−x) has its minimum at 0; a long first step lands where exp overflows.
  const Objective f = [](const std::vector<double>& x, std::vector<double>* g) {
    (*g)[0] = std::exp(x[0]) - std::exp(-x[0]);
    return std::exp(x[0]) + std::exp(-x[0]);
  };
  const LbfgsResult r = lbfgs_minimize(f, {30.0});
  EXPECT_NEAR(r.x[0], 0.0, 1e-6);
}

}  // namespace
}  // namespace glassbox::scale
