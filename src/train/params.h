// The trainable llama model's config and its parameters: one flat value buffer and one flat
// gradient buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::train {

class SafetensorsFile;

// Shapes follow docs/glossary.md; head_dim = d_model / n_heads.
struct TrainConfig {
  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t d_ff = 0;
  int64_t ctx = 0;  // the longest sequence a batch may hold
  double rope_theta = 10000.0;
  double rms_eps = 1e-5;
  bool tied_embeddings = true;  // logits = x · embᵀ; untied models are not supported yet

  int64_t head_dim() const { return n_heads > 0 ? d_model / n_heads : 0; }
  // Errors when a dimension is non-positive or heads do not divide evenly.
  Status validate() const;
};

// One tensor inside the flat buffers, named as the PyTorch reference names it (emb.weight,
// blocks.<i>.q.weight,
// ... out_norm). Linear weights are [out, in].
struct ParamInfo {
  std::string name;
  std::vector<int64_t> shape;
  int64_t offset = 0;  // elements from the start of the flat buffer
  int64_t numel = 0;
};

// Per layer: attn_norm [d], q [d, d], k [kv, d], v [kv, d], o [d, d], ffn_norm [d], gate [ff, d],
// up [ff, d], down [d, ff] (kv = n_kv_heads · head_dim); emb.weight [vocab, d] first, out_norm [d]
// last.
std::vector<ParamInfo> param_layout(const TrainConfig& config);

// Layer tensor indices within a layout's per-layer run of 9.
enum class LayerParam { kAttnNorm = 0, kQ, kK, kV, kO, kFfnNorm, kGate, kUp, kDown, kCount };

// Values and gradients (same layout, same length). Not thread-safe to mutate.
template <typename T>
class ParamStore {
 public:
  ParamStore() = default;
  explicit ParamStore(const TrainConfig& config);

  const TrainConfig& config() const { return config_; }
  const std::vector<ParamInfo>& infos() const { return infos_; }
  int64_t size() const { return static_cast<int64_t>(values_.size()); }
  // nullptr when absent.
  const ParamInfo* find(const std::string& name) const;

  T* values() { return values_.data(); }
  const T* values() const { return values_.data(); }
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }
  T* value(const ParamInfo& p) { return values_.data() + p.offset; }
  const T* value(const ParamInfo& p) const { return values_.data() + p.offset; }
  T* grad(const ParamInfo& p) { return grads_.data() + p.offset; }
  const T* grad(const ParamInfo& p) const { return grads_.data() + p.offset; }
  const ParamInfo& emb() const { return infos_.front(); }
  const ParamInfo& out_norm() const { return infos_.back(); }
  const ParamInfo& layer(int64_t layer_idx, LayerParam which) const {
    return infos_[1 + layer_idx * static_cast<int64_t>(LayerParam::kCount) +
                  static_cast<int64_t>(which)];
  }

  void zero_grad();
  // Norms = 1; other weights N(0, 0.02), with o and down N(0, 0.02 / sqrt(2 · n_layers)) (GPT-2
  // residual scaling). mt19937_64 seeded with `seed` and a Box–Muller transform in double: the same
  // seed gives the same weights.
  void init_random(uint64_t seed);
  // Loads every parameter from F32 tensors named `prefix + name`, checking shapes. Errors name the
  // tensor.
  Status load(const SafetensorsFile& file, const std::string& prefix);

 private:
  TrainConfig config_;
  std::vector<ParamInfo> infos_;
  std::vector<T> values_;
  std::vector<T> grads_;
};

}  // namespace glassbox::train
