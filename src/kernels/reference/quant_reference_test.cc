// Tests of the reference kernels: round-trip error bounds and vec_dot against dequantized dot products.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "kernels/kernel_table.h"
#include "kernels/reference/quant_test_util.h"
#include "kernels/reference/reference_kernels.h"
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
  std::printf("round-trip %-5s relative RMS error %.5f\n", std::string(tensor::dtype_name(c.dtype)).c_str(),
              err);
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
                      RoundTripCase{DType::kQ3_K, 0.16}, RoundTripCase{DType::kQ2_K, 0.29}),
    [](const ::testing::TestParamInfo<RoundTripCase>& info) {
      return std::string(tensor::dtype_name(info.param.dtype));
    });

TEST(RoundTripTest, F32IsExact) {
  const auto x = random_row(96, 7);
  const auto q = quantize_row(reference_table(), DType::kF32, x, 1);
  EXPECT_EQ(dequantize_row(reference_table(), DType::kF32, q.data(), 96), x);
}

// ---- vec_dot against the dot product of the decoded rows ----

struct VecDotCase {
  DType dtype;
  int64_t n;
  int offset;  // byte offset of both rows from an aligned address
};

class VecDotTest : public ::testing::TestWithParam<VecDotCase> {};

// vec_dot(w, quantize(x)) must equal sum_i dequant(w)_i * dequant(quantize(x))_i: the kernel's integer
// arithmetic is exact, so the only differences are float rounding of the per-block scale products, and
// for the Q8_1 activation format the f16 rounding of s = d * sum(q), which the bound accounts for.
TEST_P(VecDotTest, MatchesDotOfDequantizedRows) {
  const VecDotCase c = GetParam();
  const KernelTable& table = reference_table();
  const DType act_type = tensor::dtype_info(c.dtype).vec_dot_type;
  const auto w_float = random_row(c.n, 11);
  auto x_float = random_row(c.n, 12);
  for (auto& v : x_float) v += 0.5f;  // a nonzero mean exercises the min terms (bsums, Q8_1's s)
  const auto w = quantize_row(table, c.dtype, w_float, c.offset);
  const auto x = quantize_row(table, act_type, x_float, c.offset);
  const auto wd = dequantize_row(table, c.dtype, w.data(), c.n);
  const auto xd = dequantize_row(table, act_type, x.data(), c.n);

  double want = 0, magnitude = 0;
  for (int64_t i = 0; i < c.n; ++i) {
    want += static_cast<double>(wd[i]) * xd[i];
    magnitude += std::fabs(static_cast<double>(wd[i]) * xd[i]);
  }
  double tolerance = 1e-6 * magnitude;
  if (act_type == DType::kQ8_1) {
    // Per block, |m_w| * |s - d * sum(q)| <= |m_w| * |d * sum(q)| * 2^-10 (d and s both rounded to f16).
    const int64_t n_blocks = c.n / 32;
    const size_t w_block = tensor::dtype_info(c.dtype).block_bytes;
    for (int64_t b = 0; b < n_blocks; ++b) {
      uint16_t m_bits;  // the min is the second f16 of both Q4_1 and Q5_1 blocks
      std::memcpy(&m_bits, w.data() + b * w_block + 2, 2);
      double block_sum = 0;
      for (int i = 0; i < 32; ++i) block_sum += xd[b * 32 + i];
      tolerance += std::fabs(fp16_to_fp32(m_bits) * block_sum) * std::ldexp(1.0, -10);
    }
  }
  const float got = table.of(c.dtype).vec_dot(c.n, w.data(), x.data());
  EXPECT_NEAR(got, want, tolerance) << "magnitude " << magnitude;
  // And the free function over the active table agrees with the reference when that is the table in use.
  if (&active_table() == &table) {
    EXPECT_EQ(vec_dot(c.dtype, c.n, w.data(), x.data()), got);
  }
}

std::vector<VecDotCase> vec_dot_cases() {
  const DType types[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                         DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1, DType::kQ2_K,
                         DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K};
  std::vector<VecDotCase> cases;
  for (DType t : types) {
    const int64_t block = std::max<int64_t>(tensor::dtype_info(t).block_elems, 32);
    for (int64_t n : {block, 3 * block, 37 * block, int64_t{4096}, int64_t{11008}}) {
      for (int offset : {0, 1}) cases.push_back({t, n, offset});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, VecDotTest, ::testing::ValuesIn(vec_dot_cases()),
                         [](const ::testing::TestParamInfo<VecDotCase>& info) {
                           return std::string(tensor::dtype_name(info.param.dtype)) + "_n" +
                                  std::to_string(info.param.n) + "_off" + std::to_string(info.param.offset);
                         });

// The quantized dot approximates the exact float dot: a sanity check that activation quantization and
// the weight format together keep the error at the size the formats promise.
TEST(VecDotTest, Q4_KDotIsCloseToFloatDot) {
  const int64_t n = 4096;
  const auto w = random_row(n, 21), x = random_row(n, 22);
  double exact = 0, magnitude = 0;
  for (int64_t i = 0; i < n; ++i) {
    exact += static_cast<double>(w[i]) * x[i];
    magnitude += std::fabs(static_cast<double>(w[i]) * x[i]);
  }
  const auto wq = quantize_row(reference_table(), DType::kQ4_K, w, 0);
  const auto xq = quantize_row(reference_table(), DType::kQ8_K, x, 0);
  const float got = reference_table().of(DType::kQ4_K).vec_dot(n, wq.data(), xq.data());
  // Errors of ~7% per element, independent, over sqrt(n) terms: well under 2% of the magnitude.
  EXPECT_NEAR(got, exact, 0.02 * magnitude);
}

// ---- F16 / BF16 special values ----

TEST(FloatTypesTest, F16DecodesInfNanSubnormalsAndExtremes) {
  const uint16_t bits[] = {0x7C00, 0xFC00, 0x7E00, 0x0001, 0x03FF, 0x8001,
                           0x0400, 0x3C00, 0xC000, 0x7BFF, 0x8000};
  std::vector<float> got(std::size(bits));
  std::vector<uint8_t> bytes(sizeof(bits) + 1);
  std::memcpy(bytes.data() + 1, bits, sizeof(bits));
  reference_table().of(DType::kF16).dequantize_row(bytes.data() + 1, got.data(), std::ssize(bits));
  EXPECT_EQ(got[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(got[1], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(got[2]));
  EXPECT_EQ(got[3], std::ldexp(1.0f, -24));            // smallest subnormal
  EXPECT_EQ(got[4], 1023.0f * std::ldexp(1.0f, -24));  // largest subnormal
  EXPECT_EQ(got[5], -std::ldexp(1.0f, -24));
  EXPECT_EQ(got[6], std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(got[7], 1.0f);
  EXPECT_EQ(got[8], -2.0f);
  EXPECT_EQ(got[9], 65504.0f);
  EXPECT_TRUE(got[10] == 0.0f && std::signbit(got[10]));
}

TEST(FloatTypesTest, F16EncodesOverflowUnderflowAndSubnormals) {
  const std::vector<float> x = {
      65520.0f, -1e6f, 1e-8f, 3e-8f, std::ldexp(1.0f, -20), std::numeric_limits<float>::quiet_NaN()};
  std::vector<uint16_t> h(x.size());
  reference_table().of(DType::kF16).quantize_row(x.data(), h.data(), std::ssize(x));
  EXPECT_EQ(h[0], 0x7C00);  // 65520 rounds up to inf
  EXPECT_EQ(h[1], 0xFC00);
  EXPECT_EQ(h[2], 0x0000);  // below half the smallest subnormal
  EXPECT_EQ(h[3], 0x0001);  // just over half of 2^-24
  EXPECT_EQ(h[4], 0x0010);  // 2^-20 = 16 * 2^-24
  EXPECT_EQ(h[5] & 0x7C00, 0x7C00);
  EXPECT_NE(h[5] & 0x03FF, 0);
}

TEST(FloatTypesTest, Bf16DecodesInfNanSubnormalsAndRoundsToNearestEven) {
  const uint16_t bits[] = {0x7F80, 0xFF80, 0x7FC0, 0x0001, 0x3F80, 0xC040};
  std::vector<float> got(std::size(bits));
  reference_table().of(DType::kBF16).dequantize_row(bits, got.data(), std::ssize(bits));
  EXPECT_EQ(got[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(got[1], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(got[2]));
  EXPECT_EQ(got[3], std::ldexp(1.0f, -133));  // smallest bf16 subnormal
  EXPECT_EQ(got[4], 1.0f);
  EXPECT_EQ(got[5], -3.0f);

  // 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: ties to even gives 1.0; 1 + 3 * 2^-8 goes up.
  const std::vector<float> x = {1.0f + std::ldexp(1.0f, -8), 1.0f + 3 * std::ldexp(1.0f, -8),
                                std::numeric_limits<float>::quiet_NaN()};
  std::vector<uint16_t> h(x.size());
  reference_table().of(DType::kBF16).quantize_row(x.data(), h.data(), std::ssize(x));
  EXPECT_EQ(h[0], 0x3F80);
  EXPECT_EQ(h[1], 0x3F82);
  EXPECT_TRUE(std::isnan(bf16_to_fp32(h[2])));
}

TEST(ReferenceTableTest, EverySupportedTypeHasAllThreeKernels) {
  for (uint32_t id = 0; id < tensor::kDTypeTableSize; ++id) {
    const tensor::DTypeInfo* info = tensor::dtype_info(id);
    if (info == nullptr) continue;
    const bool wanted = info->supported || info->dtype == DType::kQ8_1 || info->dtype == DType::kQ8_K;
    if (!wanted) continue;
    const TypeKernels& k = reference_table().of(info->dtype);
    EXPECT_NE(k.dequantize_row, nullptr) << info->name;
    EXPECT_NE(k.quantize_row, nullptr) << info->name;
    EXPECT_NE(k.vec_dot, nullptr) << info->name;
  }
  EXPECT_STREQ(reference_table().name, "reference");
}

TEST(ReferenceTableTest, NearestIntRoundsHalfToEvenAndSaturates) {
  using reference::nearest_int;
  EXPECT_EQ(nearest_int(2.5f), 2);
  EXPECT_EQ(nearest_int(3.5f), 4);
  EXPECT_EQ(nearest_int(-2.5f), -2);
  EXPECT_EQ(nearest_int(-0.49f), 0);
  EXPECT_EQ(nearest_int(126.51f), 127);
  EXPECT_EQ(nearest_int(1e20f), 1 << 30);
  EXPECT_EQ(nearest_int(-std::numeric_limits<float>::infinity()), -(1 << 30));
  EXPECT_EQ(nearest_int(std::numeric_limits<float>::quiet_NaN()), 0);
}

TEST(ReferenceTableTest, QuantizedZeroRowDecodesToZero) {
  for (DType t : {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1,
                  DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ8_K}) {
    const std::vector<float> zeros(256, 0.0f);
    const auto q = quantize_row(reference_table(), t, zeros, 1);
    const auto y = dequantize_row(reference_table(), t, q.data(), 256);
    for (float v : y) ASSERT_EQ(v, 0.0f) << tensor::dtype_name(t);
  }
}

}  // namespace
}  // namespace glassbox::kernels
