// Embedder: a text's embedding as the mean over its positions of the final-norm hidden state, L2-normalised.
//
// Why this pooling: the models served are causal decoders without a trained pooling head; the mean of the last
// hidden layer (after the final RMSNorm, the vector the unembedding reads) is the usual training-free choice
// and weighs every token, where the last position alone is dominated by next-token prediction. Unit length
// makes a dot product the cosine similarity.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/status.h"
#include "model/transformer.h"

namespace glassbox::engine {

class Embedder {
 public:
  // Owns one Context of its own (options.n_ctx positions of KV cache) over the shared, immutable model.
  Embedder(std::shared_ptr<const model::Model> model, const model::ContextOptions& options);

  // [d_model] vector of L2 norm 1 for `tokens` (each text is embedded alone, from position 0). Errors: no
  // tokens, more than n_ctx() tokens, ids outside the vocabulary. Thread-safe: callers take turns.
  Result<std::vector<float>> embed(std::span<const int32_t> tokens);

  int64_t n_ctx() const { return n_ctx_; }
  int64_t dimensions() const { return d_model_; }

 private:
  std::mutex mutex_;
  model::Context context_;
  int64_t n_ctx_ = 0;
  int64_t d_model_ = 0;
};

}  // namespace glassbox::engine
