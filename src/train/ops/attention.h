// Causal softmax attention with grouped K/V heads (GQA); forward and backward.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace glassbox::train {

struct AttentionShape {
  int64_t batch = 0;
  int64_t seq_len = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads =
      0;  // divides n_heads; query head h reads K/V head h / (n_heads / n_kv_heads)
  int64_t head_dim = 0;
};

// q, out: [batch, seq_len, n_heads, head_dim]; k, v: [batch, seq_len, n_kv_heads, head_dim];
// probs: [batch, n_heads, seq_len, seq_len], the softmax saved for the backward (entries above the
// diagonal are 0). scores = q·kᵀ / sqrt(head_dim), masked to key ≤ query. Threads over (batch,
// head).
template <typename T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* probs,
                       const AttentionShape& s, ThreadPool* pool);

// dq, dk, dv are written (not accumulated). Threads over (batch, kv head), each task owning its
// dk/dv rows and the dq rows of its query heads, so sums run in a fixed order whatever the thread
// count.
template <typename T>
void attention_backward(const T* q, const T* k, const T* v, const T* probs, const T* dout, T* dq,
                        T* dk, T* dv, const AttentionShape& s, ThreadPool* pool);

}  // namespace glassbox::train
