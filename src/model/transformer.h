// Model (config + weights over a mapped GGUF file) and Context (one sequence's KV cache and forward pass).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/gguf_file.h"
#include "model/kv_cache.h"
#include "model/matmul.h"
#include "model/model_config.h"
#include "model/observer.h"
#include "model/weights.h"

namespace glassbox::model {

// Immutable after load; shared by any number of Contexts (thread-safe to read).
class Model {
 public:
  // Opens, validates and maps a GGUF model. Errors name the file and the offending key or tensor.
  static Result<std::shared_ptr<const Model>> load(const std::string& path);

  const ModelConfig& config() const { return config_; }
  const Weights& weights() const { return weights_; }
  const gguf::GgufFile& gguf() const { return *file_; }
  // Bytes of all weight tensors (what a full forward pass streams from memory).
  uint64_t weight_bytes() const;

 private:
  Model() = default;
  std::unique_ptr<gguf::GgufFile> file_;
  ModelConfig config_;
  Weights weights_;
};

struct ContextOptions {
  int64_t n_ctx = 0;        // 0: min(trained context, 4096)
  int n_threads = 0;        // 0: the machine's cores
  tensor::DType kv_dtype = tensor::DType::kF16;
  int64_t max_batch = 512;  // tokens per internal forward chunk (bounds scratch memory)
};

enum class LogitsMode { kLast, kAll, kNone };

class Context {
 public:
  Context(std::shared_ptr<const Model> model, const ContextOptions& options);
  ~Context();

  // Appends `tokens` to the sequence (positions n_past() ...), running them as batches.
  // kLast: logits of the last token [vocab]; kAll: every token's [n_tokens, vocab].
  // Errors: a token id outside the vocabulary, or the context overflowing.
  Status forward(std::span<const int32_t> tokens, LogitsMode mode, std::vector<float>* logits);

  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return cache_.n_ctx(); }
  // Drops positions >= n (n <= n_past): the next forward continues from position n.
  void truncate(int64_t n);
  void reset() { truncate(0); }

  // Attaches an observer for subsequent forward passes (nullptr detaches). Not owned.
  void set_observer(Observer* observer) { observer_ = observer; }
  ThreadPool& pool() { return pool_; }
  const Model& model() const { return *model_; }

 private:
  Status forward_chunk(std::span<const int32_t> tokens, bool want_logits, bool all_rows, float* logits_out);
  void attention(int layer_idx, int64_t n_tokens, const float* q, float* out, float* pattern);
  void rope(float* x, int64_t n_tokens, int64_t n_heads, const int32_t* positions) const;
  void notify(SiteKind kind, int layer_idx, float* data, std::vector<int64_t> shape, const int32_t* positions,
              int64_t n_tokens);

  std::shared_ptr<const Model> model_;
  ContextOptions options_;
  KvCache cache_;
  ThreadPool pool_;
  int64_t n_past_ = 0;
  Observer* observer_ = nullptr;
  std::vector<float> inv_freq_;            // [rope_dim / 2] rotation speed per pair
  std::vector<std::string> site_names_;    // [n_layers * kinds + 2]
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace glassbox::model
