// Int16 prompt product (KernelTable::gemm_i16) with AVX-512 VNNI.
#include "kernels/avx512/avx512_kernels.h"
