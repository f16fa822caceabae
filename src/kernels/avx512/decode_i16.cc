// Weight rows as int16 integers and per-sub-block scales (TypeKernels::decode_row_i16), AVX-512: the first
// step of the int16 prompt product (gemm_i16.cc). Same values as the reference decoders
// (reference/quant_legacy.cc, reference/quant_k.cc): w = scale * q - min. Layouts: tensor/quant_blocks.h.
#include <immintrin.h>

#include <cstring>

#include "kernels/avx512/avx512_kernels.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::avx512 {
namespace {

using tensor::kQK;
using tensor::kQKK;

inline float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

inline void store16(int16_t* dst, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v); }
inline void store32(int16_t* dst, __m512i v) { _mm512_storeu_si512(dst, v); }

// Q4_K / Q5_K scale/min j of the 12 packed bytes (see reference get_scale_min_k).
inline void scale_min_k(const uint8_t* q, int j, int* sc, int* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// The 32 nibbles of a legacy block in element order (low nibbles are elements 0-15, high 16-31), as bytes.
inline __m256i nibbles32(const uint8_t* qs) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i m4 = _mm_set1_epi8(0x0F);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), m4), _mm_and_si128(v, m4));
}

// Q5_0 / Q5_1: nibbles with the fifth bit (bit j of the 32-bit qh is element j's) as bytes 0..31.
inline __m256i five_bits32(const uint8_t* qh, const uint8_t* qs) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  return _mm256_or_si256(nibbles32(qs), _mm256_maskz_mov_epi8(bits, _mm256_set1_epi8(0x10)));
}

// Legacy formats: Offset = the zero point subtracted from the stored value (0 for the _1 formats, whose
// min is -m).
template <int kBlockBytes, int kOffset, bool kHasMin, bool kFiveBits>
void decode_legacy(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  const auto* blk = static_cast<const uint8_t*>(src);
  const __m512i offset = _mm512_set1_epi16(kOffset);
  constexpr int kQs = kBlockBytes - 16;  // the 16 nibble bytes end the block
  for (int64_t b = 0; b < n / kQK; ++b, blk += kBlockBytes, q += kQK) {
    const __m256i v = kFiveBits ? five_bits32(blk + (kHasMin ? 4 : 2), blk + kQs) : nibbles32(blk + kQs);
    store32(q, _mm512_sub_epi16(_mm512_cvtepu8_epi16(v), offset));
    scale[b] = f16_at(blk);
    if constexpr (kHasMin) min[b] = -f16_at(blk + 2);
  }
}

// F16 / BF16 rows: per 16 weights, scale = max|w| / 4095 and q = round(w / scale), ties to even (the same
// float operations as reference/float_types.cc, so the same integers).
template <typename Load>
void decode_half_row(const uint8_t* src, int64_t n, int16_t* q, float* scale, Load load) {
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
  for (int64_t b = 0; b < n / 16; ++b, src += 32, q += 16) {
    const __m512 w = load(src);
    const float amax = _mm512_reduce_max_ps(_mm512_and_ps(w, abs_mask));
    const bool usable = amax > 0.0f && amax <= 3.4028235e38f;  // finite
    scale[b] = usable ? amax / 4095.0f : 0.0f;
    const __m512 inv = _mm512_set1_ps(usable ? 4095.0f / amax : 0.0f);
    const __m512i qi = _mm512_cvtps_epi32(_mm512_mul_ps(w, inv));  // nearest, ties to even
    const __m512i lim = _mm512_set1_epi32(4095);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q),
                        _mm512_cvtepi32_epi16(_mm512_max_epi32(_mm512_min_epi32(qi, lim), _mm512_sub_epi32(_mm512_setzero_si512(), lim))));
  }
}

// Q4_K / Q5_K: the eight sub-block scales d * sc and mins dmin * m of one super-block.
inline void k_factors(const uint8_t* scales, uint16_t d_bits, uint16_t dmin_bits, float* scale, float* min) {
  const float d = _cvtsh_ss(d_bits), dmin = _cvtsh_ss(dmin_bits);
  for (int s = 0; s < 8; ++s) {
    int sc, m;
    scale_min_k(scales, s, &sc, &m);
    scale[s] = d * static_cast<float>(sc);
    min[s] = dmin * static_cast<float>(m);
  }
}

}  // namespace

void decode_row_i16_f16(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  decode_half_row(static_cast<const uint8_t*>(src), n, q, scale, [](const uint8_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  });
}

void decode_row_i16_bf16(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  decode_half_row(static_cast<const uint8_t*>(src), n, q, scale, [](const uint8_t* p) {
    const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
  });
}

void decode_row_i16_q4_1(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  decode_legacy<sizeof(tensor::BlockQ4_1), 0, true, false>(src, n, q, scale, min);
}
void decode_row_i16_q5_0(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  decode_legacy<sizeof(tensor::BlockQ5_0), 16, false, true>(src, n, q, scale, min);
}
void decode_row_i16_q5_1(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  decode_legacy<sizeof(tensor::BlockQ5_1), 0, true, true>(src, n, q, scale, min);
}

void decode_row_i16_q4_0(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  const auto* blk = static_cast<const uint8_t*>(src);
  const __m256i m4 = _mm256_set1_epi16(0x0F), eight = _mm256_set1_epi16(8);
  for (int64_t b = 0; b < n / kQK; ++b, blk += sizeof(tensor::BlockQ4_0), q += kQK) {
    const __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2)));
    store16(q, _mm256_sub_epi16(_mm256_and_si256(w, m4), eight));
    store16(q + 16, _mm256_sub_epi16(_mm256_srli_epi16(w, 4), eight));
    scale[b] = f16_at(blk);
  }
}

void decode_row_i16_q8_0(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  const auto* blk = static_cast<const uint8_t*>(src);
  for (int64_t b = 0; b < n / kQK; ++b, blk += sizeof(tensor::BlockQ8_0), q += kQK) {
    store32(q, _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2))));
    scale[b] = f16_at(blk);
  }
}

void decode_row_i16_q4_k(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  const auto* blk = static_cast<const tensor::BlockQ4_K*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  for (int64_t b = 0; b < n / kQKK; ++b, ++blk, q += kQKK) {
    tensor::BlockQ4_K block;
    std::memcpy(&block, blk, sizeof(block));
    k_factors(block.scales, block.d, block.dmin, scale + 8 * b, min + 8 * b);
    for (int c = 0; c < 4; ++c) {  // 32 bytes: elements 64c.. (low nibbles) and 64c + 32.. (high nibbles)
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qs + 32 * c));
      store32(q + 64 * c, _mm512_cvtepu8_epi16(_mm256_and_si256(v, m4)));
      store32(q + 64 * c + 32, _mm512_cvtepu8_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4)));
    }
  }
}

void decode_row_i16_q5_k(const void* src, int64_t n, int16_t* q, float* scale, float* min) {
  const auto* blk = static_cast<const tensor::BlockQ5_K*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0F), m1 = _mm256_set1_epi8(0x01);
  for (int64_t b = 0; b < n / kQKK; ++b, ++blk, q += kQKK) {
    tensor::BlockQ5_K block;
    std::memcpy(&block, blk, sizeof(block));
    k_factors(block.scales, block.d, block.dmin, scale + 8 * b, min + 8 * b);
    // Element i's fifth bit is bit i / 32 of qh[i % 32].
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qh));
    for (int c = 0; c < 4; ++c) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qs + 32 * c));
      const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c), m1), 4);
      const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c + 1), m1), 4);
      store32(q + 64 * c, _mm512_cvtepu8_epi16(_mm256_or_si256(_mm256_and_si256(v, m4), h0)));
      store32(q + 64 * c + 32,
              _mm512_cvtepu8_epi16(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), h1)));
    }
  }
}

void decode_row_i16_q6_k(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  const auto* blk = static_cast<const tensor::BlockQ6_K*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
  const __m512i offset = _mm512_set1_epi16(32);
  for (int64_t b = 0; b < n / kQKK; ++b, ++blk, q += kQKK) {
    tensor::BlockQ6_K block;
    std::memcpy(&block, blk, sizeof(block));
    const float d = _cvtsh_ss(block.d);
    for (int s = 0; s < 16; ++s) scale[16 * b + s] = d * static_cast<float>(block.scales[s]);
    for (int h = 0; h < 2; ++h) {  // element 128 h + 32 g + l: low 4 bits from ql, high 2 bits from qh
      const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qh + 32 * h));
      for (int g = 0; g < 4; ++g) {
        const __m256i ql = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.ql + 64 * h + 32 * (g & 1)));
        const __m256i low = g < 2 ? _mm256_and_si256(ql, m4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * g), m2);
        const __m256i v = _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
        store32(q + 128 * h + 32 * g, _mm512_sub_epi16(_mm512_cvtepu8_epi16(v), offset));
      }
    }
  }
}

}  // namespace glassbox::kernels::avx512
