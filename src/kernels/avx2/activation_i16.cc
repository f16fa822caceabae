// AVX2 conversion of one token's activations to the int16 block form (kernel_table.h, ActivationI16).
#include <cmath>

#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd.h"

namespace glassbox::kernels::avx2 {

void quantize_i16(const float* x, int64_t n, int16_t* q, float* scale, int32_t* sum16) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  for (int64_t b = 0; b < n / 32; ++b, x += 32, q += 32) {
    __m256 v[4];
    for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v[0], abs_mask), _mm256_and_ps(v[1], abs_mask)),
                             _mm256_max_ps(_mm256_and_ps(v[2], abs_mask), _mm256_and_ps(v[3], abs_mask)));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);
    // A non-finite block (a bug upstream) gives scale 0 and zero quants rather than undefined conversions.
    const bool usable = amax > 0.0f && std::isfinite(amax);
    scale[b] = usable ? amax / 32767.0f : 0.0f;
    const __m256 inv = _mm256_set1_ps(usable ? 32767.0f / amax : 0.0f);
    __m256i r[4];
    for (int i = 0; i < 4; ++i) r[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], inv));  // nearest, ties even
    // packs works per 128-bit lane: [r0 lo, r1 lo, r0 hi, r1 hi]; the permute restores element order.
    const __m256i p0 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[0], r[1]), 0xD8);
    const __m256i p1 = _mm256_permute4x64_epi64(_mm256_packs_epi32(r[2], r[3]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), p0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + 16), p1);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int h = 0; h < 2; ++h) {
      const __m256i s = _mm256_madd_epi16(h == 0 ? p0 : p1, ones);  // 8 pair sums
      __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
      s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
      s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
      sum16[2 * b + h] = _mm_cvtsi128_si32(s4);
    }
  }
}

}  // namespace glassbox::kernels::avx2
