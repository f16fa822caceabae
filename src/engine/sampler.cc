// Sampling chain, in llama.cpp's default order: penalties, top-k, top-p, min-p, temperature, draw.
#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace glassbox::engine {

Status SamplingParams::validate() const {
  if (!(temperature >= 0) || !std::isfinite(temperature)) return invalid_argument("temperature must be >= 0");
  if (!(top_p > 0 && top_p <= 1)) return invalid_argument("top_p must be in (0, 1]");
  if (!(min_p >= 0 && min_p <= 1)) return invalid_argument("min_p must be in [0, 1]");
  if (!(repeat_penalty > 0)) return invalid_argument("repeat_penalty must be > 0");
  if (!std::isfinite(frequency_penalty) || !std::isfinite(presence_penalty)) {
    return invalid_argument("frequency and presence penalties must be finite");
  }
  if (penalty_last_n < -1) return invalid_argument("penalty_last_n must be >= -1");
  return ok_status();
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
  const int32_t vocab = static_cast<int32_t>(logits.size());
  work_.assign(logits.begin(), logits.end());

  // Penalties over the recent window.
  const bool penalize = params_.repeat_penalty != 1.0f || params_.frequency_penalty != 0.0f || params_.presence_penalty != 0.0f;
  if (penalize && !history.empty()) {
    size_t n = params_.penalty_last_n < 0 ? history.size() : std::min<size_t>(history.size(), params_.penalty_last_n);
    std::unordered_map<int32_t, int> counts;
    for (size_t i = history.size() - n; i < history.size(); ++i) counts[history[i]]++;
    for (const auto& [id, count] : counts) {
      if (id < 0 || id >= vocab) continue;
      float& l = work_[id];
      if (params_.repeat_penalty != 1.0f) l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
      l -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
    }
  }

  if (params_.temperature <= 0) {
    return static_cast<int32_t>(std::max_element(work_.begin(), work_.end()) - work_.begin());
  }

  // Candidates sorted by logit, cut by top-k.
  ids_.resize(static_cast<size_t>(vocab));
  for (int32_t i = 0; i < vocab; ++i) ids_[i] = i;
  size_t k = params_.top_k > 0 ? std::min<size_t>(params_.top_k, vocab) : vocab;
  auto by_logit = [&](int32_t a, int32_t b) { return work_[a] > work_[b] || (work_[a] == work_[b] && a < b); };
  std::partial_sort(ids_.begin(), ids_.begin() + k, ids_.end(), by_logit);
  ids_.resize(k);

  // Probabilities before temperature decide top-p and min-p (as llama.cpp's default chain does).
  std::vector<double> probs(k);
  const double max_logit = work_[ids_[0]];
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += probs[i] = std::exp(work_[ids_[i]] - max_logit);
  for (auto& p : probs) p /= sum;
  size_t keep = k;
  if (params_.top_p < 1.0f) {
    double cum = 0;
    for (size_t i = 0; i < k; ++i) {
      cum += probs[i];
      if (cum >= params_.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  if (params_.min_p > 0) {
    const double floor = params_.min_p * probs[0];
    size_t m = 1;
    while (m < keep && probs[m] >= floor) ++m;
    keep = m;
  }

  // Temperature on the survivors, then draw.
  std::vector<double> weights(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i) {
    total += weights[i] = std::exp((work_[ids_[i]] - max_logit) / params_.temperature);
  }
  std::uniform_real_distribution<double> unit(0.0, total);
  double r = unit(rng_);
  size_t last_positive = 0;
  for (size_t i = 0; i < keep; ++i) {
    if (weights[i] <= 0) continue;  // a -inf logit (masked by a constraint) is never drawn
    last_positive = i;
    r -= weights[i];
    if (r <= 0) return ids_[i];
  }
  return ids_[last_positive];  // rounding left r > 0: the last candidate that could be drawn
}

}  // namespace glassbox::engine
