// Vectorized expf: e^x = 2^k · e^r with k = round(x / ln 2), r = x − k·ln 2 (Cody–Waite split of ln
// 2, so r is nearly exact), |r| <= ln(2)/2, and e^r from its Taylor series to r^7 (truncation error
// < 5e-9 relative).
#include "base/vec_exp.h"

#include <cmath>
#include <cstring>

namespace glassbox {
namespace {

typedef float V __attribute__((vector_size(32)));
typedef int32_t VI __attribute__((vector_size(32)));
constexpr int kLanes = 8;

// Through a pointer: a 32-byte vector passed by value would change the calling convention between
// the clones.
__attribute__((always_inline)) inline void exp_lanes(V* v) {
  V x = *v;
  const V lo = V{} - 87.33654f, hi = V{} + 88.72283f;
  const VI nan = x != x;
  const VI under = x<lo, over = x> hi;
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  // Round to nearest by adding and subtracting 1.5 · 2^23 (exact for |x / ln 2| < 2^22).
  const V shifter = V{} + 12582912.0f;
  const V k = (x * 1.44269504088896341f + shifter) - shifter;
  // ln 2 = 0.693359375 (exact in 9 bits, so k · it is exact) + -2.12194440e-4.
  V r = x - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  V p = V{} + (1.0f / 5040.0f);
  p = p * r + (1.0f / 720.0f);
  p = p * r + (1.0f / 120.0f);
  p = p * r + (1.0f / 24.0f);
  p = p * r + (1.0f / 6.0f);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^k = 2^(k−1) · 2, with 2^(k−1) built from exponent bits: k reaches 128 at the top of the
  // range, where 2^k itself is not a finite float. At k = −126 (x < −86.99, e^x < 2^−125) the bits
  // give 0: such results flush.
  const VI ki = __builtin_convertvector(k, VI);
  const VI bits = (ki + 126) << 23;
  V scale;
  std::memcpy(&scale, &bits, sizeof(V));
  V result = p * scale * 2.0f;
  result = under ? V{} : result;
  result = over ? V{} + INFINITY : result;
  *v = nan ? V{} + NAN : result;  // the clamp dropped NaN: restore it
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GB_TRAIN_EXP_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GB_TRAIN_EXP_CLONES
#endif

GB_TRAIN_EXP_CLONES void exp_f32(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    V v;
    std::memcpy(&v, x + i, sizeof(V));
    exp_lanes(&v);
    std::memcpy(x + i, &v, sizeof(V));
  }
  if (i < n) {
    V v = V{};
    std::memcpy(&v, x + i, (n - i) * sizeof(float));
    exp_lanes(&v);
    std::memcpy(x + i, &v, (n - i) * sizeof(float));
  }
}

}  // namespace

void exp_inplace(float* x, int64_t n) { exp_f32(x, n); }

void exp_inplace(double* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i]);
}

}  // namespace glassbox
