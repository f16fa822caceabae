// The whole-row convenience functions of kernel_table.h, over the active table.
#include "kernels/kernel_table.h"

#include "base/check.h"

namespace glassbox::kernels {
namespace {

const TypeKernels& kernels_for(tensor::DType dtype, int64_t n) {
  const tensor::DTypeInfo& info = tensor::dtype_info(dtype);
  GB_CHECK_MSG(n % info.block_elems == 0, "row length is not a multiple of the block size");
  return active_table().of(dtype);
}

}  // namespace

void dequantize(tensor::DType dtype, const void* src, float* dst, int64_t n) {
  const TypeKernels& k = kernels_for(dtype, n);
  GB_CHECK_MSG(k.dequantize_row != nullptr, "no dequantize kernel for this type");
  k.dequantize_row(src, dst, n);
}

void quantize(tensor::DType dtype, const float* src, void* dst, int64_t n) {
  const TypeKernels& k = kernels_for(dtype, n);
  GB_CHECK_MSG(k.quantize_row != nullptr, "no quantize kernel for this type");
  k.quantize_row(src, dst, n);
}

float vec_dot(tensor::DType dtype, int64_t n, const void* weight_row, const void* activation_row) {
  const TypeKernels& k = kernels_for(dtype, n);
  GB_CHECK_MSG(k.vec_dot != nullptr, "no vec_dot kernel for this type");
  return k.vec_dot(n, weight_row, activation_row);
}

}  // namespace glassbox::kernels
