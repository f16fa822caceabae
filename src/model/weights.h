// Weights: views of a model's tensors inside the memory-mapped GGUF file, checked against the config.
//
// Matrices stay in their on-disk type and are read in place (zero copy); small vectors (norm weights,
// biases) are decoded to float at load.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "tensor/dtype.h"

namespace glassbox::model {

// A [rows, cols] matrix of `dtype`, row-major (GGUF shape {cols, rows}); y = W x maps cols -> rows.
struct WeightMatrix {
  std::string name;
  tensor::DType dtype = tensor::DType::kF32;
  const uint8_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;

  bool present() const { return data != nullptr; }
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

struct LayerWeights {
  std::vector<float> attn_norm;            // [d_model]
  WeightMatrix wq, wk, wv, wo;             // [q_width, d_model], [kv_width, d_model] x2, [d_model, n_heads*head_dim_v]
  std::vector<float> bq, bk, bv;           // biases (qkv_bias only)
  std::vector<float> q_norm, k_norm;       // [head_dim] (qk_norm only)
  std::vector<float> ffn_norm;             // [d_model]
  WeightMatrix w_gate, w_up, w_down;       // [d_ff, d_model] x2, [d_model, d_ff]
};

struct Weights {
  WeightMatrix token_embd;   // [vocab_size, d_model]
  WeightMatrix output;       // [vocab_size, d_model]; token_embd when tied
  std::vector<float> output_norm;
  std::vector<float> rope_freq_factors;  // [rope_dim / 2] from rope_freqs.weight, empty when absent
  std::vector<LayerWeights> layers;
};

// Finds and checks every tensor the config needs. Errors name the tensor and the expected shape/type.
// May update config->vocab_size from the embedding's shape.
Result<Weights> load_weights(const gguf::GgufFile& file, ModelConfig* config);

}  // namespace glassbox::model
