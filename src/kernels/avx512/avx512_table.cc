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
    return &t;
  }();
  return table;
}

}  // namespace glassbox::kernels
