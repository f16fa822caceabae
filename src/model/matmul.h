// Matrix products of a weight matrix in its stored type with float activations, over the thread pool.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "model/weights.h"
#include "tensor/dtype.h"

namespace glassbox::model {

// Activations [n_tokens, cols] converted once to the format a weight type's dot product consumes
// (activation_type()), so several matrices of one type can share them (Q, K, V; gate, up).
struct PreparedInput {
  tensor::DType dtype = tensor::DType::kF32;
  int64_t n_tokens = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
  std::vector<uint8_t> data;
  // Each token is multiplied exactly as a lone token would be (the generation path), so its result does not
  // depend on the other rows: true for one token, or when asked for (several sequences' decode rows in one
  // batched step). False: the prompt path (gemm over decoded weight panels) for 2+ tokens.
  bool per_token = false;
  // Per-token inputs when the table has int16 generation kernels, and prompt inputs when it has the int16
  // prompt product (KernelTable::gemm_i16) for the weight type: the rows as ActivationI16 blocks,
  // q16 [n_tokens, cols], scale16 [n_tokens, cols / 32], sum16 [n_tokens, cols / 16].
  bool has_i16 = false;
  std::vector<int16_t> q16;
  std::vector<float> scale16;
  std::vector<int32_t> sum16;

  const uint8_t* row(int64_t t) const { return data.data() + static_cast<size_t>(t) * row_bytes; }
  kernels::ActivationI16 i16_row(int64_t t) const {
    return {q16.data() + t * cols, scale16.data() + t * (cols / 32), sum16.data() + t * (cols / 16)};
  }
};

// The activation format the active kernel table multiplies weights of `weight_dtype` with.
tensor::DType activation_type(tensor::DType weight_dtype);

// Converts x [n_tokens, cols] for weights of type `weight_dtype`. Reuses `out`'s storage. `per_token`: see
// PreparedInput::per_token (always true for one token).
void prepare_input(tensor::DType weight_dtype, const float* x, int64_t n_tokens, int64_t cols, ThreadPool& pool,
                   PreparedInput* out, bool per_token = false);

// y[t, r] = dot(W[r, :], x[t, :]) for t < n_tokens, r < w.rows. y: [n_tokens, w.rows].
void matmul(const WeightMatrix& w, const PreparedInput& x, float* y, ThreadPool& pool);

// Several matrices that share one prepared input (Q, K, V; gate, up): one parallel job over all their rows
// when the input is per-token int16 (each weight row read once and dotted with every token), else one
// matmul each. outputs[i] receives W_i x ([n_tokens, rows_i]).
using Product = std::pair<const WeightMatrix*, float*>;
void matmul_group(std::span<const Product> products, const PreparedInput& x, ThreadPool& pool);
inline void matmul_group(std::initializer_list<Product> products, const PreparedInput& x, ThreadPool& pool) {
  matmul_group(std::span<const Product>(products.begin(), products.size()), x, pool);
}

// Convenience: prepare then multiply.
void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            PreparedInput* scratch, bool per_token = false);

// Decodes row r of W into dst [w.cols] (embedding lookup).
void dequantize_row(const WeightMatrix& w, int64_t r, float* dst);

}  // namespace glassbox::model
