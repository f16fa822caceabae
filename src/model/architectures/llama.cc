// llama: Llama 1/2/3.x, TinyLlama, SmolLM, Mistral 7B converted as llama. RMSNorm, RoPE on adjacent
// pairs, GQA, SwiGLU, optional tied output, optional sliding window.
#include "model/architecture.h"

namespace glassbox::model {
namespace {

Status configure_llama(const gguf::GgufFile& file, ModelConfig* config) {
  config->rope_style = RopeStyle::kAdjacentPairs;
  return ok_status();
}

}  // namespace

extern const Architecture kLlamaArchitecture{"llama", configure_llama};
// Files that declare "mistral" run the llama graph (sliding window read from metadata when declared).
extern const Architecture kMistralArchitecture{"mistral", configure_llama};

}  // namespace glassbox::model
