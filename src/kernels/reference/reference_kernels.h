// Internal interface of the scalar reference kernels: each family file fills its entries of the table.
//
// Not for callers outside kernels/: use reference_table() or the helpers in kernels/kernel_table.h.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/kernel_table.h"

namespace glassbox::kernels::reference {

// F32, F16, BF16 (float_types.cc).
void add_float_kernels(KernelTable& table);
// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 (quant_legacy.cc).
void add_legacy_quant_kernels(KernelTable& table);
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K (quant_k.cc).
void add_k_quant_kernels(KernelTable& table);

// KernelTable::gemm_i16 written out in double: the oracle of the fast tables' int16 prompt product. Not in
// the reference table itself, whose prompt path stays the float one.
void gemm_i16(int64_t rows, int64_t k_len, int block, const int16_t* w_q, const float* w_scale, const float* w_min,
              int64_t n_tokens, const int16_t* xq, const float* xs, const int32_t* xsum16, float* y, int64_t ldy);

// Round to nearest, ties to even, as an int. Adding and subtracting 1.5 * 2^23 leaves no fraction bits
// for |x| < 2^22, so the FPU's default rounding does the work inline (std::nearbyint is a libm call
// at baseline x86-64 and dominated the quantizers). Larger magnitudes saturate at +-2^30 (callers clamp
// to far smaller ranges); NaN gives 0.
inline int nearest_int(float x) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  if (!(std::fabs(x) < 4194304.0f)) return std::isnan(x) ? 0 : (x > 0 ? (1 << 30) : -(1 << 30));
  return static_cast<int>((x + kMagic) - kMagic);
}

}  // namespace glassbox::kernels::reference
