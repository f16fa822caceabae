// Vector helpers shared by the AVX2 kernel files (included only by files compiled with -mavx2 -mfma -mf16c).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace glassbox::kernels::avx2 {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Unaligned scalar loads from packed blocks.
inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline float load_f16(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }

// Eight signed bytes (the low 8 of v) as floats.
inline __m256 i8x8_to_ps(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }
// The high 8 signed bytes of v as floats.
inline __m256 i8x8_hi_to_ps(__m128i v) { return i8x8_to_ps(_mm_unpackhi_epi64(v, v)); }

// Four accumulators, one per 8-float lane group of a 32-element block, so consecutive FMAs do not wait on
// each other (FMA latency 4-5 cycles).
struct DotAcc {
  __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  float sum() const { return hsum(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3]))); }
};

}  // namespace glassbox::kernels::avx2
