// Chooses the KernelTable once: the fastest one the CPU supports, or the one GLASSBOX_KERNELS names.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels/kernel_table.h"

namespace glassbox::kernels {

std::vector<const KernelTable*> supported_tables() {
  std::vector<const KernelTable*> tables;
  if (const KernelTable* t = avx512_table()) tables.push_back(t);
  if (const KernelTable* t = avx2_table()) tables.push_back(t);
  tables.push_back(&reference_table());
  return tables;
}

const KernelTable& active_table() {
  static const KernelTable& table = []() -> const KernelTable& {
    const std::vector<const KernelTable*> tables = supported_tables();
    const char* forced = std::getenv("GLASSBOX_KERNELS");
    if (forced == nullptr || *forced == '\0') return *tables.front();
    for (const KernelTable* t : tables) {
      if (std::strcmp(forced, t->name) == 0) return *t;
    }
    const bool known = std::strcmp(forced, "avx512") == 0 || std::strcmp(forced, "avx2") == 0 ||
                       std::strcmp(forced, "reference") == 0;
    std::fprintf(stderr, "glassbox: GLASSBOX_KERNELS=%s %s; using '%s'\n", forced,
                 known ? "is not supported by this CPU" : "is not a kernel table (known: avx512, avx2, reference)",
                 tables.front()->name);
    return *tables.front();
  }();
  return table;
}

}  // namespace glassbox::kernels
