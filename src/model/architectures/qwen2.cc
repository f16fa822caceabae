// qwen2: Qwen2 / Qwen2.5. llama graph with Q/K/V biases and NEOX-style rotation.
#include "model/architecture.h"

namespace glassbox::model {
namespace {

Status configure_qwen2(const gguf::GgufFile& file, ModelConfig* config) {
  config->rope_style = RopeStyle::kNeox;
  config->qkv_bias = true;
  return ok_status();
}

}  // namespace

extern const Architecture kQwen2Architecture{"qwen2", configure_qwen2};

}  // namespace glassbox::model
