// avx2_table(): the AVX2 + FMA + F16C KernelTable. Compiled without -mavx2 (it only takes the kernels'
// addresses), so the CPU check below runs safely on any x86-64.
#include "base/cpu_features.h"
#include "kernels/avx2/avx2_kernels.h"

namespace glassbox::kernels {

const KernelTable* avx2_table() {
  static const KernelTable* table = []() -> const KernelTable* {
    if (!cpu_features().has_avx2_table_features()) return nullptr;
    static KernelTable t = reference_table();  // quantize_row and the quantized-activation vec_dot
    t.name = "avx2";
    using tensor::DType;
    auto set = [&](DType dtype, DequantizeRowFn dequantize, VecDotF32Fn dot) {
      TypeKernels& k = t.types[static_cast<uint32_t>(dtype)];
      k.dequantize_row = dequantize;
      k.vec_dot_f32 = dot;
    };
    set(DType::kF32, avx2::dequantize_row_f32, avx2::vec_dot_f32_f32);
    set(DType::kF16, avx2::dequantize_row_f16, avx2::vec_dot_f16_f32);
    set(DType::kBF16, avx2::dequantize_row_bf16, avx2::vec_dot_bf16_f32);
    set(DType::kQ4_0, avx2::dequantize_row_q4_0, avx2::vec_dot_q4_0_f32);
    set(DType::kQ4_1, avx2::dequantize_row_q4_1, avx2::vec_dot_q4_1_f32);
    set(DType::kQ5_0, avx2::dequantize_row_q5_0, avx2::vec_dot_q5_0_f32);
    set(DType::kQ5_1, avx2::dequantize_row_q5_1, avx2::vec_dot_q5_1_f32);
    set(DType::kQ8_0, avx2::dequantize_row_q8_0, avx2::vec_dot_q8_0_f32);
    set(DType::kQ2_K, avx2::dequantize_row_q2_k, avx2::vec_dot_q2_k_f32);
    set(DType::kQ3_K, avx2::dequantize_row_q3_k, avx2::vec_dot_q3_k_f32);
    set(DType::kQ4_K, avx2::dequantize_row_q4_k, avx2::vec_dot_q4_k_f32);
    set(DType::kQ5_K, avx2::dequantize_row_q5_k, avx2::vec_dot_q5_k_f32);
    set(DType::kQ6_K, avx2::dequantize_row_q6_k, avx2::vec_dot_q6_k_f32);
    auto set_i16 = [&](DType dtype, VecDotI16Fn dot) { t.types[static_cast<uint32_t>(dtype)].vec_dot_i16 = dot; };
    set_i16(DType::kQ4_0, avx2::vec_dot_q4_0_i16);
    set_i16(DType::kQ4_1, avx2::vec_dot_q4_1_i16);
    set_i16(DType::kQ5_0, avx2::vec_dot_q5_0_i16);
    set_i16(DType::kQ5_1, avx2::vec_dot_q5_1_i16);
    set_i16(DType::kQ8_0, avx2::vec_dot_q8_0_i16);
    set_i16(DType::kQ2_K, avx2::vec_dot_q2_k_i16);
    set_i16(DType::kQ3_K, avx2::vec_dot_q3_k_i16);
    set_i16(DType::kQ4_K, avx2::vec_dot_q4_k_i16);
    set_i16(DType::kQ5_K, avx2::vec_dot_q5_k_i16);
    set_i16(DType::kQ6_K, avx2::vec_dot_q6_k_i16);
    t.quantize_i16 = avx2::quantize_i16;
    t.gemm_f32 = avx2::gemm_f32;
    t.gemm_f32_kmajor = avx2::gemm_f32_kmajor;
    t.float_activations = true;
    return &t;
  }();
  return table;
}

}  // namespace glassbox::kernels
