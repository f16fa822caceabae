// reference_table(): the scalar reference KernelTable, assembled from the per-family files.
#include "kernels/reference/reference_kernels.h"

namespace glassbox::kernels {

const KernelTable& reference_table() {
  static const KernelTable table = [] {
    KernelTable t;
    t.name = "reference";
    reference::add_float_kernels(t);
    reference::add_legacy_quant_kernels(t);
    reference::add_k_quant_kernels(t);
    return t;
  }();
  return table;
}

}  // namespace glassbox::kernels
