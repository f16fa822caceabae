// AVX2 kernels of the K formats (256-element super-blocks) with float activations: Q2_K, Q3_K, Q4_K, Q5_K,
// Q6_K.
//
// Each super-block is unpacked with whole-vector bit operations into groups of 16 signed bytes in element
// order, each group with one scale a and one offset b (value = a * q - b). A dot product multiplies the
// group's quants into the activations, then applies a once to that partial sum and b once to the group's
// activation sum; dequantize writes a * q - b. Layouts: tensor/quant_blocks.h.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::avx2 {
namespace {

using tensor::kQKK;

inline __m256i load256(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline __m128i lo128(__m256i v) { return _mm256_castsi256_si128(v); }
inline __m128i hi128(__m256i v) { return _mm256_extracti128_si256(v, 1); }
inline __m256i bytes(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }

// 0xFF in each byte of v where bit `mask` is set.
inline __m256i has_bit(__m256i v, int mask) {
  const __m256i m = bytes(mask);
  return _mm256_cmpeq_epi8(_mm256_and_si256(v, m), m);
}

// Sinks receive the groups of one super-block: 16 quants (int8, elements `at`..`at`+15), a and b.
struct DotSink {
  const float* x;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), macc = _mm256_setzero_ps();
  template <bool kHasMin>
  void group(__m128i q, float a, float b, int at) {
    const __m256 x0 = _mm256_loadu_ps(x + at), x1 = _mm256_loadu_ps(x + at + 8);
    const __m256 s = _mm256_fmadd_ps(i8x8_hi_to_ps(q), x1, _mm256_mul_ps(i8x8_to_ps(q), x0));
    if ((at & 16) != 0) {
      acc1 = _mm256_fmadd_ps(_mm256_set1_ps(a), s, acc1);
    } else {
      acc0 = _mm256_fmadd_ps(_mm256_set1_ps(a), s, acc0);
    }
    if constexpr (kHasMin) macc = _mm256_fmadd_ps(_mm256_set1_ps(b), _mm256_add_ps(x0, x1), macc);
  }
  // Two groups sharing a and b (elements at..at+31).
  template <bool kHasMin>
  void group32(__m256i q, float a, float b, int at) {
    const __m256 x0 = _mm256_loadu_ps(x + at), x1 = _mm256_loadu_ps(x + at + 8);
    const __m256 x2 = _mm256_loadu_ps(x + at + 16), x3 = _mm256_loadu_ps(x + at + 24);
    const __m128i qa = lo128(q), qb = hi128(q);
    __m256 s0 = _mm256_mul_ps(i8x8_to_ps(qa), x0);
    __m256 s1 = _mm256_mul_ps(i8x8_hi_to_ps(qa), x1);
    s0 = _mm256_fmadd_ps(i8x8_to_ps(qb), x2, s0);
    s1 = _mm256_fmadd_ps(i8x8_hi_to_ps(qb), x3, s1);
    if ((at & 32) != 0) {
      acc1 = _mm256_fmadd_ps(_mm256_set1_ps(a), _mm256_add_ps(s0, s1), acc1);
    } else {
      acc0 = _mm256_fmadd_ps(_mm256_set1_ps(a), _mm256_add_ps(s0, s1), acc0);
    }
    if constexpr (kHasMin) {
      const __m256 xs = _mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3));
      macc = _mm256_fmadd_ps(_mm256_set1_ps(b), xs, macc);
    }
  }
  void next() { x += kQKK; }
  __m256 total() const { return _mm256_sub_ps(_mm256_add_ps(acc0, acc1), macc); }
};

// int16 activations: vpmaddwd of the sign-extended quants against the activation's int16 values, one
// conversion and FMA per group (scale a * scale_x); mins through the activation's 16-element sums.
struct DotI16Sink {
  const ActivationI16& x;
  int64_t base = 0;  // element index of the current super-block
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float msum = 0;
  bool flip = false;  // alternates the two accumulators
  __m256i madd16(__m128i q, int64_t at) const {
    return _mm256_madd_epi16(_mm256_cvtepi8_epi16(q),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q + base + at)));
  }
  void add(__m256i p, float a, int at) {
    const __m256 s = _mm256_set1_ps(a * x.scale[(base + at) / 32]);
    flip = !flip;
    if (flip) {
      acc1 = _mm256_fmadd_ps(s, _mm256_cvtepi32_ps(p), acc1);
    } else {
      acc0 = _mm256_fmadd_ps(s, _mm256_cvtepi32_ps(p), acc0);
    }
  }
  template <bool kHasMin>
  void group(__m128i q, float a, float b, int at) {
    add(madd16(q, at), a, at);
    if constexpr (kHasMin) msum += b * x.scale[(base + at) / 32] * static_cast<float>(x.sum16[(base + at) / 16]);
  }
  template <bool kHasMin>
  void group32(__m256i q, float a, float b, int at) {
    add(_mm256_add_epi32(madd16(lo128(q), at), madd16(hi128(q), at + 16)), a, at);
    if constexpr (kHasMin) {
      const int64_t j = (base + at) / 16;
      msum += b * x.scale[(base + at) / 32] * static_cast<float>(x.sum16[j] + x.sum16[j + 1]);
    }
  }
  void next() { base += kQKK; }
  float total() const { return hsum(_mm256_add_ps(acc0, acc1)) - msum; }
};

struct DecodeSink {
  float* dst;
  template <bool kHasMin>
  void group(__m128i q, float a, float b, int at) {
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    _mm256_storeu_ps(dst + at, _mm256_fmsub_ps(i8x8_to_ps(q), va, vb));
    _mm256_storeu_ps(dst + at + 8, _mm256_fmsub_ps(i8x8_hi_to_ps(q), va, vb));
  }
  template <bool kHasMin>
  void group32(__m256i q, float a, float b, int at) {
    group<kHasMin>(lo128(q), a, b, at);
    group<kHasMin>(hi128(q), a, b, at + 16);
  }
  void next() { dst += kQKK; }
};

// ---- Q2_K: 16 groups of 16, 2-bit quants; scales byte: low nibble scale, high nibble min ----
template <typename Sink>
void q2_k_block(const uint8_t* blk, Sink& sink) {
  const auto* scales = blk;
  const uint8_t* qs = blk + 16;
  const float d = load_f16(blk + 80), dmin = load_f16(blk + 82);
  for (int h = 0; h < 2; ++h) {
    const __m256i q = load256(qs + 32 * h);
    for (int g = 0; g < 4; ++g) {
      const __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * g), bytes(3));
      const int s = 8 * h + 2 * g;
      sink.template group<true>(lo128(v), d * static_cast<float>(scales[s] & 0xF),
                                dmin * static_cast<float>(scales[s] >> 4), 16 * s);
      sink.template group<true>(hi128(v), d * static_cast<float>(scales[s + 1] & 0xF),
                                dmin * static_cast<float>(scales[s + 1] >> 4), 16 * s + 16);
    }
  }
}

// ---- Q3_K: 16 groups of 16, 2 low bits in qs + a high bit in hmask (clear: minus 4); 6-bit scales - 32 ----
inline int q3k_scale(const uint8_t* sc, int s) {
  const int low4 = s < 8 ? sc[s] & 0xF : sc[s - 8] >> 4;
  const int high2 = (sc[8 + s % 4] >> (2 * (s / 4))) & 3;
  return (low4 | (high2 << 4)) - 32;
}

template <typename Sink>
void q3_k_block(const uint8_t* blk, Sink& sink) {
  const uint8_t* hmask = blk;
  const uint8_t* qs = blk + 32;
  const uint8_t* sc = blk + 96;
  const float d = load_f16(blk + 108);
  const __m256i hm = load256(hmask);
  for (int h = 0; h < 2; ++h) {
    const __m256i q = load256(qs + 32 * h);
    for (int g = 0; g < 4; ++g) {
      __m256i v = _mm256_and_si256(_mm256_srli_epi16(q, 2 * g), bytes(3));
      v = _mm256_sub_epi8(v, _mm256_andnot_si256(has_bit(hm, 1 << (4 * h + g)), bytes(4)));
      const int s = 8 * h + 2 * g;
      sink.template group<false>(lo128(v), d * static_cast<float>(q3k_scale(sc, s)), 0.0f, 16 * s);
      sink.template group<false>(hi128(v), d * static_cast<float>(q3k_scale(sc, s + 1)), 0.0f, 16 * s + 16);
    }
  }
}

// ---- Q4_K / Q5_K: 8 groups of 32, 6-bit scales and mins ----
inline void scale_min_k(const uint8_t* q, int j, int* scale, int* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

template <bool kFiveBit, typename Sink>
void q45_k_block(const uint8_t* blk, Sink& sink) {
  const float d = load_f16(blk), dmin = load_f16(blk + 2);
  const uint8_t* sc = blk + 4;
  const uint8_t* qh = blk + 16;
  const uint8_t* qs = kFiveBit ? blk + 48 : blk + 16;
  __m256i hbits = _mm256_setzero_si256();
  if constexpr (kFiveBit) hbits = load256(qh);
  for (int c = 0; c < 4; ++c) {
    const __m256i q = load256(qs + 32 * c);
    __m256i lo = _mm256_and_si256(q, bytes(0x0F));
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), bytes(0x0F));
    if constexpr (kFiveBit) {
      lo = _mm256_or_si256(lo, _mm256_and_si256(has_bit(hbits, 1 << (2 * c)), bytes(0x10)));
      hi = _mm256_or_si256(hi, _mm256_and_si256(has_bit(hbits, 1 << (2 * c + 1)), bytes(0x10)));
    }
    int scale, min;
    scale_min_k(sc, 2 * c, &scale, &min);
    sink.template group32<true>(lo, d * static_cast<float>(scale), dmin * static_cast<float>(min), 64 * c);
    scale_min_k(sc, 2 * c + 1, &scale, &min);
    sink.template group32<true>(hi, d * static_cast<float>(scale), dmin * static_cast<float>(min), 64 * c + 32);
  }
}

// The 6-bit quants (0..63, bias not yet removed) of half `h` (128 values) of a Q6_K block, as four groups of 32:
// low 4 bits from ql, high 2 bits from qh.
inline void unpack_q6_k_half(const uint8_t* ql, const uint8_t* qh, int h, __m256i v[4]) {
  const __m256i l0 = load256(ql + 64 * h), l1 = load256(ql + 64 * h + 32);
  const __m256i hb = load256(qh + 32 * h);
  const __m256i m4 = bytes(0x0F), m30 = bytes(0x30);
  v[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30));
  v[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30));
  v[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hb, m30));
  v[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                         _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30));
}

// ---- Q6_K: 16 groups of 16, 4 low bits in ql + 2 high bits in qh, minus 32; int8 scales ----
template <typename Sink>
void q6_k_block(const uint8_t* blk, Sink& sink) {
  const uint8_t* ql = blk;
  const uint8_t* qh = blk + 128;
  const auto* scales = reinterpret_cast<const int8_t*>(blk + 192);
  const float d = load_f16(blk + 208);
  for (int h = 0; h < 2; ++h) {
    __m256i v[4];
    unpack_q6_k_half(ql, qh, h, v);
    for (int g = 0; g < 4; ++g) {
      const __m256i q = _mm256_sub_epi8(v[g], bytes(32));
      const int s = 8 * h + 2 * g;
      sink.template group<false>(lo128(q), d * static_cast<float>(scales[s]), 0.0f, 16 * s);
      sink.template group<false>(hi128(q), d * static_cast<float>(scales[s + 1]), 0.0f, 16 * s + 16);
    }
  }
}

template <int kBytes, typename Block>
float dot_row(int64_t n, const void* w, const float* x, Block block) {
  const auto* p = static_cast<const uint8_t*>(w);
  DotSink sink{x};
  for (int64_t b = 0; b < n / kQKK; ++b, p += kBytes) {
    block(p, sink);
    sink.next();
  }
  return hsum(sink.total());
}

// Q4_K / Q5_K with int16 activations, scales vectorised per super-block: lane s of `a` is
// d * scale_s * scale_x(block s), picked per sub-block with one permute; the mins' term for all eight
// sub-blocks is one FMA against the activation's 32-element sums.
template <bool kFiveBit>
float dot_q45_k_i16(int64_t n, const void* w, const ActivationI16& x) {
  const auto* blk = static_cast<const uint8_t*>(w);
  constexpr int kBytes = kFiveBit ? sizeof(tensor::BlockQ5_K) : sizeof(tensor::BlockQ4_K);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), macc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQKK; ++b, blk += kBytes) {
    const int16_t* xq = x.q + b * kQKK;
    const float d = load_f16(blk), dmin = load_f16(blk + 2);
    const uint8_t* sc = blk + 4;
    // The 12 scale bytes as three words (scale_min_k, four sub-blocks at a time): scales 0-3 and mins 0-3
    // are the low 6 bits of words 0 and 1; scales / mins 4-7 take their low 4 bits from word 2's low / high
    // nibbles and their top 2 bits from the top bits of words 0 / 1.
    const uint32_t w0 = load_u32(sc), w1 = load_u32(sc + 4), w2 = load_u32(sc + 8);
    const uint32_t sc_lo = w0 & 0x3F3F3F3Fu, mn_lo = w1 & 0x3F3F3F3Fu;
    const uint32_t sc_hi = (w2 & 0x0F0F0F0Fu) | (((w0 >> 6) & 0x03030303u) << 4);
    const uint32_t mn_hi = ((w2 >> 4) & 0x0F0F0F0Fu) | (((w1 >> 6) & 0x03030303u) << 4);
    const __m256 scales = _mm256_cvtepi32_ps(
        _mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, static_cast<int>(sc_hi), static_cast<int>(sc_lo))));
    const __m256 mins = _mm256_cvtepi32_ps(
        _mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, static_cast<int>(mn_hi), static_cast<int>(mn_lo))));
    const __m256 sx = _mm256_loadu_ps(x.scale + b * 8);
    const __m256 a = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(d), sx), scales);
    const __m256i s16a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.sum16 + b * 16));
    const __m256i s16b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.sum16 + b * 16 + 8));
    const __m256 sum32 = _mm256_cvtepi32_ps(_mm256_permute4x64_epi64(_mm256_hadd_epi32(s16a, s16b), 0xD8));
    const __m256 m = _mm256_mul_ps(_mm256_set1_ps(dmin), mins);
    macc = _mm256_fmadd_ps(_mm256_mul_ps(m, sx), sum32, macc);
    const uint8_t* qs = kFiveBit ? blk + 48 : blk + 16;
    __m256i hbits = _mm256_setzero_si256();
    if constexpr (kFiveBit) hbits = load256(blk + 16);
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load256(qs + 32 * c);
      __m256i lo = _mm256_and_si256(q, bytes(0x0F));
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), bytes(0x0F));
      if constexpr (kFiveBit) {
        lo = _mm256_or_si256(lo, _mm256_and_si256(has_bit(hbits, 1 << (2 * c)), bytes(0x10)));
        hi = _mm256_or_si256(hi, _mm256_and_si256(has_bit(hbits, 1 << (2 * c + 1)), bytes(0x10)));
      }
      const int16_t* xc = xq + 64 * c;
      auto madd = [&](__m128i v, int at) {
        return _mm256_madd_epi16(_mm256_cvtepu8_epi16(v),
                                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xc + at)));
      };
      const __m256i p_lo = _mm256_add_epi32(madd(lo128(lo), 0), madd(hi128(lo), 16));
      const __m256i p_hi = _mm256_add_epi32(madd(lo128(hi), 32), madd(hi128(hi), 48));
      acc0 = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(a, _mm256_set1_epi32(2 * c)), _mm256_cvtepi32_ps(p_lo), acc0);
      acc1 = _mm256_fmadd_ps(_mm256_permutevar8x32_ps(a, _mm256_set1_epi32(2 * c + 1)), _mm256_cvtepi32_ps(p_hi),
                             acc1);
    }
  }
  return hsum(_mm256_sub_ps(_mm256_add_ps(acc0, acc1), macc));
}

// Q6_K with int16 activations: each 16-group's quants are multiplied by its int8 scale in int16
// (|q * scale| <= 32 * 128), so the two groups of a 32-block add as int32 before one conversion and one
// FMA with d * scale_x(block).
float dot_q6_k_i16(int64_t n, const void* w, const ActivationI16& x) {
  const auto* blk = static_cast<const uint8_t*>(w);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQKK; ++b, blk += sizeof(tensor::BlockQ6_K)) {
    const int16_t* xq = x.q + b * kQKK;
    const uint8_t* ql = blk;
    const uint8_t* qh = blk + 128;
    const auto* scales = reinterpret_cast<const int8_t*>(blk + 192);
    const __m256 a = _mm256_mul_ps(_mm256_set1_ps(load_f16(blk + 208)), _mm256_loadu_ps(x.scale + b * 8));
    for (int h = 0; h < 2; ++h) {
      __m256i v[4];
      unpack_q6_k_half(ql, qh, h, v);
      for (int g = 0; g < 4; ++g) {
        const __m256i q = _mm256_sub_epi8(v[g], bytes(32));
        const int s = 8 * h + 2 * g;  // 16-group index; its 32-block is s / 2 = 4 h + g
        const int16_t* xg = xq + 16 * s;
        const __m256i w0 = _mm256_mullo_epi16(_mm256_cvtepi8_epi16(lo128(q)), _mm256_set1_epi16(scales[s]));
        const __m256i w1 = _mm256_mullo_epi16(_mm256_cvtepi8_epi16(hi128(q)), _mm256_set1_epi16(scales[s + 1]));
        const __m256i p =
            _mm256_add_epi32(_mm256_madd_epi16(w0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xg))),
                             _mm256_madd_epi16(w1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xg + 16))));
        const __m256 ab = _mm256_permutevar8x32_ps(a, _mm256_set1_epi32(4 * h + g));
        if (g & 1) {
          acc1 = _mm256_fmadd_ps(ab, _mm256_cvtepi32_ps(p), acc1);
        } else {
          acc0 = _mm256_fmadd_ps(ab, _mm256_cvtepi32_ps(p), acc0);
        }
      }
    }
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

template <int kBytes, typename Block>
float dot_row_i16(int64_t n, const void* w, const ActivationI16& x, Block block) {
  const auto* p = static_cast<const uint8_t*>(w);
  DotI16Sink sink{x};
  for (int64_t b = 0; b < n / kQKK; ++b, p += kBytes) {
    block(p, sink);
    sink.next();
  }
  return sink.total();
}

template <int kBytes, typename Block>
void decode_row(const void* src, float* dst, int64_t n, Block block) {
  const auto* p = static_cast<const uint8_t*>(src);
  DecodeSink sink{dst};
  for (int64_t b = 0; b < n / kQKK; ++b, p += kBytes) {
    block(p, sink);
    sink.next();
  }
}

#define GB_K_BLOCK(fn) [](const uint8_t* p, auto& sink) { fn(p, sink); }

}  // namespace

void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
  decode_row<sizeof(tensor::BlockQ2_K)>(src, dst, n, GB_K_BLOCK(q2_k_block));
}
void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
  decode_row<sizeof(tensor::BlockQ3_K)>(src, dst, n, GB_K_BLOCK(q3_k_block));
}
void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
  decode_row<sizeof(tensor::BlockQ4_K)>(src, dst, n, GB_K_BLOCK(q45_k_block<false>));
}
void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
  decode_row<sizeof(tensor::BlockQ5_K)>(src, dst, n, GB_K_BLOCK(q45_k_block<true>));
}
void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  decode_row<sizeof(tensor::BlockQ6_K)>(src, dst, n, GB_K_BLOCK(q6_k_block));
}
float vec_dot_q2_k_i16(int64_t n, const void* w, const ActivationI16& x) {
  return dot_row_i16<sizeof(tensor::BlockQ2_K)>(n, w, x, GB_K_BLOCK(q2_k_block));
}
float vec_dot_q3_k_i16(int64_t n, const void* w, const ActivationI16& x) {
  return dot_row_i16<sizeof(tensor::BlockQ3_K)>(n, w, x, GB_K_BLOCK(q3_k_block));
}
float vec_dot_q4_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q45_k_i16<false>(n, w, x); }
float vec_dot_q5_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q45_k_i16<true>(n, w, x); }
float vec_dot_q6_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q6_k_i16(n, w, x); }
float vec_dot_q2_k_f32(int64_t n, const void* w, const float* x) {
  return dot_row<sizeof(tensor::BlockQ2_K)>(n, w, x, GB_K_BLOCK(q2_k_block));
}
float vec_dot_q3_k_f32(int64_t n, const void* w, const float* x) {
  return dot_row<sizeof(tensor::BlockQ3_K)>(n, w, x, GB_K_BLOCK(q3_k_block));
}
float vec_dot_q4_k_f32(int64_t n, const void* w, const float* x) {
  return dot_row<sizeof(tensor::BlockQ4_K)>(n, w, x, GB_K_BLOCK(q45_k_block<false>));
}
float vec_dot_q5_k_f32(int64_t n, const void* w, const float* x) {
  return dot_row<sizeof(tensor::BlockQ5_K)>(n, w, x, GB_K_BLOCK(q45_k_block<true>));
}
float vec_dot_q6_k_f32(int64_t n, const void* w, const float* x) {
  return dot_row<sizeof(tensor::BlockQ6_K)>(n, w, x, GB_K_BLOCK(q6_k_block));
}

}  // namespace glassbox::kernels::avx2
