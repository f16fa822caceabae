// AdamW update, gradient clipping and the lr schedule.
#include "train/adamw.h"

#include <cmath>

namespace glassbox::train {

AdamW::AdamW(int64_t n_params, const AdamWOptions& options)
    : options_(options),
      m_(static_cast<size_t>(n_params), 0.0f),
      v_(static_cast<size_t>(n_params), 0.0f) {}

template <typename T>
void AdamW::step(T* params, const T* grads, double lr, ThreadPool* pool) {
  ++t_;
  const double b1 = options_.beta1, b2 = options_.beta2;
  const float decay = static_cast<float>(1.0 - lr * options_.weight_decay);
  const float step_size = static_cast<float>(lr / (1.0 - std::pow(b1, static_cast<double>(t_))));
  const float bias2_sqrt =
      static_cast<float>(std::sqrt(1.0 - std::pow(b2, static_cast<double>(t_))));
  const float eps = static_cast<float>(options_.eps);
  const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
  auto body = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float g = static_cast<float>(grads[i]);
      float p = static_cast<float>(params[i]) * decay;
      const float m = fb1 * m_[i] + (1.0f - fb1) * g;
      const float v = fb2 * v_[i] + (1.0f - fb2) * g * g;
      m_[i] = m;
      v_[i] = v;
      p -= step_size * m / (std::sqrt(v) / bias2_sqrt + eps);
      params[i] = static_cast<T>(p);
    }
  };
  const int64_t n = static_cast<int64_t>(m_.size());
  if (pool)
    pool->parallel_for(n, 1 << 14, body);
  else
    body(0, n);
}

template <typename T>
double clip_grad_norm(T* grads, int64_t n, double max_norm) {
  // Eight partial sums in a fixed order: vectorizable, and the same value on every run.
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int q = 0; q < 8; ++q)
      part[q] += static_cast<double>(grads[i + q]) * static_cast<double>(grads[i + q]);
  for (; i < n; ++i) part[0] += static_cast<double>(grads[i]) * static_cast<double>(grads[i]);
  const double sum =
      ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  const double total = std::sqrt(sum);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0) {
    const T c = static_cast<T>(coef);
    for (int64_t j = 0; j < n; ++j) grads[j] *= c;
  }
  return total;
}

double LrSchedule::lr(int64_t step) const {
  const double min_lr = min_lr_frac * peak_lr;
  if (step < warmup_steps)
    return peak_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (step >= total_steps) return min_lr;
  const double span = static_cast<double>(total_steps - warmup_steps);
  const double progress = span > 0 ? static_cast<double>(step - warmup_steps) / span : 1.0;
  return min_lr + (peak_lr - min_lr) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress));
}

template void AdamW::step<float>(float*, const float*, double, ThreadPool*);
template double clip_grad_norm<float>(float*, int64_t, double);
template double clip_grad_norm<double>(double*, int64_t, double);

}  // namespace glassbox::train
