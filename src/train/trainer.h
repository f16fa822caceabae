// Trainer: one optimizer step = gradient accumulation over micro-batches, global-norm clipping, the
// lr schedule and AdamW, over a TrainModel<float>.
#pragma once

#include <cstdint>
#include <functional>

#include "base/status.h"
#include "base/thread_pool.h"
#include "train/adamw.h"
#include "train/train_model.h"

namespace glassbox::train {

struct TrainerOptions {
  AdamWOptions adamw;  // adamw.lr is unused: the schedule gives the lr of each step
  LrSchedule schedule;
  double clip_norm = 1.0;  // <= 0: no clipping
  // When set, called after the micro-batches' backward passes and before clipping with the
  // gradient buffer and the step's mean loss: data-parallel training averages both across
  // processes here. An error stops the step before the parameters change.
  std::function<Status(float* grads, int64_t n, double* loss)> reduce;
};

struct StepStats {
  double loss = 0;       // mean over the step's micro-batches, before the update
  double grad_norm = 0;  // global L2 norm before clipping
  double lr = 0;
};

class Trainer {
 public:
  // `model` and `pool` are borrowed and must outlive the Trainer.
  Trainer(TrainModel<float>* model, const TrainerOptions& options, ThreadPool* pool);

  // inputs, targets: [accum_steps, batch, seq_len]. The gradient is the mean over all accum_steps ·
  // batch · seq_len tokens (each micro-batch's backward is scaled by 1 / accum_steps). Errors from
  // the model's forward (a bad token, seq_len > ctx) leave the parameters unchanged.
  Result<StepStats> step(const int32_t* inputs, const int32_t* targets, int64_t accum_steps,
                         int64_t batch, int64_t seq_len);

  int64_t steps_taken() const { return adamw_.steps_taken(); }
  AdamW& adamw() { return adamw_; }

 private:
  TrainModel<float>* model_;
  TrainerOptions options_;
  ThreadPool* pool_;
  AdamW adamw_;
};

}  // namespace glassbox::train
