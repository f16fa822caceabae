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

// Round to nearest, ties to even (the default FP rounding mode), as an int. |x| must fit an int.
inline int nearest_int(float x) { return static_cast<int>(std::nearbyint(x)); }

}  // namespace glassbox::kernels::reference
