// Architecture: what distinguishes one llama-family architecture from another, and the registry of them.
//
// A new architecture is one file in architectures/ defining an Architecture, plus one line in
// architecture_registry.cc. The shared transformer (transformer.cc) reads only ModelConfig flags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"

namespace glassbox::model {

struct Architecture {
  std::string_view name;  // general.architecture value
  // Sets the architecture's fixed traits (rope style, biases, norms) after the common keys
  // "<name>.*" have been read into `config`; may read extra keys.
  Status (*configure)(const gguf::GgufFile& file, ModelConfig* config);
};

// All registered architectures, in registration order.
const std::vector<const Architecture*>& architectures();
const Architecture* find_architecture(std::string_view name);
std::string supported_architectures_list();  // "llama, qwen2, qwen3, ..."

}  // namespace glassbox::model
