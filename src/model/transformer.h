// Model (config + weights over a mapped GGUF file) and Context (the KV caches of one or more sequences and
// the forward pass that advances them, several sequences per weight pass).
#pragma once

#include <cstdint>
#include <initializer_list>
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
  int64_t n_ctx = 0;        // per sequence slot; 0: min(trained context, 4096)
  int n_threads = 0;        // 0: the machine's cores
  tensor::DType kv_dtype = tensor::DType::kF16;
  int64_t max_batch = 512;  // tokens per internal forward chunk of forward() (bounds scratch memory)
  int n_seq = 1;            // sequence slots, each with its own KV cache of n_ctx positions
  // forward_batch: from this many one-token chunks in a step, their rows go through the prompt kernels (gemm
  // over decoded weight panels) instead of the per-token generation kernels: faster from ~8 rows (bench
  // DecodeRows), but their logits then differ from a lone forward()'s in the last bits (~1e-4 relative).
  // 0: never, so a sequence's logits never depend on what shares its step.
  int64_t gemm_decode_rows = 8;
};

enum class LogitsMode { kLast, kAll, kNone };

// Tokens appended to one slot's sequence in a batched forward (at positions n_past(slot) ...).
struct SeqChunk {
  int slot = 0;
  std::span<const int32_t> tokens;
  LogitsMode logits = LogitsMode::kLast;  // which rows' logits this chunk wants
};

class Context {
 public:
  Context(std::shared_ptr<const Model> model, const ContextOptions& options);
  ~Context();

  // Appends `tokens` to slot 0's sequence (positions n_past() ...), running them as batches of max_batch.
  // kLast: logits of the last token [vocab]; kAll: every token's [n_tokens, vocab].
  // Errors: a token id outside the vocabulary, or the context overflowing.
  Status forward(std::span<const int32_t> tokens, LogitsMode mode, std::vector<float>* logits);

  // One step over several sequences: the rows of all chunks go through each weight matrix together (the
  // weights stream from memory once per step, whatever the number of sequences); norms and RoPE per row at
  // its own position; attention per chunk against its own slot's cache. At most one chunk per slot.
  // Rows of one-token chunks are computed exactly as a lone one-token forward() would compute them (the
  // generation kernels, per row; below options.gemm_decode_rows of them) and rows of longer chunks as a
  // forward() of that chunk would (the prompt kernels); so a sequence's logits do not depend on what else
  // shares the step.
  // logits: [rows, vocab], the chunks' requested rows (kLast: 1, kAll: all, kNone: 0) in chunk order.
  // Errors (nothing is computed): a bad slot or token id, a slot twice, a chunk overflowing its slot.
  // Observers are told only when the step has a single chunk. Cost: one weight pass per call (no splitting
  // by max_batch: the caller bounds the rows).
  Status forward_batch(std::span<const SeqChunk> chunks, std::vector<float>* logits);

  int n_seq() const { return static_cast<int>(caches_.size()); }
  int64_t n_past(int slot = 0) const { return n_past_[static_cast<size_t>(slot)]; }
  int64_t n_ctx() const { return caches_[0].n_ctx(); }  // per slot
  // Drops positions >= n (n <= n_past) of a slot: its next forward continues from position n.
  void truncate(int64_t n) { truncate(0, n); }
  void truncate(int slot, int64_t n);
  void reset() { truncate(0, 0); }

  // Attaches an observer for subsequent forward passes (nullptr detaches). Not owned.
  void set_observer(Observer* observer) { observer_ = observer; }
  ThreadPool& pool() { return pool_; }
  const Model& model() const { return *model_; }

 private:
  struct Step;
  Status check_chunks(std::span<const SeqChunk> chunks) const;
  void run_step(const Step& step, float* logits_out);
  void linear(std::initializer_list<Product> products, const float* x, int64_t cols, int64_t n_single, int64_t n_rows);
  void attention(int layer_idx, const Step& step, const float* q, float* out, float* pattern);
  void rope(float* x, int64_t n_tokens, int64_t n_heads, const int32_t* positions) const;
  void notify(SiteKind kind, int layer_idx, float* data, std::vector<int64_t> shape, const int32_t* positions,
              int64_t n_tokens);

  std::shared_ptr<const Model> model_;
  ContextOptions options_;
  std::vector<KvCache> caches_;  // [n_seq]
  ThreadPool pool_;
  std::vector<int64_t> n_past_;  // [n_seq]
  Observer* observer_ = nullptr;
  std::vector<float> inv_freq_;            // [rope_dim / 2] rotation speed per pair
  std::vector<std::string> site_names_;    // [n_layers * kinds + 2]
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace glassbox::model
