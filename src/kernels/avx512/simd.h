// Vector helpers shared by the AVX-512 kernel files (included only by files compiled with the avx512 flags).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/avx2/simd.h"

namespace glassbox::kernels::avx512 {

// The scalar loads and the ymm horizontal sum are the avx2 folder's (these files are built with its flags too).
using avx2::hsum;
using avx2::load_f16;
using avx2::load_u16;
using avx2::load_u32;

inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Asks for the cache lines of [p, p + bytes) ahead of use: the hardware prefetcher alone leaves a row stream
// well below the core's read bandwidth on the benchmark VM (Q6_K over 5632 rows: 8 -> 14 GB/s per core; tg
// +5-15%). A prefetch never faults, so asking past the end of the row or the mapping is harmless.
inline void prefetch(const uint8_t* p, int bytes) {
  for (int line = 0; line < bytes; line += 64) _mm_prefetch(reinterpret_cast<const char*>(p + line), _MM_HINT_T0);
}

// 16 int16 activations at p.
inline __m256i load_x16(const int16_t* p) { return load256(p); }

// Sums of 32 consecutive activations for the 8 blocks at sum16 (16 int32 sums of 16), as floats in block order.
// `count` < 8 reads only the first 2 * count sums (the rest are 0).
inline __m256 block_sums8(const int32_t* sum16, int count) {
  const __mmask16 m = static_cast<__mmask16>((1u << (2 * count)) - 1);
  const __m512i s = _mm512_maskz_loadu_epi32(m, sum16);
  // Pairs (2j, 2j+1) -> lane j: even lanes plus odd lanes, then compress the 8 results.
  const __m512i odd = _mm512_maskz_srli_epi64(0xFF, s, 32);
  const __m512i pair = _mm512_add_epi32(s, odd);  // lane 2j holds the pair sum
  return _mm256_cvtepi32_ps(_mm512_maskz_cvtepi64_epi32(0xFF, pair));
}

}  // namespace glassbox::kernels::avx512
