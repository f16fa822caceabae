// Parameter layout, initialisation and loading.
#include "train/params.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "train/safetensors.h"

namespace glassbox::train {

Status TrainConfig::validate() const {
  if (vocab_size <= 0 || d_model <= 0 || n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 ||
      d_ff <= 0 || ctx <= 0)
    return invalid_argument("train config: every dimension must be positive");
  if (d_model % n_heads != 0)
    return invalid_argument(
        str_format("train config: d_model %lld is not a multiple of n_heads %lld",
                   (long long)d_model, (long long)n_heads));
  if (n_heads % n_kv_heads != 0)
    return invalid_argument(
        str_format("train config: n_heads %lld is not a multiple of n_kv_heads %lld",
                   (long long)n_heads, (long long)n_kv_heads));
  if (head_dim() % 2 != 0)
    return invalid_argument(
        str_format("train config: head_dim %lld must be even for RoPE", (long long)head_dim()));
  if (!tied_embeddings)
    return unimplemented("train config: untied embeddings are not supported yet");
  return ok_status();
}

std::vector<ParamInfo> param_layout(const TrainConfig& c) {
  std::vector<ParamInfo> infos;
  int64_t offset = 0;
  auto add = [&](std::string name, std::vector<int64_t> shape) {
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    infos.push_back({std::move(name), std::move(shape), offset, numel});
    offset += numel;
  };
  const int64_t d = c.d_model, kv = c.n_kv_heads * c.head_dim(), ff = c.d_ff;
  add("emb.weight", {c.vocab_size, d});
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "blocks." + std::to_string(l) + ".";
    add(p + "attn_norm", {d});
    add(p + "q.weight", {d, d});
    add(p + "k.weight", {kv, d});
    add(p + "v.weight", {kv, d});
    add(p + "o.weight", {d, d});
    add(p + "ffn_norm", {d});
    add(p + "gate.weight", {ff, d});
    add(p + "up.weight", {ff, d});
    add(p + "down.weight", {d, ff});
  }
  add("out_norm", {d});
  return infos;
}

template <typename T>
ParamStore<T>::ParamStore(const TrainConfig& config)
    : config_(config), infos_(param_layout(config)) {
  const ParamInfo& last = infos_.back();
  values_.assign(static_cast<size_t>(last.offset + last.numel), T(0));
  grads_.assign(values_.size(), T(0));
}

template <typename T>
const ParamInfo* ParamStore<T>::find(const std::string& name) const {
  for (const auto& p : infos_)
    if (p.name == name) return &p;
  return nullptr;
}

template <typename T>
void ParamStore<T>::zero_grad() {
  std::fill(grads_.begin(), grads_.end(), T(0));
}

template <typename T>
void ParamStore<T>::init_random(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] {
    return (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  };
  const double kPi = 3.14159265358979323846;
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_layers));
  for (const auto& p : infos_) {
    T* v = value(p);
    if (p.shape.size() == 1) {
      std::fill(v, v + p.numel, T(1));
      continue;
    }
    const bool residual = p.name.ends_with(".o.weight") || p.name.ends_with(".down.weight");
    const double std_dev = residual ? residual_std : 0.02;
    // Box–Muller gives two independent normals per pair of uniforms.
    for (int64_t i = 0; i < p.numel; i += 2) {
      const double radius = std::sqrt(-2.0 * std::log(uniform()));
      const double angle = 2.0 * kPi * uniform();
      v[i] = static_cast<T>(radius * std::cos(angle) * std_dev);
      if (i + 1 < p.numel) v[i + 1] = static_cast<T>(radius * std::sin(angle) * std_dev);
    }
  }
}

template <typename T>
Status ParamStore<T>::load(const SafetensorsFile& file, const std::string& prefix) {
  for (const auto& p : infos_) {
    GB_ASSIGN_OR_RETURN(std::vector<float> data, file.read_f32(prefix + p.name, p.shape));
    std::copy(data.begin(), data.end(), value(p));
  }
  return ok_status();
}

template class ParamStore<float>;
template class ParamStore<double>;

}  // namespace glassbox::train
