// The shape table: hyperparameters from each model's published config.json.
#include "model/synth/model_shapes.h"

namespace glassbox::model::synth {
namespace {

std::vector<ModelShape> build_table() {
  std::vector<ModelShape> t;
  ModelShape s;

  // Test shapes: seconds to write, every architecture feature between them.
  s = {};
  s.name = "tiny", s.architecture = "llama", s.source = "glassbox test shape";
  s.d_model = 64, s.n_layers = 2, s.n_heads = 4, s.n_kv_heads = 2, s.head_dim = 16, s.d_ff = 128;
  s.vocab_size = 512, s.context_length = 512, s.rope_theta = 10000.0f, s.rms_eps = 1e-5f;
  s.vocab = VocabKind::kLlamaSpm;
  t.push_back(s);

  s = {};
  s.name = "tiny-qwen2", s.architecture = "qwen2", s.source = "glassbox test shape";
  s.d_model = 64, s.n_layers = 2, s.n_heads = 4, s.n_kv_heads = 2, s.head_dim = 16, s.d_ff = 128;
  s.vocab_size = 512, s.context_length = 512, s.rope_theta = 1e6f, s.rms_eps = 1e-6f;
  s.tied_embeddings = true, s.qkv_bias = true, s.vocab = VocabKind::kQwen2;
  t.push_back(s);

  s = {};
  s.name = "tiny-qwen3", s.architecture = "qwen3", s.source = "glassbox test shape";
  s.d_model = 64, s.n_layers = 2, s.n_heads = 4, s.n_kv_heads = 2, s.head_dim = 32, s.d_ff = 192;
  s.vocab_size = 512, s.context_length = 512, s.rope_theta = 1e6f, s.rms_eps = 1e-6f;
  s.tied_embeddings = true, s.qk_norm = true, s.vocab = VocabKind::kQwen3;
  t.push_back(s);

  s = {};
  s.name = "tinyllama-1.1b", s.architecture = "llama", s.source = "TinyLlama/TinyLlama-1.1B-Chat-v1.0";
  s.d_model = 2048, s.n_layers = 22, s.n_heads = 32, s.n_kv_heads = 4, s.head_dim = 64, s.d_ff = 5632;
  s.vocab_size = 32000, s.context_length = 2048, s.rope_theta = 10000.0f, s.rms_eps = 1e-5f;
  s.vocab = VocabKind::kLlamaSpm;
  t.push_back(s);

  s = {};
  s.name = "llama-3.2-1b", s.architecture = "llama", s.source = "meta-llama/Llama-3.2-1B";
  s.d_model = 2048, s.n_layers = 16, s.n_heads = 32, s.n_kv_heads = 8, s.head_dim = 64, s.d_ff = 8192;
  s.vocab_size = 128256, s.context_length = 131072, s.rope_theta = 500000.0f, s.rms_eps = 1e-5f;
  s.tied_embeddings = true, s.vocab = VocabKind::kLlama3;
  s.rope_scaling = {32.0f, 1.0f, 4.0f, 8192};
  t.push_back(s);

  s = {};
  s.name = "qwen2.5-0.5b", s.architecture = "qwen2", s.source = "Qwen/Qwen2.5-0.5B";
  s.d_model = 896, s.n_layers = 24, s.n_heads = 14, s.n_kv_heads = 2, s.head_dim = 64, s.d_ff = 4864;
  s.vocab_size = 151936, s.context_length = 32768, s.rope_theta = 1e6f, s.rms_eps = 1e-6f;
  s.tied_embeddings = true, s.qkv_bias = true, s.vocab = VocabKind::kQwen2;
  t.push_back(s);

  s = {};
  s.name = "qwen3-0.6b", s.architecture = "qwen3", s.source = "Qwen/Qwen3-0.6B";
  s.d_model = 1024, s.n_layers = 28, s.n_heads = 16, s.n_kv_heads = 8, s.head_dim = 128, s.d_ff = 3072;
  s.vocab_size = 151936, s.context_length = 40960, s.rope_theta = 1e6f, s.rms_eps = 1e-6f;
  s.tied_embeddings = true, s.qk_norm = true, s.vocab = VocabKind::kQwen3;
  t.push_back(s);

  s = {};
  s.name = "smollm2-135m", s.architecture = "llama", s.source = "HuggingFaceTB/SmolLM2-135M";
  s.d_model = 576, s.n_layers = 30, s.n_heads = 9, s.n_kv_heads = 3, s.head_dim = 64, s.d_ff = 1536;
  s.vocab_size = 49152, s.context_length = 8192, s.rope_theta = 100000.0f, s.rms_eps = 1e-5f;
  s.tied_embeddings = true, s.vocab = VocabKind::kSmolLm;
  t.push_back(s);

  s = {};
  s.name = "smollm2-360m", s.architecture = "llama", s.source = "HuggingFaceTB/SmolLM2-360M";
  s.d_model = 960, s.n_layers = 32, s.n_heads = 15, s.n_kv_heads = 5, s.head_dim = 64, s.d_ff = 2560;
  s.vocab_size = 49152, s.context_length = 8192, s.rope_theta = 100000.0f, s.rms_eps = 1e-5f;
  s.tied_embeddings = true, s.vocab = VocabKind::kSmolLm;
  t.push_back(s);
  return t;
}

}  // namespace

int64_t ModelShape::n_params() const {
  const int64_t q_dim = n_heads * head_dim, kv_dim = n_kv_heads * head_dim;
  int64_t layer = 2 * d_model                          // attn_norm, ffn_norm
                  + d_model * (q_dim + 2 * kv_dim)     // attn_q, attn_k, attn_v
                  + q_dim * d_model                    // attn_output
                  + 3 * d_model * d_ff;                // ffn_gate, ffn_up, ffn_down
  if (qkv_bias) layer += q_dim + 2 * kv_dim;
  if (qk_norm) layer += 2 * head_dim;
  int64_t n = n_layers * layer + vocab_size * d_model + d_model;  // + token_embd, output_norm
  if (!tied_embeddings) n += vocab_size * d_model;
  if (rope_scaling.factor != 0) n += head_dim / 2;  // rope_freqs
  return n;
}

const std::vector<ModelShape>& model_shapes() {
  static const std::vector<ModelShape> table = build_table();
  return table;
}

const ModelShape* find_model_shape(std::string_view name) {
  for (const ModelShape& s : model_shapes()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string model_shape_names() {
  std::string out;
  for (const ModelShape& s : model_shapes()) {
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}

}  // namespace glassbox::model::synth
