// The architecture registry: one line per architecture.
#include "model/architecture.h"

namespace glassbox::model {

extern const Architecture kLlamaArchitecture;
extern const Architecture kMistralArchitecture;
extern const Architecture kQwen2Architecture;
extern const Architecture kQwen3Architecture;

const std::vector<const Architecture*>& architectures() {
  static const std::vector<const Architecture*> all = {
      &kLlamaArchitecture,
      &kMistralArchitecture,
      &kQwen2Architecture,
      &kQwen3Architecture,
  };
  return all;
}

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture* a : architectures()) {
    if (a->name == name) return a;
  }
  return nullptr;
}

std::string supported_architectures_list() {
  std::string out;
  for (const Architecture* a : architectures()) {
    if (!out.empty()) out += ", ";
    out += a->name;
  }
  return out;
}

}  // namespace glassbox::model
