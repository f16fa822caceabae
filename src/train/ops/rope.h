// Rotary position embedding on adjacent pairs (2i, 2i+1), as GGUF llama runs it; forward and
// backward.
#pragma once

#include <cstdint>
#include <vector>

#include "base/thread_pool.h"

namespace glassbox::train {

// cos/sin of position p and pair i at [p * head_dim/2 + i]: angle = p · theta^(−2i/head_dim).
// The angles are computed in double and rounded once to T.
template <typename T>
struct RopeTable {
  int64_t head_dim = 0;
  std::vector<T> cos, sin;
  RopeTable() = default;
  RopeTable(int64_t n_positions, int64_t head_dim, double theta);
};

// x: [batch, seq_len, n_heads, head_dim], rotated in place; token (b, s) is at position s. pool may
// be null.
template <typename T>
void rope_forward(T* x, const RopeTable<T>& table, int64_t batch, int64_t seq_len, int64_t n_heads,
                  ThreadPool* pool);

// The rotation is orthogonal, so the backward applies its inverse (rotation by −angle) to dx in
// place.
template <typename T>
void rope_backward(T* dx, const RopeTable<T>& table, int64_t batch, int64_t seq_len,
                   int64_t n_heads, ThreadPool* pool);

}  // namespace glassbox::train
