// ModelConfig: a llama-family model's hyperparameters, read from GGUF metadata only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"

namespace glassbox::model {

enum class RopeStyle {
  kAdjacentPairs,  // rotate (x[2i], x[2i+1]): llama ("normal" rope)
  kNeox,           // rotate (x[i], x[i + rope_dim/2]): qwen2, qwen3 (GPT-NeoX style)
};

struct ModelConfig {
  std::string architecture;  // "llama", "qwen2", ...
  std::string name;          // general.name, when present
  int64_t d_model = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;    // per-head width of Q and K (attention.key_length, else d_model / n_heads)
  int64_t head_dim_v = 0;  // per-head width of V (attention.value_length, else head_dim)
  int64_t d_ff = 0;
  int64_t vocab_size = 0;
  int64_t ctx_train = 0;  // context_length the model was trained with
  float rms_eps = 1e-5f;

  RopeStyle rope_style = RopeStyle::kAdjacentPairs;
  int64_t rope_dim = 0;  // leading dimensions of each head that rotate (rope.dimension_count)
  float rope_theta = 10000.0f;
  // RoPE scaling (rope.scaling.*): "none", "linear" (positions / factor) or "llama3" (per-frequency factors).
  std::string rope_scaling = "none";
  float rope_scaling_factor = 1.0f;
  float rope_low_freq_factor = 1.0f;
  float rope_high_freq_factor = 4.0f;
  int64_t rope_original_ctx = 0;

  int64_t sliding_window = 0;  // 0: full causal attention; else a query sees the last `sliding_window` keys

  bool qkv_bias = false;  // Q/K/V projections carry biases (qwen2)
  bool qk_norm = false;   // per-head RMSNorm on Q and K before RoPE (qwen3)

  int64_t q_width() const { return n_heads * head_dim; }
  int64_t kv_width() const { return n_kv_heads * head_dim; }
  int64_t v_width() const { return n_kv_heads * head_dim_v; }
};

// Reads the architecture's hyperparameters. An unknown architecture is an error that lists the
// supported ones; a missing or inconsistent value is an error naming the key.
Result<ModelConfig> read_model_config(const gguf::GgufFile& file);

}  // namespace glassbox::model
