// Every kernel table this machine supports against the reference oracle: the same test bodies run once per
// table (Highway-style per-target tests), on odd sizes, wide rows and unaligned pointers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/cpu_features.h"
#include "base/fp16.h"
#include "kernels/kernel_table.h"
#include "kernels/reference/reference_kernels.h"
#include "kernels/reference/quant_test_util.h"
#include "tensor/dtype.h"

namespace glassbox::kernels {
namespace {

using testing::OffsetBuffer;
using testing::random_row;
using tensor::DType;

constexpr DType kWeightTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                                  DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                                  DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

std::vector<std::string> table_names() {
  std::vector<std::string> names;
  for (const KernelTable* t : supported_tables()) names.emplace_back(t->name);
  return names;
}

const KernelTable& table_named(const std::string& name) {
  for (const KernelTable* t : supported_tables()) {
    if (name == t->name) return *t;
  }
  ADD_FAILURE() << "no table " << name;
  return reference_table();
}

// Row lengths for a type: 1 block, primes of blocks, wide rows; plain types also lengths that are not a
// multiple of the 8-float vector.
std::vector<int64_t> lengths_for(DType dtype) {
  const int64_t block = tensor::dtype_info(dtype).block_elems;
  std::vector<int64_t> n;
  if (block == 1) {
    n = {1, 7, 9, 31, 33, 100, 257};
  } else {
    n = {block, 2 * block, 3 * block, 7 * block, 13 * block};
  }
  for (int64_t wide : {int64_t{4096}, int64_t{11008}}) {
    if (wide % block == 0) n.push_back(wide);
  }
  return n;
}

class KernelTableTest : public ::testing::TestWithParam<std::string> {
 protected:
  const KernelTable& table() const { return table_named(GetParam()); }
};

TEST_P(KernelTableTest, EveryWeightTypeHasDequantizeAndFloatDot) {
  for (DType t : kWeightTypes) {
    EXPECT_NE(table().of(t).dequantize_row, nullptr) << tensor::dtype_name(t);
    EXPECT_NE(table().of(t).vec_dot_f32, nullptr) << tensor::dtype_name(t);
    EXPECT_NE(table().of(t).quantize_row, nullptr) << tensor::dtype_name(t);
  }
  EXPECT_NE(table().gemm_f32, nullptr);
  EXPECT_NE(table().gemm_f32_kmajor, nullptr);
  EXPECT_TRUE(table().float_activations);
}

TEST_P(KernelTableTest, DequantizeMatchesReferenceOnOddSizesAndUnalignedRows) {
  for (DType t : kWeightTypes) {
    for (int64_t n : lengths_for(t)) {
      for (int offset : {0, 1}) {
        auto x = random_row(n, static_cast<uint32_t>(n + 3));
        for (auto& v : x) v += 0.3f;  // nonzero mean exercises the mins
        const OffsetBuffer q = testing::quantize_row(reference_table(), t, x, offset);
        const auto want = testing::dequantize_row(reference_table(), t, q.data(), n);
        OffsetBuffer out(4 * static_cast<size_t>(n), offset);
        auto* got = reinterpret_cast<float*>(out.data());
        table().of(t).dequantize_row(q.data(), got, n);
        for (int64_t i = 0; i < n; ++i) {
          float g;
          std::memcpy(&g, out.data() + 4 * i, 4);
          // a * q - b with one FMA rounding instead of two roundings.
          ASSERT_NEAR(g, want[i], 1e-6f * (1.0f + std::fabs(want[i])))
              << tensor::dtype_name(t) << " n=" << n << " off=" << offset << " i=" << i;
        }
      }
    }
  }
}

TEST_P(KernelTableTest, FloatDotMatchesReferenceOnOddSizesAndUnalignedRows) {
  for (DType t : kWeightTypes) {
    for (int64_t n : lengths_for(t)) {
      for (int offset : {0, 1}) {
        auto w = random_row(n, static_cast<uint32_t>(2 * n + 1));
        for (auto& v : w) v += 0.25f;
        const auto xs = random_row(n, static_cast<uint32_t>(2 * n + 2));
        const OffsetBuffer q = testing::quantize_row(reference_table(), t, w, offset);
        OffsetBuffer xb(4 * static_cast<size_t>(n), offset);
        std::memcpy(xb.data(), xs.data(), 4 * static_cast<size_t>(n));
        const auto wd = testing::dequantize_row(reference_table(), t, q.data(), n);
        double magnitude = 0;
        for (int64_t i = 0; i < n; ++i) magnitude += std::fabs(static_cast<double>(wd[i]) * xs[i]);
        const float want = reference_table().of(t).vec_dot_f32(n, q.data(), xs.data());
        const float got = table().of(t).vec_dot_f32(n, q.data(), reinterpret_cast<const float*>(xb.data()));
        EXPECT_NEAR(got, want, 2e-6 * magnitude + 1e-6)
            << tensor::dtype_name(t) << " n=" << n << " off=" << offset;
      }
    }
  }
}

// The int16 activation form: within half a step of x (plus the rounding of 1 / scale), |q| <= 32767, sums of 16 exact.
TEST_P(KernelTableTest, Int16ActivationsRoundTripWithinHalfAStep) {
  if (table().quantize_i16 == nullptr) GTEST_SKIP() << "no int16 generation path in this table";
  for (int64_t n : {32, 96, 4096}) {
    auto x = random_row(n, static_cast<uint32_t>(n));
    x[5] = 0.0f;
    if (n > 64) std::fill(x.begin() + 32, x.begin() + 64, 0.0f);  // an all-zero block
    std::vector<int16_t> q(static_cast<size_t>(n));
    std::vector<float> scale(static_cast<size_t>(n / 32));
    std::vector<int32_t> sum16(static_cast<size_t>(n / 16));
    table().quantize_i16(x.data(), n, q.data(), scale.data(), sum16.data());
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(scale[i / 32] * q[i], x[i], 0.51f * scale[i / 32] + 1e-30f) << "n=" << n << " i=" << i;
    }
    for (int64_t j = 0; j < n / 16; ++j) {
      int32_t s = 0;
      for (int k = 0; k < 16; ++k) s += q[16 * j + k];
      ASSERT_EQ(sum16[j], s) << j;
    }
  }
}

// vec_dot_i16 equals the double dot of the decoded weights with the decoded int16 activations, up to
// float rounding of the per-group scales.
TEST_P(KernelTableTest, Int16DotMatchesDotOfDecodedRows) {
  if (table().quantize_i16 == nullptr) GTEST_SKIP() << "no int16 generation path in this table";
  for (DType t : kWeightTypes) {
    if (table().of(t).vec_dot_i16 == nullptr) continue;
    for (int64_t n : lengths_for(t)) {
      if (n % 32 != 0) continue;
      for (int offset : {0, 1}) {
        auto w = random_row(n, static_cast<uint32_t>(3 * n + 1));
        for (auto& v : w) v += 0.25f;
        auto xs = random_row(n, static_cast<uint32_t>(3 * n + 2));
        for (auto& v : xs) v += 0.5f;  // a nonzero mean exercises the min terms
        const OffsetBuffer q = testing::quantize_row(reference_table(), t, w, offset);
        const auto wd = testing::dequantize_row(reference_table(), t, q.data(), n);
        std::vector<int16_t> xq(static_cast<size_t>(n));
        std::vector<float> scale(static_cast<size_t>(n / 32));
        std::vector<int32_t> sum16(static_cast<size_t>(n / 16));
        table().quantize_i16(xs.data(), n, xq.data(), scale.data(), sum16.data());
        double want = 0, magnitude = 0;
        for (int64_t i = 0; i < n; ++i) {
          const double xi = static_cast<double>(scale[i / 32]) * xq[i];
          want += wd[i] * xi;
          magnitude += std::fabs(wd[i] * xi);
        }
        const ActivationI16 act{xq.data(), scale.data(), sum16.data()};
        const float got = table().of(t).vec_dot_i16(n, q.data(), act);
        EXPECT_NEAR(got, want, 2e-6 * magnitude + 1e-6) << tensor::dtype_name(t) << " n=" << n << " off=" << offset;
      }
    }
  }
}

// decode_row_i16 (the int16 prompt path's first step): scale * q - min gives exactly the reference
// dequantized weights (F16/BF16: within half a step of them), a sub-block's dot with int16 activations fits
// int32, and a fast table writes the same integers and factors as the reference decoder. Odd block counts,
// unaligned rows.
TEST_P(KernelTableTest, Int16RowDecodeGivesTheDequantizedWeights) {
  for (DType t : kWeightTypes) {
    const TypeKernels& k = table().of(t);
    if (k.decode_row_i16 == nullptr) continue;
    ASSERT_TRUE(k.i16_block == 16 || k.i16_block == 32) << tensor::dtype_name(t);
    const TypeKernels& ref = reference_table().of(t);
    ASSERT_NE(ref.decode_row_i16, nullptr) << tensor::dtype_name(t) << ": no reference decoder";
    ASSERT_EQ(ref.i16_block, k.i16_block);
    ASSERT_EQ(ref.i16_has_min, k.i16_has_min);
    // F16 / BF16 are requantized (13-bit integers per 16), the quantized types decoded exactly.
    const bool lossy = tensor::dtype_info(t).block_elems == 1;
    for (int64_t n : lengths_for(t)) {
      if (n % 32 != 0) continue;  // the prompt path takes rows of whole 32-blocks only
      for (int offset : {0, 3}) {
        auto w = random_row(n, static_cast<uint32_t>(7 * n + 5));
        if (lossy && n >= 64) {  // a zero block and a block spanning many magnitudes
          std::fill(w.begin(), w.begin() + 16, 0.0f);
          for (int i = 16; i < 32; ++i) w[i] = std::ldexp(w[i], -(i - 16));
        }
        for (auto& v : w) v += 0.3f;  // asymmetric rows: nonzero mins
        const OffsetBuffer q = testing::quantize_row(reference_table(), t, w, offset);
        const auto want = testing::dequantize_row(reference_table(), t, q.data(), n);
        const int64_t nb = n / k.i16_block;
        std::vector<int16_t> qi(static_cast<size_t>(n)), qr(static_cast<size_t>(n));
        std::vector<float> scale(static_cast<size_t>(nb)), min(static_cast<size_t>(nb)), scale_r(scale), min_r(min);
        k.decode_row_i16(q.data(), n, qi.data(), scale.data(), k.i16_has_min ? min.data() : nullptr);
        ref.decode_row_i16(q.data(), n, qr.data(), scale_r.data(), k.i16_has_min ? min_r.data() : nullptr);
        for (int64_t i = 0; i < n; ++i) {
          const int64_t b = i / k.i16_block;
          // The sub-block's dot with int16 activations must fit int32.
          ASSERT_LE(int64_t{std::abs(static_cast<int>(qi[i]))} * 32767 * k.i16_block, int64_t{INT32_MAX})
              << tensor::dtype_name(t) << " i=" << i;
          ASSERT_EQ(qi[i], qr[i]) << tensor::dtype_name(t) << " n=" << n << " i=" << i;
          const float got = scale[b] * static_cast<float>(qi[i]) - min[b];
          if (lossy) {  // half a step, plus float rounding of w / scale at magnitudes up to 4095
            ASSERT_LE(std::fabs(got - want[i]), 0.501f * scale[b]) << tensor::dtype_name(t) << " i=" << i;
          } else {
            ASSERT_EQ(got, want[i]) << tensor::dtype_name(t) << " n=" << n << " i=" << i;
          }
        }
        EXPECT_EQ(scale, scale_r) << tensor::dtype_name(t);
        EXPECT_EQ(min, min_r) << tensor::dtype_name(t);
      }
    }
  }
}

// gemm_i16 against the same sums in double (reference::gemm_i16), on row counts around the 16-row group and
// the 2-group tile,
// token counts 1..19 (every tail tile), sub-blocks of 16 and 32, with and without mins; writes only its rows.
TEST_P(KernelTableTest, Int16GemmMatchesReference) {
  if (table().gemm_i16 == nullptr) GTEST_SKIP() << "no int16 prompt path in this table";
  uint32_t seed = 1;
  for (int block : {16, 32}) {
    for (bool has_min : {false, true}) {
      for (int64_t rows : {1, 15, 16, 17, 32, 40, 64}) {
        for (int64_t k_len : {32, 96, 544}) {
          for (int64_t n_tokens : {1, 2, 3, 5, 8, 11, 19}) {
            const int64_t nb = k_len / block, ldy = rows + 3;
            std::vector<int16_t> wq(static_cast<size_t>(rows * k_len)), xq(static_cast<size_t>(n_tokens * k_len));
            const auto ws = random_row(rows * nb, ++seed), wm = random_row(rows * nb, ++seed);
            const auto xs = random_row(n_tokens * (k_len / 32), ++seed);
            const auto wf = random_row(rows * k_len, ++seed), xf = random_row(n_tokens * k_len, ++seed);
            for (size_t i = 0; i < wq.size(); ++i) wq[i] = static_cast<int16_t>(std::lround(wf[i] * 40.0f));
            for (size_t i = 0; i < xq.size(); ++i) xq[i] = static_cast<int16_t>(std::lround(xf[i] * 16000.0f));
            std::vector<int32_t> xsum16(static_cast<size_t>(n_tokens * (k_len / 16)));
            for (size_t j = 0; j < xsum16.size(); ++j) {
              for (int i = 0; i < 16; ++i) xsum16[j] += xq[16 * j + i];
            }
            const float* mins = has_min ? wm.data() : nullptr;
            std::vector<float> got(static_cast<size_t>(n_tokens * ldy), -7.0f), want(got);
            table().gemm_i16(rows, k_len, block, wq.data(), ws.data(), mins, n_tokens, xq.data(), xs.data(),
                             xsum16.data(), got.data(), ldy);
            reference::gemm_i16(rows, k_len, block, wq.data(), ws.data(), mins, n_tokens, xq.data(), xs.data(),
                                xsum16.data(), want.data(), ldy);
            for (int64_t t = 0; t < n_tokens; ++t) {
              for (int64_t r = 0; r < ldy; ++r) {
                const float g = got[t * ldy + r], w = want[t * ldy + r];
                ASSERT_NEAR(g, w, 2e-5 * (std::fabs(w) + 40.0 * 16000.0 * k_len / 64))
                    << "block=" << block << " min=" << has_min << " rows=" << rows << " k=" << k_len
                    << " tokens=" << n_tokens << " t=" << t << " r=" << r;
              }
            }
          }
        }
      }
    }
  }
}

// Byte offsets of the f16 scale fields in one block of a quantized type (the rest of a block is quants and
// integer scales, where every bit pattern is valid).
std::vector<int> f16_fields(DType dtype) {
  switch (dtype) {
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ4_K:
    case DType::kQ5_K:
      return {0, 2};
    case DType::kQ2_K:
      return {80, 82};
    case DType::kQ3_K:
      return {108};
    case DType::kQ6_K:
      return {208};
    default:
      return {0};
  }
}

// vec_dot_i16 on random bytes (every quant and integer-scale bit pattern: Q8_0's -128, Q6_K's scale -128, all
// high bits set) against full-scale activations (blocks of +32767, of -32767, and random): no int16 / int32
// overflow or sign slip anywhere, compared with the double dot of the reference decode.
TEST_P(KernelTableTest, Int16DotHandlesEveryQuantBitPatternAndFullScaleActivations) {
  if (table().quantize_i16 == nullptr) GTEST_SKIP() << "no int16 generation path in this table";
  std::mt19937 rng(12345);
  for (DType t : kWeightTypes) {
    if (table().of(t).vec_dot_i16 == nullptr) continue;
    const int64_t block = tensor::dtype_info(t).block_elems;
    const size_t block_bytes = tensor::row_bytes(t, block);
    for (int64_t n : {block, 3 * block, 13 * block}) {
      if (n % 32 != 0) continue;
      for (int offset : {0, 1}) {
        OffsetBuffer w(tensor::row_bytes(t, n), offset);
        for (size_t i = 0; i < tensor::row_bytes(t, n); ++i) w.data()[i] = static_cast<uint8_t>(rng());
        std::uniform_real_distribution<float> scale_dist(0.001f, 0.1f);
        for (int64_t b = 0; b < n / block; ++b) {
          for (int at : f16_fields(t)) {
            const uint16_t h = fp32_to_fp16(scale_dist(rng));
            std::memcpy(w.data() + b * block_bytes + at, &h, 2);
          }
        }
        const auto wd = testing::dequantize_row(reference_table(), t, w.data(), n);
        std::vector<int16_t> xq(static_cast<size_t>(n));
        std::vector<float> scale(static_cast<size_t>(n / 32), 1e-3f);
        std::vector<int32_t> sum16(static_cast<size_t>(n / 16), 0);
        for (int64_t i = 0; i < n; ++i) {
          const int64_t blk = i / 32;
          xq[i] = blk % 3 == 0 ? 32767 : blk % 3 == 1 ? -32767 : static_cast<int16_t>(rng());
          if (xq[i] == -32768) xq[i] = -32767;
          sum16[i / 16] += xq[i];
        }
        double want = 0, magnitude = 0;
        for (int64_t i = 0; i < n; ++i) {
          const double xi = static_cast<double>(scale[i / 32]) * xq[i];
          want += wd[i] * xi;
          magnitude += std::fabs(wd[i] * xi);
        }
        const ActivationI16 act{xq.data(), scale.data(), sum16.data()};
        const float got = table().of(t).vec_dot_i16(n, w.data(), act);
        EXPECT_NEAR(got, want, 1e-5 * magnitude) << tensor::dtype_name(t) << " n=" << n << " off=" << offset;
      }
    }
  }
}

// decode_row_i16 on random bytes (every quant and integer-scale bit pattern, finite f16 scales): the same
// integers and factors as the reference decoder, and scale * q - min = the reference dequantized weight.
TEST_P(KernelTableTest, Int16RowDecodeHandlesEveryQuantBitPattern) {
  std::mt19937 rng(777);
  for (DType t : kWeightTypes) {
    const TypeKernels& k = table().of(t);
    if (k.decode_row_i16 == nullptr || tensor::dtype_info(t).block_elems == 1) continue;
    const TypeKernels& ref = reference_table().of(t);
    const int64_t block = tensor::dtype_info(t).block_elems;
    const size_t block_bytes = tensor::row_bytes(t, block);
    for (int64_t n : {block, 5 * block}) {
      if (n % 32 != 0) continue;
      for (int offset : {0, 1}) {
        OffsetBuffer w(tensor::row_bytes(t, n), offset);
        for (size_t i = 0; i < tensor::row_bytes(t, n); ++i) w.data()[i] = static_cast<uint8_t>(rng());
        std::uniform_real_distribution<float> scale_dist(-0.1f, 0.1f);
        for (int64_t b = 0; b < n / block; ++b) {
          for (int at : f16_fields(t)) {
            const uint16_t h = fp32_to_fp16(scale_dist(rng));
            std::memcpy(w.data() + b * block_bytes + at, &h, 2);
          }
        }
        const auto want = testing::dequantize_row(reference_table(), t, w.data(), n);
        const int64_t nb = n / k.i16_block;
        std::vector<int16_t> qi(static_cast<size_t>(n)), qr(qi);
        std::vector<float> scale(static_cast<size_t>(nb)), min(static_cast<size_t>(nb)), scale_r(scale), min_r(min);
        k.decode_row_i16(w.data(), n, qi.data(), scale.data(), k.i16_has_min ? min.data() : nullptr);
        ref.decode_row_i16(w.data(), n, qr.data(), scale_r.data(), k.i16_has_min ? min_r.data() : nullptr);
        ASSERT_EQ(qi, qr) << tensor::dtype_name(t) << " n=" << n;
        ASSERT_EQ(scale, scale_r) << tensor::dtype_name(t);
        ASSERT_EQ(min, min_r) << tensor::dtype_name(t);
        for (int64_t i = 0; i < n; ++i) {
          const int64_t b = i / k.i16_block;
          ASSERT_EQ(scale[b] * static_cast<float>(qi[i]) - min[b], want[i]) << tensor::dtype_name(t) << " i=" << i;
        }
      }
    }
  }
}

// gemm_i16 at full scale: every weight at the largest magnitude a decoder writes (128 for 32-blocks; 4095 for
// 16-blocks, where F16/BF16's 13-bit integers against activations of +-32767 sum to just under 2^31 per
// sub-block) must give the double result, not a wrapped one (a weight of 4200 makes this test fail).
TEST_P(KernelTableTest, Int16GemmDoesNotOverflowAtFullScale) {
  if (table().gemm_i16 == nullptr) GTEST_SKIP() << "no int16 prompt path in this table";
  for (int block : {16, 32}) {
    const int16_t wmax = block == 16 ? 4095 : 128;
    const int64_t rows = 17, k_len = 96, n_tokens = 7;
    const int64_t nb = k_len / block;
    std::vector<int16_t> wq(static_cast<size_t>(rows * k_len)), xq(static_cast<size_t>(n_tokens * k_len));
    for (size_t i = 0; i < wq.size(); ++i) wq[i] = (i / 5) % 2 ? wmax : static_cast<int16_t>(-wmax);
    for (size_t i = 0; i < xq.size(); ++i) {
      const int64_t t = static_cast<int64_t>(i) / k_len;  // token 0: all same sign as the weights, and so on
      xq[i] = t % 2 == 0 ? ((i % static_cast<size_t>(k_len)) / 5 % 2 ? 32767 : -32767) : ((i / 3) % 2 ? 32767 : -32767);
    }
    std::vector<int32_t> xsum16(static_cast<size_t>(n_tokens * (k_len / 16)));
    for (size_t j = 0; j < xsum16.size(); ++j) {
      for (int i = 0; i < 16; ++i) xsum16[j] += xq[16 * j + i];
    }
    const std::vector<float> ws(static_cast<size_t>(rows * nb), 1e-4f), wm(static_cast<size_t>(rows * nb), 1e-3f);
    const std::vector<float> xs(static_cast<size_t>(n_tokens * (k_len / 32)), 1e-4f);
    std::vector<float> got(static_cast<size_t>(n_tokens * rows)), want(got);
    table().gemm_i16(rows, k_len, block, wq.data(), ws.data(), wm.data(), n_tokens, xq.data(), xs.data(),
                     xsum16.data(), got.data(), rows);
    reference::gemm_i16(rows, k_len, block, wq.data(), ws.data(), wm.data(), n_tokens, xq.data(), xs.data(),
                        xsum16.data(), want.data(), rows);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-3) << "block=" << block << " i=" << i;
    }
    EXPECT_GT(std::fabs(want[0]), 0.5 * 1e-8 * wmax * 32767.0 * k_len) << "token 0 should reach full scale";
  }
}

TEST_P(KernelTableTest, F16AndBf16DecodeSpecialValuesLikeReference) {
  const std::vector<uint16_t> f16 = {0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xbc00,
                                     0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x3555, 0x1234, 0x8001,
                                     0x4248, 0xc248, 0x5555};
  for (DType t : {DType::kF16, DType::kBF16}) {
    std::vector<float> want(f16.size()), got(f16.size());
    reference_table().of(t).dequantize_row(f16.data(), want.data(), std::ssize(f16));
    table().of(t).dequantize_row(f16.data(), got.data(), std::ssize(f16));
    for (size_t i = 0; i < f16.size(); ++i) EXPECT_EQ(got[i], want[i]) << tensor::dtype_name(t) << " " << i;
  }
}

// gemm_f32 against the double-precision product, for every token count 1..17 and odd row / k counts, on
// strided, unaligned rows.
TEST_P(KernelTableTest, GemmTileMatchesReferenceForTokenCountsOneToSeventeen) {
  for (int64_t rows : {1, 3, 4, 5, 9}) {
    for (int64_t k_len : {8, 13, 64, 257}) {
      for (int64_t n_tokens = 1; n_tokens <= 17; ++n_tokens) {
        const int64_t ldw = k_len + 3, ldx = k_len + 5, ldy = rows + 2;
        const auto wv = random_row(rows * ldw + 1, 100 + static_cast<uint32_t>(rows));
        const auto xv = random_row(n_tokens * ldx + 1, 200 + static_cast<uint32_t>(n_tokens));
        const float* w = wv.data() + 1;  // 4-byte aligned, never 32-byte aligned
        const float* x = xv.data() + 1;
        std::vector<float> y(static_cast<size_t>(n_tokens * ldy), -7.0f);
        table().gemm_f32(rows, n_tokens, k_len, w, ldw, x, ldx, y.data(), ldy);
        for (int64_t t = 0; t < n_tokens; ++t) {
          for (int64_t r = 0; r < ldy; ++r) {
            if (r >= rows) {
              ASSERT_EQ(y[t * ldy + r], -7.0f) << "wrote outside the tile";
              continue;
            }
            double want = 0, magnitude = 0;
            for (int64_t k = 0; k < k_len; ++k) {
              want += static_cast<double>(w[r * ldw + k]) * x[t * ldx + k];
              magnitude += std::fabs(static_cast<double>(w[r * ldw + k]) * x[t * ldx + k]);
            }
            ASSERT_NEAR(y[t * ldy + r], want, 1e-6 * magnitude)
                << "rows=" << rows << " k=" << k_len << " tokens=" << n_tokens << " t=" << t << " r=" << r;
          }
        }
      }
    }
  }
}

// gemm_f32_kmajor (w k-major: each k a row over the outputs) against the double-precision product, for every
// token count 1..17, output counts around the vector widths (1 .. 100), k from 1 to 256, both modes
// (accumulate adds to y's old values), on strided rows at odd addresses; outputs past `cols` in each y row
// and the floats around y are never written.
TEST_P(KernelTableTest, KMajorGemmMatchesReferenceForTokenCountsOneToSeventeen) {
  for (int64_t cols : {1, 7, 15, 16, 17, 33, 64, 65, 100}) {
    for (int64_t k_len : {1, 3, 64, 127, 256}) {
      for (int64_t n_tokens = 1; n_tokens <= 17; ++n_tokens) {
        for (bool accumulate : {false, true}) {
          const int64_t ldw = cols + 3, ldx = k_len + 5, ldy = cols + 2;
          const auto wv = random_row(k_len * ldw + 1, 300 + static_cast<uint32_t>(cols));
          const auto xv = random_row(n_tokens * ldx + 1, 400 + static_cast<uint32_t>(n_tokens + k_len));
          const auto y0 = random_row(n_tokens * ldy + 2, 500 + static_cast<uint32_t>(n_tokens));
          const float* w = wv.data() + 1;  // 4-byte aligned, never 32-byte aligned
          const float* x = xv.data() + 1;
          std::vector<float> yv = y0;
          table().gemm_f32_kmajor(cols, n_tokens, k_len, w, ldw, x, ldx, yv.data() + 1, ldy, accumulate);
          ASSERT_EQ(yv.front(), y0.front()) << "wrote before y";
          ASSERT_EQ(yv.back(), y0.back()) << "wrote after y";
          for (int64_t t = 0; t < n_tokens; ++t) {
            for (int64_t r = 0; r < ldy; ++r) {
              const float got = yv[static_cast<size_t>(1 + t * ldy + r)];
              const float old = y0[static_cast<size_t>(1 + t * ldy + r)];
              if (r >= cols) {
                ASSERT_EQ(got, old) << "wrote outside the tile: cols=" << cols << " t=" << t << " r=" << r;
                continue;
              }
              double want = accumulate ? static_cast<double>(old) : 0.0;
              double magnitude = std::fabs(want);
              for (int64_t k = 0; k < k_len; ++k) {
                want += static_cast<double>(x[t * ldx + k]) * w[k * ldw + r];
                magnitude += std::fabs(static_cast<double>(x[t * ldx + k]) * w[k * ldw + r]);
              }
              ASSERT_NEAR(got, want, 2e-6 * magnitude) << "cols=" << cols << " k=" << k_len << " tokens=" << n_tokens
                                                       << " accumulate=" << accumulate << " t=" << t << " r=" << r;
            }
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SupportedTables, KernelTableTest, ::testing::ValuesIn(table_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(DispatchTest, ActiveTableIsOneOfTheSupportedTables) {
  const auto tables = supported_tables();
  EXPECT_NE(std::find(tables.begin(), tables.end(), &active_table()), tables.end());
  EXPECT_EQ(tables.back(), &reference_table());
}

TEST(DispatchTest, Avx2TableExistsExactlyWhenTheCpuHasAvx2FmaF16c) {
  EXPECT_EQ(avx2_table() != nullptr, cpu_features().has_avx2_table_features());
  if (avx2_table() != nullptr) {
    EXPECT_STREQ(avx2_table()->name, "avx2");
  }
}

TEST(DispatchTest, Avx512TableExistsExactlyWhenTheCpuHasItsFeatures) {
  EXPECT_EQ(avx512_table() != nullptr, cpu_features().has_avx512_table_features());
  if (avx512_table() != nullptr) {
    EXPECT_STREQ(avx512_table()->name, "avx512");
    EXPECT_EQ(supported_tables().front(), avx512_table());
  }
}

}  // namespace
}  // namespace glassbox::kernels
