// vec_exp: accuracy against std::exp in double, special values, and position independence.
#include "base/vec_exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace glassbox {
namespace {

TEST(VecExpTest, RelativeErrorIsBelowThreeUlpOverTheNormalRange) {
  std::vector<float> x;
  for (double v = -86.9; v <= 88.7; v += 0.0037) x.push_back(static_cast<float>(v));
  for (float v = -1e-3f; v <= 1e-3f; v += 1.3e-6f) x.push_back(v);
  std::vector<float> y = x;
  exp_inplace(y.data(), static_cast<int64_t>(y.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double ref = std::exp(static_cast<double>(x[i]));
    worst = std::max(worst, std::abs(y[i] - ref) / ref);
  }
  EXPECT_LT(worst, 3e-7);
}

TEST(VecExpTest, HandlesZeroLimitsAndNan) {
  std::vector<float> x = {0.0f,          -0.0f,
                          -100.0f,       -std::numeric_limits<float>::infinity(),
                          100.0f,        std::numeric_limits<float>::infinity(),
                          std::nanf(""), 1.0f,
                          -87.5f};
  exp_inplace(x.data(), static_cast<int64_t>(x.size()));
  EXPECT_EQ(x[0], 1.0f);
  EXPECT_EQ(x[1], 1.0f);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_EQ(x[3], 0.0f);
  EXPECT_EQ(x[4], std::numeric_limits<float>::infinity());
  EXPECT_EQ(x[5], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(x[6]));
  EXPECT_NEAR(x[7], std::exp(1.0), 3e-7 * std::exp(1.0));
  EXPECT_EQ(x[8], 0.0f);
}

TEST(VecExpTest, ValueDoesNotDependOnPositionOrLength) {
  std::vector<float> base(37);
  for (size_t i = 0; i < base.size(); ++i) base[i] = -3.0f + 0.173f * static_cast<float>(i);
  std::vector<float> whole = base;
  exp_inplace(whole.data(), static_cast<int64_t>(whole.size()));
  for (size_t offset = 1; offset < 9; ++offset) {
    std::vector<float> part(base.begin() + offset, base.end());
    exp_inplace(part.data(), static_cast<int64_t>(part.size()));
    for (size_t i = 0; i < part.size(); ++i) EXPECT_EQ(part[i], whole[i + offset]);
  }
}

}  // namespace
}  // namespace glassbox
