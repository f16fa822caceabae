// KvCache storage and conversion.
#include "model/kv_cache.h"

#include <cstring>

#include "base/check.h"
#include "base/fp16.h"

namespace glassbox::model {

KvCache::KvCache(const ModelConfig& config, int64_t n_ctx, tensor::DType dtype)
    : n_ctx_(n_ctx), kv_width_(config.kv_width()), v_width_(config.v_width()), dtype_(dtype) {
  GB_CHECK(dtype == tensor::DType::kF16 || dtype == tensor::DType::kF32);
  elem_bytes_ = dtype == tensor::DType::kF16 ? 2 : 4;
  keys_.resize(static_cast<size_t>(config.n_layers * n_ctx * kv_width_) * elem_bytes_);
  values_.resize(static_cast<size_t>(config.n_layers * n_ctx * v_width_) * elem_bytes_);
}

const void* KvCache::key_row(int layer_idx, int64_t pos) const {
  return keys_.data() + (static_cast<size_t>(layer_idx * n_ctx_ + pos) * kv_width_) * elem_bytes_;
}

const void* KvCache::value_row(int layer_idx, int64_t pos) const {
  return values_.data() + (static_cast<size_t>(layer_idx * n_ctx_ + pos) * v_width_) * elem_bytes_;
}

namespace {
void put_row(void* dst, const float* src, int64_t n, tensor::DType dtype) {
  if (dtype == tensor::DType::kF32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * 4);
  } else {
    auto* d = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = fp32_to_fp16(src[i]);
  }
}
void get_row(const void* src, float* dst, int64_t n, tensor::DType dtype) {
  if (dtype == tensor::DType::kF32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * 4);
  } else {
    const auto* s = static_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(s[i]);
  }
}
}  // namespace

void KvCache::store(int layer_idx, int64_t pos, const float* key, const float* value) {
  GB_CHECK(pos >= 0 && pos < n_ctx_);
  put_row(const_cast<void*>(key_row(layer_idx, pos)), key, kv_width_, dtype_);
  put_row(const_cast<void*>(value_row(layer_idx, pos)), value, v_width_, dtype_);
}

void KvCache::load_key(int layer_idx, int64_t pos, float* dst) const {
  get_row(key_row(layer_idx, pos), dst, kv_width_, dtype_);
}

void KvCache::load_value(int layer_idx, int64_t pos, float* dst) const {
  get_row(value_row(layer_idx, pos), dst, v_width_, dtype_);
}

}  // namespace glassbox::model
