// Cross-entropy: log p(target) = logit[target] − (max + log Σ exp(logit − max)).
#include "train/ops/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/vec_exp.h"

namespace glassbox::train {

template <typename T>
double cross_entropy_forward(const T* logits, const int32_t* targets, T* lse, int64_t n_tokens,
                             int64_t vocab, ThreadPool* pool) {
  std::vector<double> losses(n_tokens);
  auto body = [&](int64_t t0, int64_t t1) {
    std::vector<T> e(vocab);
    for (int64_t t = t0; t < t1; ++t) {
      const T* row = logits + t * vocab;
      // Eight lanes of max and of double partial sums, combined in a fixed order: vectorizable, and
      // the same result whatever the thread count (max is exact in any order).
      T lane_max[8];
      for (int q = 0; q < 8; ++q) lane_max[q] = row[0];
      int64_t j = 0;
      for (; j + 8 <= vocab; j += 8)
        for (int q = 0; q < 8; ++q) lane_max[q] = std::max(lane_max[q], row[j + q]);
      for (; j < vocab; ++j) lane_max[0] = std::max(lane_max[0], row[j]);
      T mx = lane_max[0];
      for (int q = 1; q < 8; ++q) mx = std::max(mx, lane_max[q]);
      for (j = 0; j < vocab; ++j) e[j] = row[j] - mx;
      exp_inplace(e.data(), vocab);
      double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (j = 0; j + 8 <= vocab; j += 8)
        for (int q = 0; q < 8; ++q) part[q] += static_cast<double>(e[j + q]);
      for (; j < vocab; ++j) part[0] += static_cast<double>(e[j]);
      const double sum =
          ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
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
      for (int64_t j = 0; j < vocab; ++j) row[j] -= l;
      exp_inplace(row, vocab);
      for (int64_t j = 0; j < vocab; ++j) row[j] *= scale;
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
