// qwen3: Qwen3 dense. llama graph with per-head RMSNorm on Q and K before RoPE, NEOX rotation, no biases.
#include "model/architecture.h"

namespace glassbox::model {
namespace {

Status configure_qwen3(const gguf::GgufFile& file, ModelConfig* config) {
  config->rope_style = RopeStyle::kNeox;
  config->qk_norm = true;
  return ok_status();
}

}  // namespace

extern const Architecture kQwen3Architecture{"qwen3", configure_qwen3};

}  // namespace glassbox::model
