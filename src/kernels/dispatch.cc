// Chooses the KernelTable once, from CPU features or GLASSBOX_KERNELS.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels/kernel_table.h"

namespace glassbox::kernels {

const KernelTable& active_table() {
  static const KernelTable& table = []() -> const KernelTable& {
    const char* forced = std::getenv("GLASSBOX_KERNELS");
    if (forced != nullptr && *forced != '\0' && std::strcmp(forced, "reference") != 0) {
      std::fprintf(stderr, "glassbox: GLASSBOX_KERNELS=%s is not available here; using 'reference'\n", forced);
    }
    return reference_table();
  }();
  return table;
}

}  // namespace glassbox::kernels
