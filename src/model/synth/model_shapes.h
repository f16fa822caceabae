// ModelShape: the named shapes of real models (and tiny test ones) that `glassbox synth` reproduces.
//
// A shape is every hyperparameter a GGUF file of that model carries, taken from the model's published
// config.json; the weights are not part of it. Read-only static data: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace glassbox::model::synth {

// Which synthetic vocabulary (synth_vocab.h) a shape gets: the tokenizer family of the real model.
enum class VocabKind {
  kLlamaSpm,   // SentencePiece BPE with byte fallback (Llama 1/2, TinyLlama): tokenizer.ggml.model "llama"
  kLlama3,     // byte-level BPE, pre "llama-bpe", 256 specials from id 128000
  kQwen2,      // byte-level BPE, pre "qwen2", specials from id 151643, padded with [PAD] tokens
  kQwen3,      // as kQwen2 plus Qwen3's <think> / <tool_response> tokens
  kSmolLm,     // byte-level BPE, pre "smollm", 17 specials at ids 0..16
};

// Llama 3.1+ "llama3" RoPE frequency scaling (config.json rope_scaling).
struct Llama3RopeScaling {
  float factor = 0;  // 0: no scaling
  float low_freq_factor = 0;
  float high_freq_factor = 0;
  int64_t original_context_length = 0;
};

struct ModelShape {
  std::string_view name;          // "tinyllama-1.1b"
  std::string_view architecture;  // GGUF general.architecture: "llama", "qwen2", "qwen3"
  int64_t d_model = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;  // may differ from d_model / n_heads (qwen3)
  int64_t d_ff = 0;
  int64_t vocab_size = 0;
  int64_t context_length = 0;
  float rope_theta = 0;
  float rms_eps = 0;
  bool tied_embeddings = false;  // no output.weight: the output projection reuses token_embd
  bool qkv_bias = false;         // attn_q/k/v.bias
  bool qk_norm = false;          // per-head RMSNorm of q and k: attn_q_norm / attn_k_norm [head_dim]
  VocabKind vocab = VocabKind::kLlamaSpm;
  Llama3RopeScaling rope_scaling;
  std::string_view source;  // where the numbers come from

  // Weights of the 2-D matrices and 1-D tensors together (what a GGUF of this shape holds).
  int64_t n_params() const;
};

// Every known shape, in a fixed order.
const std::vector<ModelShape>& model_shapes();
// The shape called `name`, or nullptr.
const ModelShape* find_model_shape(std::string_view name);
// "tiny, tinyllama-1.1b, ...": for error messages and --help.
std::string model_shape_names();

}  // namespace glassbox::model::synth
