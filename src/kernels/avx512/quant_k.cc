// AVX-512 VNNI dot products of the K formats (256-element super-blocks) with int16 activations
// (ActivationI16): Q2_K, Q3_K, Q4_K, Q5_K, Q6_K (TypeKernels::vec_dot_i16).
//
// The activation scale changes every 32 elements, so each 32-element sub-block ends in one int32 -> float
// conversion and one FMA; everything before it is integer: quants zero-extended to int16 (vpmovzxbw) and
// multiplied into the activations with vpmaddwd + vpdpwssd. Per super-block the eight float factors
// (d * sub-block scale * activation scale) are formed in one vector and broadcast from the stack.
//   Q4_K / Q5_K: nibbles split by an and / a word shift after widening (no mask); Q5_K's fifth bit is a
//     masked word add of 16 (vptestmb gives the mask); the mins for all eight sub-blocks are one FMA against
//     the activation's 32-element sums.
//   Q6_K, Q3_K, Q2_K (16-element groups): quants assembled in bytes (as avx2; Q3_K's "minus 4 where the
//     high bit is clear" is a masked byte subtract), widened, and multiplied by their group's scale in int16
//     (|q s| <= 4096) so both groups of a 32-block share one int32 sum; Q2_K's mins are one vector
//     multiply per super-block against sum16.
// Layouts: tensor/quant_blocks.h.
#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::avx512 {
namespace {

using tensor::kQKK;

inline __m256i bytes(int v) { return _mm256_set1_epi8(static_cast<char>(v)); }

// Q4_K / Q5_K: the eight 6-bit scales and mins of the 12 bytes at sc as floats (see avx2/quant_k.cc for the
// word arithmetic: scales / mins 0-3 are the low 6 bits of words 0 / 1; 4-7 take their low 4 bits from
// word 2's nibbles and their top 2 bits from the top bits of words 0 / 1).
inline void scales_mins_k(const uint8_t* sc, __m256* scales, __m256* mins) {
  const uint32_t w0 = load_u32(sc), w1 = load_u32(sc + 4), w2 = load_u32(sc + 8);
  const uint32_t sc_lo = w0 & 0x3F3F3F3Fu, mn_lo = w1 & 0x3F3F3F3Fu;
  const uint32_t sc_hi = (w2 & 0x0F0F0F0Fu) | (((w0 >> 6) & 0x03030303u) << 4);
  const uint32_t mn_hi = ((w2 >> 4) & 0x0F0F0F0Fu) | (((w1 >> 6) & 0x03030303u) << 4);
  *scales = _mm256_cvtepi32_ps(
      _mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, static_cast<int>(sc_hi), static_cast<int>(sc_lo))));
  *mins = _mm256_cvtepi32_ps(
      _mm256_cvtepu8_epi32(_mm_set_epi32(0, 0, static_cast<int>(mn_hi), static_cast<int>(mn_lo))));
}

constexpr int kAcc = 4;  // independent FMA chains
// How far ahead of the super-block being read its row is prefetched (see simd.h prefetch).
constexpr int kPrefetchBytes = 1024;

template <bool kFiveBit>
float dot_q45_k(int64_t n, const void* w, const ActivationI16& x) {
  constexpr int kBytes = kFiveBit ? sizeof(tensor::BlockQ5_K) : sizeof(tensor::BlockQ4_K);
  const auto* row = static_cast<const uint8_t*>(w);
  __m256 acc[kAcc] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  __m256 macc = _mm256_setzero_ps();
  alignas(32) float scale[8];
  const __m256i low4 = _mm256_set1_epi16(0x0F), sixteen = _mm256_set1_epi16(16);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const uint8_t* blk = row + b * kBytes;
    if constexpr (kPrefetchBytes > 0) prefetch(blk + kPrefetchBytes, kBytes);
    const int16_t* xq = x.q + b * kQKK;
    const __m256 sx = _mm256_loadu_ps(x.scale + b * 8);
    __m256 scales, mins;
    scales_mins_k(blk + 4, &scales, &mins);
    _mm256_store_ps(scale, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(load_f16(blk)), sx), scales));
    const __m256 m = _mm256_mul_ps(_mm256_set1_ps(load_f16(blk + 2)), mins);
    macc = _mm256_fmadd_ps(_mm256_mul_ps(m, sx), block_sums8(x.sum16 + b * 16, 8), macc);
    const uint8_t* qs = blk + (kFiveBit ? 48 : 16);
    __m256i hb = _mm256_setzero_si256();
    if constexpr (kFiveBit) hb = load256(blk + 16);
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      const int16_t* xc = xq + 64 * c;
      const __m256i q0 = _mm256_cvtepu8_epi16(load128(qs + 32 * c));
      const __m256i q1 = _mm256_cvtepu8_epi16(load128(qs + 32 * c + 16));
      __m256i lo0 = _mm256_and_si256(q0, low4), lo1 = _mm256_and_si256(q1, low4);
      __m256i hi0 = _mm256_srli_epi16(q0, 4), hi1 = _mm256_srli_epi16(q1, 4);
      if constexpr (kFiveBit) {
        const __mmask32 mlo = _mm256_test_epi8_mask(hb, bytes(1 << (2 * c)));
        const __mmask32 mhi = _mm256_test_epi8_mask(hb, bytes(1 << (2 * c + 1)));
        lo0 = _mm256_mask_add_epi16(lo0, static_cast<__mmask16>(mlo), lo0, sixteen);
        lo1 = _mm256_mask_add_epi16(lo1, static_cast<__mmask16>(mlo >> 16), lo1, sixteen);
        hi0 = _mm256_mask_add_epi16(hi0, static_cast<__mmask16>(mhi), hi0, sixteen);
        hi1 = _mm256_mask_add_epi16(hi1, static_cast<__mmask16>(mhi >> 16), hi1, sixteen);
      }
      const __m256i p_lo = _mm256_dpwssd_epi32(_mm256_madd_epi16(lo0, load_x16(xc)), lo1, load_x16(xc + 16));
      const __m256i p_hi = _mm256_dpwssd_epi32(_mm256_madd_epi16(hi0, load_x16(xc + 32)), hi1, load_x16(xc + 48));
      const int j = 2 * c;  // sub-block of p_lo
      acc[j % kAcc] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p_lo), _mm256_broadcast_ss(&scale[j]), acc[j % kAcc]);
      acc[(j + 1) % kAcc] =
          _mm256_fmadd_ps(_mm256_cvtepi32_ps(p_hi), _mm256_broadcast_ss(&scale[j + 1]), acc[(j + 1) % kAcc]);
    }
  }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
  return hsum(_mm256_sub_ps(s, macc));
}

// One 32-element block of signed-byte quants q (elements in order) made of two 16-groups with int16 scales
// sa, sb: the 8 int32 partial sums of (q * s) * x. The scale is applied in int16 (|q s| <= 4096 for every
// caller), so both groups share one int32 sum and one float FMA later.
inline __m256i dot_scaled32(__m256i q, int16_t sa, int16_t sb, const int16_t* x) {
  const __m256i w0 = _mm256_mullo_epi16(_mm256_cvtepi8_epi16(_mm256_castsi256_si128(q)), _mm256_set1_epi16(sa));
  const __m256i w1 = _mm256_mullo_epi16(_mm256_cvtepi8_epi16(_mm256_extracti128_si256(q, 1)), _mm256_set1_epi16(sb));
  return _mm256_dpwssd_epi32(_mm256_madd_epi16(w0, load_x16(x)), w1, load_x16(x + 16));
}

// The 6-bit quants (0..63) of half `h` (128 values) of a Q6_K block as four groups of 32 bytes: low 4 bits
// from ql, high 2 bits from qh.
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

float dot_q6_k(int64_t n, const void* w, const ActivationI16& x) {
  constexpr int kBytes = sizeof(tensor::BlockQ6_K);
  const auto* row = static_cast<const uint8_t*>(w);
  __m256 acc[kAcc] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  alignas(32) float scale[8];
  alignas(32) int16_t group_scale[16];
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const uint8_t* blk = row + b * kBytes;
    if constexpr (kPrefetchBytes > 0) prefetch(blk + kPrefetchBytes, kBytes);
    const int16_t* xq = x.q + b * kQKK;
    _mm256_store_ps(scale, _mm256_mul_ps(_mm256_set1_ps(load_f16(blk + 208)), _mm256_loadu_ps(x.scale + b * 8)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(group_scale), _mm256_cvtepi8_epi16(load128(blk + 192)));
    for (int h = 0; h < 2; ++h) {
      __m256i v[4];
      unpack_q6_k_half(blk, blk + 128, h, v);
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) {
        const __m256i q = _mm256_sub_epi8(v[g], bytes(32));
        const int s = 8 * h + 2 * g;  // 16-group index; its 32-block is s / 2 = 4 h + g
        const __m256i p = dot_scaled32(q, group_scale[s], group_scale[s + 1], xq + 16 * s);
        acc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&scale[4 * h + g]), acc[g]);
      }
    }
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

// Q3_K: 2 low bits in qs, a high bit in hmask (clear: minus 4), so q in [-4, 3]; sixteen 6-bit scales minus
// 32. Laid out like Q6_K's groups: half h, shift g give the 32-block 4 h + g (16-groups 8 h + 2 g, + 1).
// The scales are unpacked for the whole super-block in one 16-byte vector: low 4 bits from the nibbles of
// bytes 0-7, top 2 bits from bytes 8-11 (group s: byte 8 + s % 4, bits 2 (s / 4)).
float dot_q3_k(int64_t n, const void* w, const ActivationI16& x) {
  constexpr int kBytes = sizeof(tensor::BlockQ3_K);
  const auto* row = static_cast<const uint8_t*>(w);
  __m256 acc[kAcc] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  alignas(32) float scale[8];
  alignas(32) int16_t group_scale[16];
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const uint8_t* blk = row + b * kBytes;
    if constexpr (kPrefetchBytes > 0) prefetch(blk + kPrefetchBytes, kBytes);
    const int16_t* xq = x.q + b * kQKK;
    _mm256_store_ps(scale, _mm256_mul_ps(_mm256_set1_ps(load_f16(blk + 108)), _mm256_loadu_ps(x.scale + b * 8)));
    const uint8_t* sc = blk + 96;
    const __m128i low8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc));
    const __m128i m4 = _mm_set1_epi8(0x0F);
    const __m128i low4 = _mm_unpacklo_epi64(_mm_and_si128(low8, m4), _mm_and_si128(_mm_srli_epi16(low8, 4), m4));
    const uint32_t h4 = load_u32(sc + 8);
    const __m128i high2 = _mm_set_epi32(static_cast<int>((h4 >> 6) & 0x03030303u), static_cast<int>((h4 >> 4) & 0x03030303u),
                                        static_cast<int>((h4 >> 2) & 0x03030303u), static_cast<int>(h4 & 0x03030303u));
    const __m128i scales8 =
        _mm_sub_epi8(_mm_or_si128(low4, _mm_slli_epi16(high2, 4)), _mm_set1_epi8(32));  // high2 < 4: no carry
    _mm256_store_si256(reinterpret_cast<__m256i*>(group_scale), _mm256_cvtepi8_epi16(scales8));
    const __m256i hm = load256(blk);
    for (int h = 0; h < 2; ++h) {
      const __m256i q2 = load256(blk + 32 + 32 * h);
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) {
        __m256i q = _mm256_and_si256(_mm256_srli_epi16(q2, 2 * g), bytes(3));
        const __mmask32 high = _mm256_test_epi8_mask(hm, bytes(1 << (4 * h + g)));
        q = _mm256_mask_sub_epi8(q, static_cast<__mmask32>(~high), q, bytes(4));
        const int s = 8 * h + 2 * g;
        const __m256i p = dot_scaled32(q, group_scale[s], group_scale[s + 1], xq + 16 * s);
        acc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&scale[4 * h + g]), acc[g]);
      }
    }
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

// Q2_K: q in [0, 3] laid out as Q3_K's low bits; per 16-group a 4-bit scale (low nibble) and min (high
// nibble). The mins of all sixteen groups are one int32 multiply against sum16, pair-added into the eight
// 32-blocks, and one FMA with dmin * scale_x.
float dot_q2_k(int64_t n, const void* w, const ActivationI16& x) {
  constexpr int kBytes = sizeof(tensor::BlockQ2_K);
  const auto* row = static_cast<const uint8_t*>(w);
  __m256 acc[kAcc] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  __m256 macc = _mm256_setzero_ps();
  alignas(32) float scale[8];
  alignas(32) int16_t group_scale[16];
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const uint8_t* blk = row + b * kBytes;
    if constexpr (kPrefetchBytes > 0) prefetch(blk + kPrefetchBytes, kBytes);
    const int16_t* xq = x.q + b * kQKK;
    const __m256 sx = _mm256_loadu_ps(x.scale + b * 8);
    _mm256_store_ps(scale, _mm256_mul_ps(_mm256_set1_ps(load_f16(blk + 80)), sx));
    const __m128i sc = load128(blk);
    _mm256_store_si256(reinterpret_cast<__m256i*>(group_scale),
                       _mm256_cvtepu8_epi16(_mm_and_si128(sc, _mm_set1_epi8(0x0F))));
    const __m512i mins = _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_and_si128(_mm_srli_epi16(sc, 4), _mm_set1_epi8(0x0F)));
    const __m512i msum = _mm512_mullo_epi32(mins, _mm512_loadu_si512(x.sum16 + b * 16));
    const __m512i pair = _mm512_add_epi32(msum, _mm512_maskz_srli_epi64(0xFF, msum, 32));  // lane 2j: groups 2j, 2j+1
    const __m256 m32 = _mm256_cvtepi32_ps(_mm512_maskz_cvtepi64_epi32(0xFF, pair));
    macc = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(load_f16(blk + 82)), sx), m32, macc);
    for (int h = 0; h < 2; ++h) {
      const __m256i q2 = load256(blk + 16 + 32 * h);
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) {
        const __m256i q = _mm256_and_si256(_mm256_srli_epi16(q2, 2 * g), bytes(3));
        const int s = 8 * h + 2 * g;
        const __m256i p = dot_scaled32(q, group_scale[s], group_scale[s + 1], xq + 16 * s);
        acc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&scale[4 * h + g]), acc[g]);
      }
    }
  }
  const __m256 s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
  return hsum(_mm256_sub_ps(s, macc));
}

}  // namespace

float vec_dot_q2_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q2_k(n, w, x); }
float vec_dot_q3_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q3_k(n, w, x); }
float vec_dot_q4_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q45_k<false>(n, w, x); }
float vec_dot_q5_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q45_k<true>(n, w, x); }
float vec_dot_q6_k_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_q6_k(n, w, x); }

}  // namespace glassbox::kernels::avx512
