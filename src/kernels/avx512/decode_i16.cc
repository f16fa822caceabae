// Weight rows as int16 integers and per-sub-block scales (TypeKernels::decode_row_i16), AVX-512.
#include "kernels/avx512/avx512_kernels.h"
