// Cross-entropy: log p(target) = logit[target] − (max + log Σ exp(logit − max)).
#include "train/ops/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace glassbox::train {

template <typename T>
double cross_entropy_forward(const T* logits, const int32_t* targets, T* lse, int64_t n_tokens,
                             int64_t vocab, ThreadPool* pool) {
  std::vector<double> losses(n_tokens);
  auto body = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const T* row = logits + t * vocab;
      T mx = row[0];
      for (int64_t j = 1; j < vocab; ++j) mx = std::max(mx, row[j]);
      double sum = 0;
      for (int64_t j = 0; j < vocab; ++j) sum += static_cast<double>(std::exp(row[j] - mx));
      const double l = static_cast<double>(mx) + std::log(sum);
      lse[t] = static_cast<T>(l);
      losses[t] = l - static_cast<double>(row[targets[t]]);
    }
  };
  if (pool)
    pool->parallel_for(n_tokens, 4, body);
  else
    body(0, n_tokens);
  double total = 0;
  for (double l : losses) total += l;
  return n_tokens > 0 ? total / static_cast<double>(n_tokens) : 0.0;
}

template <typename T>
void cross_entropy_backward(T* logits, const int32_t* targets, const T* lse, int64_t n_tokens,
                            int64_t vocab, T loss_scale, ThreadPool* pool) {
  const T scale = loss_scale / static_cast<T>(n_tokens);
  auto body = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      T* row = logits + t * vocab;
      const T l = lse[t];
      for (int64_t j = 0; j < vocab; ++j) row[j] = std::exp(row[j] - l) * scale;
      row[targets[t]] -= scale;
    }
  };
  if (pool)
    pool->parallel_for(n_tokens, 4, body);
  else
    body(0, n_tokens);
}

template double cross_entropy_forward<float>(const float*, const int32_t*, float*, int64_t, int64_t,
                                             ThreadPool*);
template double cross_entropy_forward<double>(const double*, const int32_t*, double*, int64_t,
                                              int64_t, ThreadPool*);
template void cross_entropy_backward<float>(float*, const int32_t*, const float*, int64_t, int64_t,
                                            float, ThreadPool*);
template void cross_entropy_backward<double>(double*, const int32_t*, const double*, int64_t,
                                             int64_t, double, ThreadPool*);

}  // namespace glassbox::train
