// Reference kernels of the K formats (256-element super-blocks): Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
//
// Layouts and element order: tensor/quant_blocks.h; each accessor below implements one comment there.
// Dot products take the activation in Q8_K and stay in integers per super-block: sub-block scale times
// the integer dot of its quants, and for the formats with mins (Q2_K, Q4_K, Q5_K) the mins dotted with
// Q8_K's 16-element bsums; one float multiply per super-block, accumulated in double.
#include <algorithm>
#include <cmath>

#include "base/check.h"
#include "base/fp16.h"
#include "kernels/reference/k_quant_fit.h"
#include "kernels/reference/reference_kernels.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::reference {
namespace {

using namespace tensor;  // NOLINT: block structs and DType

inline int64_t superblocks_of(int64_t n) {
  GB_CHECK(n % kQKK == 0);
  return n / kQKK;
}

// ---- Bit access, one function per sentence of quant_blocks.h ----

// 2-bit field of element i in the Q2_K / Q3_K `qs` (64 bytes): byte 32 (i / 128) + i % 32, bits 2 g.
inline int get_2bit(const uint8_t* qs, int i) {
  return (qs[32 * (i / 128) + i % 32] >> (2 * ((i % 128) / 32))) & 3;
}
inline void set_2bit(uint8_t* qs, int i, int v) {
  qs[32 * (i / 128) + i % 32] |= static_cast<uint8_t>((v & 3) << (2 * ((i % 128) / 32)));
}

// One bit per element in a 32-byte mask (Q3_K hmask, Q5_K qh): bit i / 32 of byte i % 32.
inline int get_mask_bit(const uint8_t* mask, int i) { return (mask[i % 32] >> (i / 32)) & 1; }
inline void set_mask_bit(uint8_t* mask, int i, int bit) {
  if (bit) mask[i % 32] = static_cast<uint8_t>(mask[i % 32] | (1 << (i / 32)));
}

// 4-bit field of element i in the Q4_K / Q5_K `qs` (128 bytes): chunk c = i / 64 of 32 bytes, low nibble
// for the first 32 elements of the chunk, high nibble for the next 32.
inline int get_4bit_k(const uint8_t* qs, int i) {
  const int byte = 32 * (i / 64) + i % 32;
  return (i % 64) < 32 ? qs[byte] & 0xF : qs[byte] >> 4;
}
inline void set_4bit_k(uint8_t* qs, int i, int v) {
  const int byte = 32 * (i / 64) + i % 32;
  qs[byte] |= static_cast<uint8_t>((i % 64) < 32 ? (v & 0xF) : (v & 0xF) << 4);
}

// Q3_K's sixteen 6-bit scales (stored value, 0..63; the scale is value - 32).
inline int get_q3k_scale(const uint8_t* sc, int s) {
  const int low4 = s < 8 ? sc[s] & 0xF : sc[s - 8] >> 4;
  const int high2 = (sc[8 + s % 4] >> (2 * (s / 4))) & 3;
  return low4 | (high2 << 4);
}
inline void set_q3k_scale(uint8_t* sc, int s, int v) {
  if (s < 8) {
    sc[s] |= static_cast<uint8_t>(v & 0xF);
  } else {
    sc[s - 8] |= static_cast<uint8_t>((v & 0xF) << 4);
  }
  sc[8 + s % 4] |= static_cast<uint8_t>(((v >> 4) & 3) << (2 * (s / 4)));
}

// Q4_K / Q5_K: eight 6-bit scales and eight 6-bit mins in 12 bytes (see kKScaleBytes in quant_blocks.h).
inline void get_scale_min_k(const uint8_t* q, int j, int* scale, int* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}
inline void set_scale_min_k(uint8_t* q, int j, int scale, int min) {
  if (j < 4) {
    q[j] |= static_cast<uint8_t>(scale & 63);
    q[j + 4] |= static_cast<uint8_t>(min & 63);
  } else {
    q[j + 4] |= static_cast<uint8_t>((scale & 0xF) | ((min & 0xF) << 4));
    q[j - 4] |= static_cast<uint8_t>((scale >> 4) << 6);
    q[j] |= static_cast<uint8_t>((min >> 4) << 6);
  }
}

// Q6_K: low 4 bits in ql (128 bytes), high 2 bits in qh (64 bytes); stored value 0..63.
inline int get_q6k(const uint8_t* ql, const uint8_t* qh, int i) {
  const int h = i / 128, g = (i % 128) / 32, l = i % 32;
  const uint8_t low_byte = ql[64 * h + l + 32 * (g & 1)];
  const int low4 = g < 2 ? low_byte & 0xF : low_byte >> 4;
  const int high2 = (qh[32 * h + l] >> (2 * g)) & 3;
  return low4 | (high2 << 4);
}
inline void set_q6k(uint8_t* ql, uint8_t* qh, int i, int v) {
  const int h = i / 128, g = (i % 128) / 32, l = i % 32;
  uint8_t& low_byte = ql[64 * h + l + 32 * (g & 1)];
  low_byte |= static_cast<uint8_t>(g < 2 ? (v & 0xF) : (v & 0xF) << 4);
  qh[32 * h + l] |= static_cast<uint8_t>(((v >> 4) & 3) << (2 * g));
}

// ---- Q2_K ----

void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<BlockQ2_K>(src, b);
    const float d = fp16_to_fp32(blk.d), dmin = fp16_to_fp32(blk.dmin);
    for (int i = 0; i < kQKK; ++i) {
      const uint8_t sc = blk.scales[i / 16];
      dst[b * kQKK + i] = d * static_cast<float>(sc & 0xF) * static_cast<float>(get_2bit(blk.qs, i)) -
                          dmin * static_cast<float>(sc >> 4);
    }
  }
}

void quantize_row_q2_k(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const float* x = src + b * kQKK;
    BlockQ2_K blk{};
    AffineFit fit[16];
    for (int s = 0; s < 16; ++s) fit[s] = fit_affine(x + 16 * s, 16, 3);
    const AffineScales qs = quantize_affine_scales(fit, 16, 15);
    blk.d = fp32_to_fp16(qs.d);
    blk.dmin = fp32_to_fp16(qs.dmin);
    for (int s = 0; s < 16; ++s) {
      blk.scales[s] = static_cast<uint8_t>(qs.scale[s] | (qs.min[s] << 4));
      const float step = qs.d * static_cast<float>(qs.scale[s]);
      const float offset = qs.dmin * static_cast<float>(qs.min[s]);
      for (int k = 0; k < 16; ++k)
        set_2bit(blk.qs, 16 * s + k, quantize_affine_value(x[16 * s + k], step, offset, 3));
    }
    store_block(dst, b, blk);
  }
}

float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto wb = load_block<BlockQ2_K>(w, b);
    const auto xb = load_block<BlockQ8_K>(x, b);
    int32_t isum = 0, msum = 0;
    for (int s = 0; s < 16; ++s) {
      int32_t dot = 0;
      for (int i = 16 * s; i < 16 * s + 16; ++i) dot += get_2bit(wb.qs, i) * xb.qs[i];
      isum += (wb.scales[s] & 0xF) * dot;
      msum += (wb.scales[s] >> 4) * xb.bsums[s];
    }
    sum += static_cast<double>(xb.d * fp16_to_fp32(wb.d)) * isum -
           static_cast<double>(xb.d * fp16_to_fp32(wb.dmin)) * msum;
  }
  return static_cast<float>(sum);
}

// ---- Q3_K ----

inline int q3k_value(const BlockQ3_K& blk, int i) {
  return get_2bit(blk.qs, i) - (get_mask_bit(blk.hmask, i) ? 0 : 4);
}

void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<BlockQ3_K>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int i = 0; i < kQKK; ++i) {
      const int scale = get_q3k_scale(blk.scales, i / 16) - 32;
      dst[b * kQKK + i] = d * static_cast<float>(scale) * static_cast<float>(q3k_value(blk, i));
    }
  }
}

void quantize_row_q3_k(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const float* x = src + b * kQKK;
    BlockQ3_K blk{};
    float scale[16];
    for (int s = 0; s < 16; ++s) scale[s] = fit_symmetric(x + 16 * s, 16, -4, 3);
    int qscale[16];
    const float d = quantize_symmetric_scales(scale, 16, -32, 31, qscale);
    blk.d = fp32_to_fp16(d);
    for (int s = 0; s < 16; ++s) {
      set_q3k_scale(blk.scales, s, qscale[s] + 32);
      const float step = d * static_cast<float>(qscale[s]);
      for (int k = 0; k < 16; ++k) {
        const int i = 16 * s + k;
        const int q = quantize_symmetric_value(x[i], step, -4, 3) + 4;  // stored 0..7
        set_2bit(blk.qs, i, q & 3);
        set_mask_bit(blk.hmask, i, q >> 2);
      }
    }
    store_block(dst, b, blk);
  }
}

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto wb = load_block<BlockQ3_K>(w, b);
    const auto xb = load_block<BlockQ8_K>(x, b);
    int32_t isum = 0;
    for (int s = 0; s < 16; ++s) {
      int32_t dot = 0;
      for (int i = 16 * s; i < 16 * s + 16; ++i) dot += q3k_value(wb, i) * xb.qs[i];
      isum += (get_q3k_scale(wb.scales, s) - 32) * dot;
    }
    sum += static_cast<double>(xb.d * fp16_to_fp32(wb.d)) * isum;
  }
  return static_cast<float>(sum);
}

// ---- Q4_K and Q5_K (same scales; Q5_K adds a high bit) ----

template <typename Block, int kBits>
inline int q45k_value(const Block& blk, int i) {
  if constexpr (kBits == 4) {
    return get_4bit_k(blk.qs, i);
  } else {
    return get_4bit_k(blk.qs, i) | (get_mask_bit(blk.qh, i) << 4);
  }
}

template <typename Block, int kBits>
void dequantize_row_q45k(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<Block>(src, b);
    const float d = fp16_to_fp32(blk.d), dmin = fp16_to_fp32(blk.dmin);
    for (int s = 0; s < 8; ++s) {
      int scale, min;
      get_scale_min_k(blk.scales, s, &scale, &min);
      const float step = d * static_cast<float>(scale), offset = dmin * static_cast<float>(min);
      for (int i = 32 * s; i < 32 * s + 32; ++i) {
        dst[b * kQKK + i] = step * static_cast<float>(q45k_value<Block, kBits>(blk, i)) - offset;
      }
    }
  }
}

template <typename Block, int kBits>
void quantize_row_q45k(const float* src, void* dst, int64_t n) {
  constexpr int kMaxQ = (1 << kBits) - 1;
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const float* x = src + b * kQKK;
    Block blk{};
    AffineFit fit[8];
    for (int s = 0; s < 8; ++s) fit[s] = fit_affine(x + 32 * s, 32, kMaxQ);
    const AffineScales qs = quantize_affine_scales(fit, 8, 63);
    blk.d = fp32_to_fp16(qs.d);
    blk.dmin = fp32_to_fp16(qs.dmin);
    for (int s = 0; s < 8; ++s) {
      set_scale_min_k(blk.scales, s, qs.scale[s], qs.min[s]);
      const float step = qs.d * static_cast<float>(qs.scale[s]);
      const float offset = qs.dmin * static_cast<float>(qs.min[s]);
      for (int i = 32 * s; i < 32 * s + 32; ++i) {
        const int q = quantize_affine_value(x[i], step, offset, kMaxQ);
        set_4bit_k(blk.qs, i, q);
        if constexpr (kBits == 5) set_mask_bit(blk.qh, i, q >> 4);
      }
    }
    store_block(dst, b, blk);
  }
}

template <typename Block, int kBits>
float vec_dot_q45k_q8_k(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto wb = load_block<Block>(w, b);
    const auto xb = load_block<BlockQ8_K>(x, b);
    int32_t isum = 0, msum = 0;
    for (int s = 0; s < 8; ++s) {
      int scale, min;
      get_scale_min_k(wb.scales, s, &scale, &min);
      int32_t dot = 0;
      for (int i = 32 * s; i < 32 * s + 32; ++i) dot += q45k_value<Block, kBits>(wb, i) * xb.qs[i];
      isum += scale * dot;
      msum += min * (xb.bsums[2 * s] + xb.bsums[2 * s + 1]);
    }
    sum += static_cast<double>(xb.d * fp16_to_fp32(wb.d)) * isum -
           static_cast<double>(xb.d * fp16_to_fp32(wb.dmin)) * msum;
  }
  return static_cast<float>(sum);
}

// ---- Q6_K ----

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<BlockQ6_K>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int i = 0; i < kQKK; ++i) {
      dst[b * kQKK + i] =
          d * static_cast<float>(blk.scales[i / 16]) * static_cast<float>(get_q6k(blk.ql, blk.qh, i) - 32);
    }
  }
}

void quantize_row_q6_k(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const float* x = src + b * kQKK;
    BlockQ6_K blk{};
    float scale[16];
    for (int s = 0; s < 16; ++s) scale[s] = fit_symmetric(x + 16 * s, 16, -32, 31);
    int qscale[16];
    const float d = quantize_symmetric_scales(scale, 16, -128, 127, qscale);
    blk.d = fp32_to_fp16(d);
    for (int s = 0; s < 16; ++s) {
      blk.scales[s] = static_cast<int8_t>(qscale[s]);
      const float step = d * static_cast<float>(qscale[s]);
      for (int i = 16 * s; i < 16 * s + 16; ++i) {
        set_q6k(blk.ql, blk.qh, i, quantize_symmetric_value(x[i], step, -32, 31) + 32);
      }
    }
    store_block(dst, b, blk);
  }
}

float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto wb = load_block<BlockQ6_K>(w, b);
    const auto xb = load_block<BlockQ8_K>(x, b);
    int32_t isum = 0;
    for (int s = 0; s < 16; ++s) {
      int32_t dot = 0;
      for (int i = 16 * s; i < 16 * s + 16; ++i) dot += (get_q6k(wb.ql, wb.qh, i) - 32) * xb.qs[i];
      isum += wb.scales[s] * dot;
    }
    sum += static_cast<double>(xb.d * fp16_to_fp32(wb.d)) * isum;
  }
  return static_cast<float>(sum);
}

// ---- Q8_K (activation format of every K type) ----

void dequantize_row_q8_k(const void* src, float* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<BlockQ8_K>(src, b);
    for (int i = 0; i < kQKK; ++i) dst[b * kQKK + i] = blk.d * static_cast<float>(blk.qs[i]);
  }
}

// As llama.cpp: the value of largest magnitude, max, maps to -127 (iscale = -127 / max); quants are
// rounded to nearest-even and capped at 127; d = 1 / iscale; bsums are sums of 16-quant groups.
void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const float* x = src + b * kQKK;
    BlockQ8_K blk{};
    float amax = 0, max = 0;
    for (int i = 0; i < kQKK; ++i) {
      if (std::fabs(x[i]) > amax) {
        amax = std::fabs(x[i]);
        max = x[i];
      }
    }
    if (amax != 0) {
      const float iscale = -127.0f / max;
      for (int i = 0; i < kQKK; ++i)
        blk.qs[i] = static_cast<int8_t>(std::clamp(nearest_int(iscale * x[i]), -127, 127));
      for (int g = 0; g < 16; ++g) {
        int sum = 0;
        for (int i = 16 * g; i < 16 * g + 16; ++i) sum += blk.qs[i];
        blk.bsums[g] = static_cast<int16_t>(sum);
      }
      blk.d = 1.0f / iscale;
    }
    store_block(dst, b, blk);
  }
}

float vec_dot_q8_k_q8_k(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto wb = load_block<BlockQ8_K>(w, b);
    const auto xb = load_block<BlockQ8_K>(x, b);
    int32_t isum = 0;
    for (int i = 0; i < kQKK; ++i) isum += wb.qs[i] * xb.qs[i];
    sum += static_cast<double>(wb.d * xb.d) * isum;
  }
  return static_cast<float>(sum);
}

// ---- Rows as int16 + per-sub-block scale (decode_row_i16) ----

// Q4_K / Q5_K: sub-blocks of 32, scale d * sc, min dmin * m (exactly the factors dequantize uses).
template <typename Block, int kBits>
void decode_row_i16_q45k(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<Block>(src, b);
    const float d = fp16_to_fp32(blk.d), dmin = fp16_to_fp32(blk.dmin);
    for (int s = 0; s < 8; ++s) {
      int sc, m;
      get_scale_min_k(blk.scales, s, &sc, &m);
      scale[8 * b + s] = d * static_cast<float>(sc);
      min[8 * b + s] = dmin * static_cast<float>(m);
      for (int i = 32 * s; i < 32 * s + 32; ++i) {
        q[b * kQKK + i] = static_cast<int16_t>(q45k_value<Block, kBits>(blk, i));
      }
    }
  }
}

// Q6_K: sub-blocks of 16 (its scales' granularity), scale d * sc, q = stored value - 32.
void decode_row_i16_q6_k(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  for (int64_t b = 0; b < superblocks_of(n); ++b) {
    const auto blk = load_block<BlockQ6_K>(src, b);
    const float d = fp16_to_fp32(blk.d);
    for (int s = 0; s < 16; ++s) scale[16 * b + s] = d * static_cast<float>(blk.scales[s]);
    for (int i = 0; i < kQKK; ++i) q[b * kQKK + i] = static_cast<int16_t>(get_q6k(blk.ql, blk.qh, i) - 32);
  }
}

void set(KernelTable& table, DType dtype, TypeKernels kernels) {
  table.types[static_cast<uint32_t>(dtype)] = kernels;
}

void set_i16(KernelTable& table, DType dtype, DecodeRowI16Fn decode, int block, bool has_min) {
  TypeKernels& k = table.types[static_cast<uint32_t>(dtype)];
  k.decode_row_i16 = decode;
  k.i16_block = block;
  k.i16_has_min = has_min;
}

}  // namespace

void add_k_quant_kernels(KernelTable& table) {
  set(table, DType::kQ2_K, {dequantize_row_q2_k, quantize_row_q2_k, vec_dot_q2_k_q8_k});
  set(table, DType::kQ3_K, {dequantize_row_q3_k, quantize_row_q3_k, vec_dot_q3_k_q8_k});
  set(table, DType::kQ4_K,
      {dequantize_row_q45k<BlockQ4_K, 4>, quantize_row_q45k<BlockQ4_K, 4>, vec_dot_q45k_q8_k<BlockQ4_K, 4>});
  set(table, DType::kQ5_K,
      {dequantize_row_q45k<BlockQ5_K, 5>, quantize_row_q45k<BlockQ5_K, 5>, vec_dot_q45k_q8_k<BlockQ5_K, 5>});
  set(table, DType::kQ6_K, {dequantize_row_q6_k, quantize_row_q6_k, vec_dot_q6_k_q8_k});
  set(table, DType::kQ8_K, {dequantize_row_q8_k, quantize_row_q8_k, vec_dot_q8_k_q8_k});
  set_i16(table, DType::kQ4_K, decode_row_i16_q45k<BlockQ4_K, 4>, 32, true);
  set_i16(table, DType::kQ5_K, decode_row_i16_q45k<BlockQ5_K, 5>, 32, true);
  set_i16(table, DType::kQ6_K, decode_row_i16_q6_k, 16, false);
}

}  // namespace glassbox::kernels::reference
