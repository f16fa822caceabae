// KvCache: per-layer keys and values of one sequence, F16 by default, indexed by absolute position.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model_config.h"
#include "tensor/dtype.h"

namespace glassbox::model {

class KvCache {
 public:
  // dtype: kF16 (default) or kF32.
  KvCache(const ModelConfig& config, int64_t n_ctx, tensor::DType dtype = tensor::DType::kF16);

  int64_t n_ctx() const { return n_ctx_; }
  tensor::DType dtype() const { return dtype_; }
  int64_t kv_width() const { return kv_width_; }
  int64_t v_width() const { return v_width_; }

  // Stores one position's key row [kv_width] / value row [v_width] of a layer.
  void store(int layer_idx, int64_t pos, const float* key, const float* value);
  // Reads back key/value rows as float (dst: [kv_width] / [v_width]).
  void load_key(int layer_idx, int64_t pos, float* dst) const;
  void load_value(int layer_idx, int64_t pos, float* dst) const;
  // Raw row pointers (dtype-typed) for kernels that read the cache in place.
  const void* key_row(int layer_idx, int64_t pos) const;
  const void* value_row(int layer_idx, int64_t pos) const;

  size_t bytes() const { return keys_.size() + values_.size(); }

 private:
  int64_t n_ctx_;
  int64_t kv_width_;
  int64_t v_width_;
  tensor::DType dtype_;
  size_t elem_bytes_;
  std::vector<uint8_t> keys_;    // [n_layers][n_ctx][kv_width]
  std::vector<uint8_t> values_;  // [n_layers][n_ctx][v_width]
};

}  // namespace glassbox::model
