// Sampler: picks the next token from logits: penalties, then greedy or top-k / top-p / min-p / temperature.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "base/status.h"

namespace glassbox::engine {

struct SamplingParams {
  float temperature = 0.8f;       // <= 0: greedy (argmax after penalties)
  int32_t top_k = 40;             // <= 0: off
  float top_p = 0.95f;            // >= 1: off
  float min_p = 0.05f;            // <= 0: off; keeps tokens with p >= min_p * p_max
  float repeat_penalty = 1.0f;    // 1: off; divides positive / multiplies negative logits of recent tokens
  float frequency_penalty = 0.0f; // subtracts count * f from recent tokens' logits
  float presence_penalty = 0.0f;  // subtracts p once from every recent token's logit
  int32_t penalty_last_n = 64;    // window of recent tokens the penalties look at (-1: all)
  uint64_t seed = 0;              // same seed + same logits => same choices

  // An error names the parameter and its valid range.
  Status validate() const;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // Chooses a token from `logits` [vocab]; `history` is the sequence so far (prompt and generated).
  int32_t sample(std::span<const float> logits, std::span<const int32_t> history);

  const SamplingParams& params() const { return params_; }

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<float> work_;
  std::vector<int32_t> ids_;
};

}  // namespace glassbox::engine
