// Reference kernels of the legacy 32-element block formats: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1.
//
// Layouts: tensor/quant_blocks.h. Dot products follow the formats' integer design: per block, the sum of
// integer products times d_w * d_x, plus (for the _1 formats) the weight min times the activation's
// precomputed s = d_x * sum(q_x). Blocks are accumulated in double.
#include <algorithm>
#include <cmath>

#include "base/check.h"
#include "base/fp16.h"
#include "kernels/reference/reference_kernels.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::reference {
namespace {

using namespace tensor;  // NOLINT: block structs and DType

// ---- Element access shared by the 4- and 5-bit formats ----

// Low 4 bits of element j (0..31): element j < 16 is the low nibble of qs[j], j >= 16 the high nibble of
// qs[j - 16].
inline int get_nibble(const uint8_t* qs, int j) { return j < 16 ? qs[j] & 0xF : qs[j - 16] >> 4; }
inline void set_nibble(uint8_t* qs, int j, int v) {
  if (j < 16) {
    qs[j] = static_cast<uint8_t>((qs[j] & 0xF0) | (v & 0xF));
  } else {
    qs[j - 16] = static_cast<uint8_t>((qs[j - 16] & 0x0F) | ((v & 0xF) << 4));
  }
}
// Fifth bit of element j: bit j of qh as a little-endian uint32.
inline int get_high_bit(const uint8_t* qh, int j) { return (qh[j / 8] >> (j % 8)) & 1; }
inline void set_high_bit(uint8_t* qh, int j, int bit) {
  if (bit) qh[j / 8] = static_cast<uint8_t>(qh[j / 8] | (1 << (j % 8)));
}

inline int64_t blocks_of(int64_t n) {
  GB_CHECK(n % kQK == 0);
  return n / kQK;
}

// The value with the largest magnitude, sign kept (first one on ties).
float signed_absmax(const float* x, int n) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Symmetric formats: q in [-zero, zero - 1] stored as q + zero. The scale maps the largest-magnitude
// value onto -zero (the end of the range with one more step), then is rounded to f16; quants use the
// rounded scale so decode matches what was chosen.
void quantize_symmetric(const float* x, int zero, uint16_t* d_out, int* q_out) {
  const float d = fp16_to_fp32(fp32_to_fp16(signed_absmax(x, kQK) / static_cast<float>(-zero)));
  *d_out = fp32_to_fp16(d);
  const float id = d != 0 ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q_out[j] = std::clamp(nearest_int(x[j] * id) + zero, 0, 2 * zero - 1);
}

// Affine formats: x = d * q + m with q in [0, levels - 1], m = min(x), d = (max - min) / (levels - 1).
void quantize_affine(const float* x, int levels, uint16_t* d_out, uint16_t* m_out, int* q_out) {
  float min = x[0], max = x[0];
  for (int j = 1; j < kQK; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
  const float d = fp16_to_fp32(fp32_to_fp16((max - min) / static_cast<float>(levels - 1)));
  const float m = fp16_to_fp32(fp32_to_fp16(min));
  *d_out = fp32_to_fp16(d);
  *m_out = fp32_to_fp16(m);
  const float id = d != 0 ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) q_out[j] = std::clamp(nearest_int((x[j] - m) * id), 0, levels - 1);
}

// ---- Q4_0 ----

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<BlockQ4_0>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * static_cast<float>(get_nibble(blk.qs, j) - 8);
  }
}

void quantize_row_q4_0(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    BlockQ4_0 blk{};
    int q[kQK];
    quantize_symmetric(src + b * kQK, 8, &blk.d, q);
    for (int j = 0; j < kQK; ++j) set_nibble(blk.qs, j, q[j]);
    store_block(dst, b, blk);
  }
}

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto wb = load_block<BlockQ4_0>(w, b);
    const auto xb = load_block<BlockQ8_0>(x, b);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += (get_nibble(wb.qs, j) - 8) * xb.qs[j];
    sum += static_cast<double>(fp16_to_fp32(wb.d) * fp16_to_fp32(xb.d)) * isum;
  }
  return static_cast<float>(sum);
}

// ---- Q4_1 ----

void dequantize_row_q4_1(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<BlockQ4_1>(src, b);
    const float d = fp16_to_fp32(blk.d), m = fp16_to_fp32(blk.m);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * static_cast<float>(get_nibble(blk.qs, j)) + m;
  }
}

void quantize_row_q4_1(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    BlockQ4_1 blk{};
    int q[kQK];
    quantize_affine(src + b * kQK, 16, &blk.d, &blk.m, q);
    for (int j = 0; j < kQK; ++j) set_nibble(blk.qs, j, q[j]);
    store_block(dst, b, blk);
  }
}

float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto wb = load_block<BlockQ4_1>(w, b);
    const auto xb = load_block<BlockQ8_1>(x, b);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += get_nibble(wb.qs, j) * xb.qs[j];
    // sum_j (d_w q_j + m_w) d_x q8_j = d_w d_x isum + m_w s_x.
    sum += static_cast<double>(fp16_to_fp32(wb.d) * fp16_to_fp32(xb.d)) * isum +
           static_cast<double>(fp16_to_fp32(wb.m) * fp16_to_fp32(xb.s));
  }
  return static_cast<float>(sum);
}

// ---- Q5_0 ----

inline int q5_value(const uint8_t* qs, const uint8_t* qh, int j) {
  return get_nibble(qs, j) | (get_high_bit(qh, j) << 4);
}

void dequantize_row_q5_0(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<BlockQ5_0>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * static_cast<float>(q5_value(blk.qs, blk.qh, j) - 16);
  }
}

void quantize_row_q5_0(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    BlockQ5_0 blk{};
    int q[kQK];
    quantize_symmetric(src + b * kQK, 16, &blk.d, q);
    for (int j = 0; j < kQK; ++j) {
      set_nibble(blk.qs, j, q[j]);
      set_high_bit(blk.qh, j, q[j] >> 4);
    }
    store_block(dst, b, blk);
  }
}

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto wb = load_block<BlockQ5_0>(w, b);
    const auto xb = load_block<BlockQ8_0>(x, b);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += (q5_value(wb.qs, wb.qh, j) - 16) * xb.qs[j];
    sum += static_cast<double>(fp16_to_fp32(wb.d) * fp16_to_fp32(xb.d)) * isum;
  }
  return static_cast<float>(sum);
}

// ---- Q5_1 ----

void dequantize_row_q5_1(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<BlockQ5_1>(src, b);
    const float d = fp16_to_fp32(blk.d), m = fp16_to_fp32(blk.m);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * static_cast<float>(q5_value(blk.qs, blk.qh, j)) + m;
  }
}

void quantize_row_q5_1(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    BlockQ5_1 blk{};
    int q[kQK];
    quantize_affine(src + b * kQK, 32, &blk.d, &blk.m, q);
    for (int j = 0; j < kQK; ++j) {
      set_nibble(blk.qs, j, q[j]);
      set_high_bit(blk.qh, j, q[j] >> 4);
    }
    store_block(dst, b, blk);
  }
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto wb = load_block<BlockQ5_1>(w, b);
    const auto xb = load_block<BlockQ8_1>(x, b);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += q5_value(wb.qs, wb.qh, j) * xb.qs[j];
    sum += static_cast<double>(fp16_to_fp32(wb.d) * fp16_to_fp32(xb.d)) * isum +
           static_cast<double>(fp16_to_fp32(wb.m) * fp16_to_fp32(xb.s));
  }
  return static_cast<float>(sum);
}

// ---- Q8_0 and Q8_1 (also the activation formats) ----

// d = max|x| / 127 and q = round(x / d), rounding half away from zero. As in llama.cpp, q is computed
// with the f32 scale before d is stored as f16, so activations quantize the same way there and here.
void quantize_block_q8(const float* x, float* d_out, int8_t* q_out) {
  float amax = 0;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0 ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) {
    // The clamp only matters for non-finite input (then d is inf or NaN), where a cast would be undefined.
    const float v = x[j] * id;
    q_out[j] = static_cast<int8_t>(v == v ? std::round(std::clamp(v, -127.0f, 127.0f)) : 0.0f);
  }
  *d_out = d;
}

void dequantize_row_q8_0(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<BlockQ8_0>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * static_cast<float>(blk.qs[j]);
  }
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    BlockQ8_0 blk{};
    float d;
    quantize_block_q8(src + b * kQK, &d, blk.qs);
    blk.d = fp32_to_fp16(d);
    store_block(dst, b, blk);
  }
}

float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto wb = load_block<BlockQ8_0>(w, b);
    const auto xb = load_block<BlockQ8_0>(x, b);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += wb.qs[j] * xb.qs[j];
    sum += static_cast<double>(fp16_to_fp32(wb.d) * fp16_to_fp32(xb.d)) * isum;
  }
  return static_cast<float>(sum);
}

void dequantize_row_q8_1(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<BlockQ8_1>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int j = 0; j < kQK; ++j) dst[b * kQK + j] = d * static_cast<float>(blk.qs[j]);
  }
}

void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    BlockQ8_1 blk{};
    float d;
    quantize_block_q8(src + b * kQK, &d, blk.qs);
    int32_t qsum = 0;
    for (int j = 0; j < kQK; ++j) qsum += blk.qs[j];
    blk.d = fp32_to_fp16(d);
    blk.s = fp32_to_fp16(d * static_cast<float>(qsum));
    store_block(dst, b, blk);
  }
}

// Q8_1 x Q8_1 (not a weight format in practice; here so every type's table entry is complete).
float vec_dot_q8_1_q8_1(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto wb = load_block<BlockQ8_1>(w, b);
    const auto xb = load_block<BlockQ8_1>(x, b);
    int32_t isum = 0;
    for (int j = 0; j < kQK; ++j) isum += wb.qs[j] * xb.qs[j];
    sum += static_cast<double>(fp16_to_fp32(wb.d) * fp16_to_fp32(xb.d)) * isum;
  }
  return static_cast<float>(sum);
}

// ---- Rows as int16 + per-block scale (decode_row_i16): w = d * q - min, q the signed integer value ----

// Per format: the integer of element j (zero point removed for the symmetric formats), and the block's
// scale and min (min = -m, as w = d * q + m).
template <typename Block>
struct I16Row;
template <>
struct I16Row<BlockQ4_0> {
  static int q(const BlockQ4_0& b, int j) { return get_nibble(b.qs, j) - 8; }
  static float min(const BlockQ4_0&) { return 0.0f; }
};
template <>
struct I16Row<BlockQ4_1> {
  static int q(const BlockQ4_1& b, int j) { return get_nibble(b.qs, j); }
  static float min(const BlockQ4_1& b) { return -fp16_to_fp32(b.m); }
};
template <>
struct I16Row<BlockQ5_0> {
  static int q(const BlockQ5_0& b, int j) { return (get_nibble(b.qs, j) | (get_high_bit(b.qh, j) << 4)) - 16; }
  static float min(const BlockQ5_0&) { return 0.0f; }
};
template <>
struct I16Row<BlockQ5_1> {
  static int q(const BlockQ5_1& b, int j) { return get_nibble(b.qs, j) | (get_high_bit(b.qh, j) << 4); }
  static float min(const BlockQ5_1& b) { return -fp16_to_fp32(b.m); }
};
template <>
struct I16Row<BlockQ8_0> {
  static int q(const BlockQ8_0& b, int j) { return b.qs[j]; }
  static float min(const BlockQ8_0&) { return 0.0f; }
};

template <typename Block>
void decode_row_i16(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  for (int64_t b = 0; b < blocks_of(n); ++b) {
    const auto blk = load_block<Block>(src, b);
    for (int j = 0; j < kQK; ++j) q[b * kQK + j] = static_cast<int16_t>(I16Row<Block>::q(blk, j));
    scale[b] = fp16_to_fp32(blk.d);
    if (min != nullptr) min[b] = I16Row<Block>::min(blk);
  }
}

void set(KernelTable& table, DType dtype, TypeKernels kernels) {
  table.types[static_cast<uint32_t>(dtype)] = kernels;
}

void set_i16(KernelTable& table, DType dtype, DecodeRowI16Fn decode, bool has_min) {
  TypeKernels& k = table.types[static_cast<uint32_t>(dtype)];
  k.decode_row_i16 = decode;
  k.i16_block = kQK;
  k.i16_has_min = has_min;
}

}  // namespace

void add_legacy_quant_kernels(KernelTable& table) {
  set(table, DType::kQ4_0, {dequantize_row_q4_0, quantize_row_q4_0, vec_dot_q4_0_q8_0});
  set(table, DType::kQ4_1, {dequantize_row_q4_1, quantize_row_q4_1, vec_dot_q4_1_q8_1});
  set(table, DType::kQ5_0, {dequantize_row_q5_0, quantize_row_q5_0, vec_dot_q5_0_q8_0});
  set(table, DType::kQ5_1, {dequantize_row_q5_1, quantize_row_q5_1, vec_dot_q5_1_q8_1});
  set(table, DType::kQ8_0, {dequantize_row_q8_0, quantize_row_q8_0, vec_dot_q8_0_q8_0});
  set(table, DType::kQ8_1, {dequantize_row_q8_1, quantize_row_q8_1, vec_dot_q8_1_q8_1});
  set_i16(table, DType::kQ4_0, decode_row_i16<BlockQ4_0>, false);
  set_i16(table, DType::kQ4_1, decode_row_i16<BlockQ4_1>, true);
  set_i16(table, DType::kQ5_0, decode_row_i16<BlockQ5_0>, false);
  set_i16(table, DType::kQ5_1, decode_row_i16<BlockQ5_1>, true);
  set_i16(table, DType::kQ8_0, decode_row_i16<BlockQ8_0>, false);
}

}  // namespace glassbox::kernels::reference
