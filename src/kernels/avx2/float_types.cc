// AVX2 kernels of the plain float types: F32, F16 (F16C vcvtph2ps), BF16 (a 16-bit shift).
//
// Dot products accumulate in float across four vector accumulators, then reduce; rows of any length and
// alignment (the tail past the last full vector is scalar).
#include "base/fp16.h"
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd.h"

namespace glassbox::kernels::avx2 {
namespace {

inline __m256 load_f16x8(const uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 load_bf16x8(const uint8_t* p) {
  const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}
inline float bf16_scalar(const uint8_t* p) { return fp32_from_bits(static_cast<uint32_t>(load_u16(p)) << 16); }

// Sum of w[i] * x[i] where Load(p) gives 8 weights from byte address p and Scalar one weight.
template <int kBytes, typename Load, typename Scalar>
float dot_float_row(int64_t n, const uint8_t* w, const float* x, Load load, Scalar scalar) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_fmadd_ps(load(w + kBytes * i), _mm256_loadu_ps(x + i), a0);
    a1 = _mm256_fmadd_ps(load(w + kBytes * (i + 8)), _mm256_loadu_ps(x + i + 8), a1);
    a2 = _mm256_fmadd_ps(load(w + kBytes * (i + 16)), _mm256_loadu_ps(x + i + 16), a2);
    a3 = _mm256_fmadd_ps(load(w + kBytes * (i + 24)), _mm256_loadu_ps(x + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(load(w + kBytes * i), _mm256_loadu_ps(x + i), a0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; i < n; ++i) sum += scalar(w + kBytes * i) * x[i];
  return sum;
}

template <int kBytes, typename Load, typename Scalar>
void decode_float_row(int64_t n, const uint8_t* src, float* dst, Load load, Scalar scalar) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load(src + kBytes * i));
  for (; i < n; ++i) dst[i] = scalar(src + kBytes * i);
}

const auto kLoadF32 = [](const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); };
const auto kScalarF32 = [](const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
};
const auto kLoadF16 = [](const uint8_t* p) { return load_f16x8(p); };
const auto kScalarF16 = [](const uint8_t* p) { return load_f16(p); };
const auto kLoadBf16 = [](const uint8_t* p) { return load_bf16x8(p); };
const auto kScalarBf16 = [](const uint8_t* p) { return bf16_scalar(p); };

}  // namespace

void dequantize_row_f32(const void* src, float* dst, int64_t n) { std::memmove(dst, src, 4 * n); }
void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  decode_float_row<2>(n, static_cast<const uint8_t*>(src), dst, kLoadF16, kScalarF16);
}
void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  decode_float_row<2>(n, static_cast<const uint8_t*>(src), dst, kLoadBf16, kScalarBf16);
}

float vec_dot_f32_f32(int64_t n, const void* w, const float* x) {
  return dot_float_row<4>(n, static_cast<const uint8_t*>(w), x, kLoadF32, kScalarF32);
}
float vec_dot_f16_f32(int64_t n, const void* w, const float* x) {
  return dot_float_row<2>(n, static_cast<const uint8_t*>(w), x, kLoadF16, kScalarF16);
}
float vec_dot_bf16_f32(int64_t n, const void* w, const float* x) {
  return dot_float_row<2>(n, static_cast<const uint8_t*>(w), x, kLoadBf16, kScalarBf16);
}

}  // namespace glassbox::kernels::avx2
