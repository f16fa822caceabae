// Export of trained parameters as a llama GGUF that model::Model loads (F32, F16 or Q8_0 matrices).
#pragma once

#include <string>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tensor/dtype.h"
#include "train/params.h"

namespace glassbox::train {

struct GgufExportOptions {
  std::string name;  // general.name; empty: omitted
  // When set, every `tokenizer.*` metadata key is copied from this file (e.g. the corpus
  // tokenizer's GGUF).
  const gguf::GgufFile* tokenizer_source = nullptr;
  // Type of the matrices (token_embd and the per-layer projections): kF32, kF16 or kQ8_0. Norm
  // weights always stay F32. Q8_0 quantizes with the kernels' reference quantizer, rows in blocks of
  // 32; a matrix whose rows (its input dimension) are not a multiple of 32 stays F32.
  tensor::DType matrix_type = tensor::DType::kF32;
};

// Parses "f32", "f16", "q8_0" (case-insensitive) for --export-type.
Result<tensor::DType> parse_export_type(const std::string& name);

// Writes `params` as GGUF architecture "llama": llama.* hyperparameters from the config, tensors
// token_embd, blk.<i>.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up,
// ffn_down}, output_norm (norms F32, matrices in options.matrix_type), no output.weight (tied). Matrices keep their row-major [out, in]
// bytes; GGUF lists that shape as [in, out]. Q and K are stored unpermuted: training already
// rotates adjacent pairs, which is what GGUF llama runs. The file is written atomically.
Status export_gguf(const ParamStore<float>& params, const std::string& path,
                   const GgufExportOptions& options);

}  // namespace glassbox::train
