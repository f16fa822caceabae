// Export of trained parameters as a llama GGUF that model::Model loads (F32 tensors).
#pragma once

#include <string>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "train/params.h"

namespace glassbox::train {

struct GgufExportOptions {
  std::string name;  // general.name; empty: omitted
  // When set, every `tokenizer.*` metadata key is copied from this file (e.g. the corpus
  // tokenizer's GGUF).
  const gguf::GgufFile* tokenizer_source = nullptr;
};

// Writes `params` as GGUF architecture "llama": llama.* hyperparameters from the config, tensors
// token_embd, blk.<i>.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up,
// ffn_down}, output_norm, in F32, no output.weight (tied). Matrices keep their row-major [out, in]
// bytes; GGUF lists that shape as [in, out]. Q and K are stored unpermuted: training already
// rotates adjacent pairs, which is what GGUF llama runs. The file is written atomically.
Status export_gguf(const ParamStore<float>& params, const std::string& path,
                   const GgufExportOptions& options);

}  // namespace glassbox::train
