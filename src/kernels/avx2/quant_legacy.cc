// AVX2 kernels of the legacy 32-element block formats with float activations: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0.
//
// Each block is unpacked to 32 signed bytes in element order (two xmm: elements 0-15, 16-31), widened to
// floats, and multiplied into the activations; the block scale is applied once per block to the block's
// partial sum, and the min of the _1 formats once per block to the block's activation sum.
// Layouts: tensor/quant_blocks.h.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::avx2 {
namespace {

using tensor::kQK;

struct Unpacked {
  __m128i lo;  // elements 0-15 as int8
  __m128i hi;  // elements 16-31
};

inline Unpacked nibbles(const uint8_t* qs) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i m4 = _mm_set1_epi8(0x0F);
  return {_mm_and_si128(v, m4), _mm_and_si128(_mm_srli_epi16(v, 4), m4)};
}

// 0x10 in byte j where bit j of the 16 bits `bits` is set.
inline __m128i high_bits16(uint32_t bits) {
  const __m128i spread = _mm_shuffle_epi8(_mm_cvtsi32_si128(static_cast<int>(bits)),
                                          _mm_set_epi8(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0));
  const __m128i mask = _mm_set_epi8(-128, 64, 32, 16, 8, 4, 2, 1, -128, 64, 32, 16, 8, 4, 2, 1);
  const __m128i set = _mm_cmpeq_epi8(_mm_and_si128(spread, mask), mask);
  return _mm_and_si128(set, _mm_set1_epi8(0x10));
}

inline Unpacked with_high_bits(Unpacked u, const uint8_t* qh) {
  const uint32_t bits = load_u32(qh);
  return {_mm_or_si128(u.lo, high_bits16(bits & 0xFFFF)), _mm_or_si128(u.hi, high_bits16(bits >> 16))};
}

inline Unpacked minus(Unpacked u, int zero) {
  const __m128i z = _mm_set1_epi8(static_cast<char>(zero));
  return {_mm_sub_epi8(u.lo, z), _mm_sub_epi8(u.hi, z)};
}

// Per format: the quants of block b as signed bytes, its scale d and min m (0 for symmetric formats).
struct Q4_0 {
  static constexpr int kBytes = sizeof(tensor::BlockQ4_0);
  static constexpr bool kHasMin = false;
  static Unpacked quants(const uint8_t* b) { return minus(nibbles(b + 2), 8); }
  static float d(const uint8_t* b) { return load_f16(b); }
  static float m(const uint8_t*) { return 0.0f; }
};
struct Q4_1 {
  static constexpr int kBytes = sizeof(tensor::BlockQ4_1);
  static constexpr bool kHasMin = true;
  static Unpacked quants(const uint8_t* b) { return nibbles(b + 4); }
  static float d(const uint8_t* b) { return load_f16(b); }
  static float m(const uint8_t* b) { return load_f16(b + 2); }
};
struct Q5_0 {
  static constexpr int kBytes = sizeof(tensor::BlockQ5_0);
  static constexpr bool kHasMin = false;
  static Unpacked quants(const uint8_t* b) { return minus(with_high_bits(nibbles(b + 6), b + 2), 16); }
  static float d(const uint8_t* b) { return load_f16(b); }
  static float m(const uint8_t*) { return 0.0f; }
};
struct Q5_1 {
  static constexpr int kBytes = sizeof(tensor::BlockQ5_1);
  static constexpr bool kHasMin = true;
  static Unpacked quants(const uint8_t* b) { return with_high_bits(nibbles(b + 8), b + 4); }
  static float d(const uint8_t* b) { return load_f16(b); }
  static float m(const uint8_t* b) { return load_f16(b + 2); }
};
struct Q8_0 {
  static constexpr int kBytes = sizeof(tensor::BlockQ8_0);
  static constexpr bool kHasMin = false;
  static Unpacked quants(const uint8_t* b) {
    return {_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 2)),
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 18))};
  }
  static float d(const uint8_t* b) { return load_f16(b); }
  static float m(const uint8_t*) { return 0.0f; }
};

template <typename F>
float dot_row(int64_t n, const void* w, const float* x) {
  const auto* blk = static_cast<const uint8_t*>(w);
  const int64_t nb = n / kQK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 macc = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b, blk += F::kBytes, x += kQK) {
    const Unpacked q = F::quants(blk);
    const __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8);
    const __m256 x2 = _mm256_loadu_ps(x + 16), x3 = _mm256_loadu_ps(x + 24);
    __m256 s0 = _mm256_mul_ps(i8x8_to_ps(q.lo), x0);
    __m256 s1 = _mm256_mul_ps(i8x8_hi_to_ps(q.lo), x1);
    s0 = _mm256_fmadd_ps(i8x8_to_ps(q.hi), x2, s0);
    s1 = _mm256_fmadd_ps(i8x8_hi_to_ps(q.hi), x3, s1);
    const __m256 d = _mm256_set1_ps(F::d(blk));
    if (b & 1) {
      acc1 = _mm256_fmadd_ps(d, _mm256_add_ps(s0, s1), acc1);
    } else {
      acc0 = _mm256_fmadd_ps(d, _mm256_add_ps(s0, s1), acc0);
    }
    if constexpr (F::kHasMin) {
      const __m256 xs = _mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3));
      macc = _mm256_fmadd_ps(_mm256_set1_ps(F::m(blk)), xs, macc);
    }
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), macc));
}

// int16 activations: per block, two vpmaddwd of the sign-extended quants give 8 int32 partial sums,
// converted and scaled once (d_w * scale_x); the _1 formats add m_w * scale_x * sum(q_x).
template <typename F>
float dot_row_i16(int64_t n, const void* w, const ActivationI16& x) {
  const auto* blk = static_cast<const uint8_t*>(w);
  const int64_t nb = n / kQK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float msum = 0;
  const int16_t* xq = x.q;
  for (int64_t b = 0; b < nb; ++b, blk += F::kBytes, xq += kQK) {
    const Unpacked q = F::quants(blk);
    const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq));
    const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + 16));
    const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(q.lo), a0),
                                       _mm256_madd_epi16(_mm256_cvtepi8_epi16(q.hi), a1));
    const __m256 s = _mm256_set1_ps(F::d(blk) * x.scale[b]);
    if (b & 1) {
      acc1 = _mm256_fmadd_ps(s, _mm256_cvtepi32_ps(p), acc1);
    } else {
      acc0 = _mm256_fmadd_ps(s, _mm256_cvtepi32_ps(p), acc0);
    }
    if constexpr (F::kHasMin) {
      msum += F::m(blk) * x.scale[b] * static_cast<float>(x.sum16[2 * b] + x.sum16[2 * b + 1]);
    }
  }
  return hsum(_mm256_add_ps(acc0, acc1)) + msum;
}

template <typename F>
void decode_row(const void* src, float* dst, int64_t n) {
  const auto* blk = static_cast<const uint8_t*>(src);
  const int64_t nb = n / kQK;
  for (int64_t b = 0; b < nb; ++b, blk += F::kBytes, dst += kQK) {
    const Unpacked q = F::quants(blk);
    const __m256 d = _mm256_set1_ps(F::d(blk));
    const __m256 m = _mm256_set1_ps(F::m(blk));
    _mm256_storeu_ps(dst, _mm256_fmadd_ps(i8x8_to_ps(q.lo), d, m));
    _mm256_storeu_ps(dst + 8, _mm256_fmadd_ps(i8x8_hi_to_ps(q.lo), d, m));
    _mm256_storeu_ps(dst + 16, _mm256_fmadd_ps(i8x8_to_ps(q.hi), d, m));
    _mm256_storeu_ps(dst + 24, _mm256_fmadd_ps(i8x8_hi_to_ps(q.hi), d, m));
  }
}

}  // namespace

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) { decode_row<Q4_0>(src, dst, n); }
void dequantize_row_q4_1(const void* src, float* dst, int64_t n) { decode_row<Q4_1>(src, dst, n); }
void dequantize_row_q5_0(const void* src, float* dst, int64_t n) { decode_row<Q5_0>(src, dst, n); }
void dequantize_row_q5_1(const void* src, float* dst, int64_t n) { decode_row<Q5_1>(src, dst, n); }
void dequantize_row_q8_0(const void* src, float* dst, int64_t n) { decode_row<Q8_0>(src, dst, n); }
float vec_dot_q4_0_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row_i16<Q4_0>(n, w, x); }
float vec_dot_q4_1_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row_i16<Q4_1>(n, w, x); }
float vec_dot_q5_0_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row_i16<Q5_0>(n, w, x); }
float vec_dot_q5_1_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row_i16<Q5_1>(n, w, x); }
float vec_dot_q8_0_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row_i16<Q8_0>(n, w, x); }
float vec_dot_q4_0_f32(int64_t n, const void* w, const float* x) { return dot_row<Q4_0>(n, w, x); }
float vec_dot_q4_1_f32(int64_t n, const void* w, const float* x) { return dot_row<Q4_1>(n, w, x); }
float vec_dot_q5_0_f32(int64_t n, const void* w, const float* x) { return dot_row<Q5_0>(n, w, x); }
float vec_dot_q5_1_f32(int64_t n, const void* w, const float* x) { return dot_row<Q5_1>(n, w, x); }
float vec_dot_q8_0_f32(int64_t n, const void* w, const float* x) { return dot_row<Q8_0>(n, w, x); }

}  // namespace glassbox::kernels::avx2
