// Attention of a step's query rows against each sequence's KV cache: causal (optionally sliding-window)
// grouped-query attention that reads the cache in place, tile by tile, with an online softmax.
//
// Per task the query rows of the heads that share a KV head are scored together: for each tile of kv
// positions the K and V rows are decoded to float once (the kernel table's dequantize_row of the cache
// dtype), scores for all those rows come from one product against the tile (gemm_f32_kmajor over K^T, or
// gemm_f32 over K for few rows), P V from gemm_f32_kmajor over V as stored, and a running max m, running sum
// l and output accumulator o are updated per row (Milakov & Gimelshein 2018,
// "Online normalizer calculation for softmax"; FlashAttention, Dao et al. 2022, Algorithm 1):
//   m' = max(m, max_j s_j),  p_j = exp(s_j - m'),  l' = l e^(m - m') + sum_j p_j,  o' = o e^(m - m') + P V.
// Scratch per thread is a few tiles (tens of KB), whatever the context length; the cache is never copied.
#pragma once

#include <cstdint>
#include <span>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "model/kv_cache.h"

namespace glassbox::model {

struct AttentionShape {
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;  // divides n_heads; query head h reads KV head h / (n_heads / n_kv_heads)
  int64_t head_dim = 0;    // of queries and keys
  int64_t head_dim_v = 0;  // of values and outputs
  int64_t sliding_window = 0;  // ModelConfig::sliding_window: 0 = full causal, else the last w positions
};

// One sequence's query rows within a step.
struct AttentionChunk {
  const KvCache* cache = nullptr;  // holds layer_idx's keys and values for positions [0, n_past + n_tokens)
  int64_t n_past = 0;              // query row t sits at position n_past + t
  int64_t n_tokens = 0;
  const float* q = nullptr;  // [n_tokens, n_heads * head_dim], RoPE applied
  float* out = nullptr;      // [n_tokens, n_heads * head_dim_v], written
};

// Row t of head h in chunk c attends to positions j in [lo, n_past + t] (lo = 0, or n_past + t - window + 1
// when sliding): out = softmax_j(q_h . k_j / sqrt(head_dim)) v_j; positions outside get exactly zero weight.
// All chunks' tasks run as one parallel job over `pool` (many one-token chunks cost one dispatch): chunks of
// more than two tokens as (KV head, tile of query rows) tasks; chunks of one or two tokens (decode) as tasks
// over every head and a segment of ~1024 positions, reading whole cache rows, merged at the end. A chunk's
// outputs depend only on the chunk and the cache (not on the thread count or on the other chunks).
// `table` supplies dequantize_row of the cache dtype, gemm_f32 and gemm_f32_kmajor (non-null).
// pattern (only with one chunk): if non-null, also writes the attention probabilities [n_heads, n_tokens,
// n_past + n_tokens], zero where masked, in a second parallel job that leaves the outputs unchanged.
// Thread-safety: reads the caches; writes only the chunks' out and pattern.
void attend(const AttentionShape& shape, int layer_idx, std::span<const AttentionChunk> chunks, ThreadPool& pool,
            const kernels::KernelTable& table, float* pattern = nullptr);

}  // namespace glassbox::model
