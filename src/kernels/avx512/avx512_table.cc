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
    auto set_i16 = [&](DType dtype, VecDotI16Fn dot) { t.types[static_cast<uint32_t>(dtype)].vec_dot_i16 = dot; };
    set_i16(DType::kQ4_0, avx512::vec_dot_q4_0_i16);
    set_i16(DType::kQ4_1, avx512::vec_dot_q4_1_i16);
    set_i16(DType::kQ5_0, avx512::vec_dot_q5_0_i16);
    set_i16(DType::kQ5_1, avx512::vec_dot_q5_1_i16);
    set_i16(DType::kQ2_K, avx512::vec_dot_q2_k_i16);
    set_i16(DType::kQ3_K, avx512::vec_dot_q3_k_i16);
    set_i16(DType::kQ4_K, avx512::vec_dot_q4_k_i16);
    set_i16(DType::kQ5_K, avx512::vec_dot_q5_k_i16);
    set_i16(DType::kQ6_K, avx512::vec_dot_q6_k_i16);
    return &t;
  }();
  return table;
}

}  // namespace glassbox::kernels
