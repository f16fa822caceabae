// avx512_table(): the AVX-512 KernelTable: the avx2 table with the entries below replaced. Compiled without
// -mavx512* (it only takes the kernels' addresses), so the CPU check below runs safely on any x86-64.
#include "base/cpu_features.h"
#include "kernels/avx512/avx512_kernels.h"

namespace glassbox::kernels {

const KernelTable* avx512_table() {
  static const KernelTable* table = []() -> const KernelTable* {
    if (!cpu_features().has_avx512_table_features() || avx2_table() == nullptr) return nullptr;
    static KernelTable t = *avx2_table();
    t.name = "avx512";
    using tensor::DType;
    // Generation: int16-activation dots with vpdpwssd (quant_legacy.cc, quant_k.cc).
    auto set_dot = [&](DType dtype, VecDotI16Fn dot) { t.types[static_cast<uint32_t>(dtype)].vec_dot_i16 = dot; };
    set_dot(DType::kQ4_0, avx512::vec_dot_q4_0_i16);
    set_dot(DType::kQ4_1, avx512::vec_dot_q4_1_i16);
    set_dot(DType::kQ5_0, avx512::vec_dot_q5_0_i16);
    set_dot(DType::kQ5_1, avx512::vec_dot_q5_1_i16);
    set_dot(DType::kQ2_K, avx512::vec_dot_q2_k_i16);
    set_dot(DType::kQ3_K, avx512::vec_dot_q3_k_i16);
    set_dot(DType::kQ4_K, avx512::vec_dot_q4_k_i16);
    set_dot(DType::kQ5_K, avx512::vec_dot_q5_k_i16);
    set_dot(DType::kQ6_K, avx512::vec_dot_q6_k_i16);
    // The int16 prompt path (gemm_i16.cc, decode_i16.cc) for the types with an AVX-512 decoder; the others
    // (whose inherited decoders are the scalar reference ones) keep the float prompt path.
    for (TypeKernels& k : t.types) k.decode_row_i16 = nullptr;
    auto set_i16 = [&](DType dtype, DecodeRowI16Fn decode, int block, bool has_min) {
      TypeKernels& k = t.types[static_cast<uint32_t>(dtype)];
      k.decode_row_i16 = decode;
      k.i16_block = block;
      k.i16_has_min = has_min;
    };
    set_i16(DType::kF16, avx512::decode_row_i16_f16, 16, false);
    set_i16(DType::kBF16, avx512::decode_row_i16_bf16, 16, false);
    set_i16(DType::kQ4_0, avx512::decode_row_i16_q4_0, 32, false);
    set_i16(DType::kQ4_1, avx512::decode_row_i16_q4_1, 32, true);
    set_i16(DType::kQ5_0, avx512::decode_row_i16_q5_0, 32, false);
    set_i16(DType::kQ5_1, avx512::decode_row_i16_q5_1, 32, true);
    set_i16(DType::kQ8_0, avx512::decode_row_i16_q8_0, 32, false);
    set_i16(DType::kQ4_K, avx512::decode_row_i16_q4_k, 32, true);
    set_i16(DType::kQ5_K, avx512::decode_row_i16_q5_k, 32, true);
    set_i16(DType::kQ6_K, avx512::decode_row_i16_q6_k, 16, false);
    t.gemm_i16 = avx512::gemm_i16;
    t.gemm_f32_kmajor = avx512::gemm_f32_kmajor;
    return &t;
  }();
  return table;
}

}  // namespace glassbox::kernels
