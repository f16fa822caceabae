// Tests of the reference kernels: round-trip error bounds and vec_dot against dequantized dot products.
#include <cmath>
#include <cstdio>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"
#include "kernels/reference/quant_test_util.h"
#include "tensor/dtype.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels {
namespace {

using tensor::DType;
using namespace testing;  // NOLINT

struct RoundTripCase {
  DType dtype;
  double max_rel_rms;  // bound on RMS(dequant(quant(x)) - x) / RMS(x) for x ~ N(0, 1)
};

class RoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, ErrorOnGaussianDataIsBelowBound) {
  const RoundTripCase c = GetParam();
  const int64_t n = 256 * 64;
  const auto x = random_row(n, 1234);
  const auto q = quantize_row(reference_table(), c.dtype, x, 0);
  const auto y = dequantize_row(reference_table(), c.dtype, q.data(), n);
  const double err = relative_rms_error(y, x);
  std::printf("round-trip %-5s relative RMS error %.5f\n", std::string(tensor::dtype_name(c.dtype)).c_str(), err);
  EXPECT_LT(err, c.max_rel_rms);
  EXPECT_GT(err, 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, RoundTripTest,
    // Bounds are the measured errors (printed) plus ~10% headroom; see README.md for the numbers.
    ::testing::Values(RoundTripCase{DType::kF16, 5e-4}, RoundTripCase{DType::kBF16, 3e-3},
                      RoundTripCase{DType::kQ8_0, 0.01}, RoundTripCase{DType::kQ8_1, 0.01},
                      RoundTripCase{DType::kQ8_K, 0.01}, RoundTripCase{DType::kQ6_K, 0.02},
                      RoundTripCase{DType::kQ5_0, 0.047}, RoundTripCase{DType::kQ5_1, 0.042},
                      RoundTripCase{DType::kQ5_K, 0.04}, RoundTripCase{DType::kQ4_0, 0.095},
                      RoundTripCase{DType::kQ4_1, 0.086}, RoundTripCase{DType::kQ4_K, 0.078},
                      RoundTripCase{DType::kQ3_K, 0.16}, RoundTripCase{DType::kQ2_K, 0.29}));

TEST(RoundTripTest, F32IsExact) {
  const auto x = random_row(96, 7);
  const auto q = quantize_row(reference_table(), DType::kF32, x, 1);
  EXPECT_EQ(dequantize_row(reference_table(), DType::kF32, q.data(), 96), x);
}

}  // namespace
}  // namespace glassbox::kernels
