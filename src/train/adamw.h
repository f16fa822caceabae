// AdamW (torch.optim.AdamW semantics), global-norm gradient clipping, and the warm-up + cosine lr
// schedule.
#pragma once

#include <cstdint>
#include <vector>

#include "base/thread_pool.h"

namespace glassbox::train {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;  // decoupled, applied to every parameter (torch.optim.AdamW's default)
};

// Loshchilov & Hutter 2019, as torch.optim.AdamW (foreach=False) computes it at step t = 1, 2, …:
//   p ← p · (1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//   p ← p − (lr / (1−β1^t)) · m / (sqrt(v) / sqrt(1−β2^t) + eps)
// State m, v: one flat buffer each, the size of the parameters. Elementwise, so thread-count
// independent.
class AdamW {
 public:
  AdamW(int64_t n_params, const AdamWOptions& options);

  // One update of params[n] from grads[n]; `lr` overrides options.lr (pass the schedule's value).
  template <typename T>
  void step(T* params, const T* grads, double lr, ThreadPool* pool);

  int64_t steps_taken() const { return t_; }
  const AdamWOptions& options() const { return options_; }
  // First and second moments, in the parameters' flat layout (for checkpoints).
  std::vector<float>& m() { return m_; }
  std::vector<float>& v() { return v_; }
  const std::vector<float>& m() const { return m_; }
  const std::vector<float>& v() const { return v_; }
  void set_steps_taken(int64_t t) { t_ = t; }

 private:
  AdamWOptions options_;
  int64_t t_ = 0;
  std::vector<float> m_, v_;
};

// torch.nn.utils.clip_grad_norm_(max_norm, norm_type=2): total = ‖grads‖₂ over all parameters
// (summed in double, in a fixed order); when max_norm / (total + 1e-6) < 1 every gradient is
// multiplied by it. Returns total.
template <typename T>
double clip_grad_norm(T* grads, int64_t n, double max_norm);

// Linear warm-up then cosine decay (0-based step), with min = min_lr_frac · peak:
//   step < warmup:           peak · (step + 1) / warmup
//   warmup <= step < total:  min + (peak − min) · ½(1 + cos(π · (step − warmup) / (total − warmup)))
//   step >= total:           min
struct LrSchedule {
  double peak_lr = 1e-3;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  double min_lr_frac = 0.1;
  double lr(int64_t step) const;
};

}  // namespace glassbox::train
