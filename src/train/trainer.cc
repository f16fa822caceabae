// Trainer: the optimizer step.
#include "train/trainer.h"

namespace glassbox::train {

Trainer::Trainer(TrainModel<float>* model, const TrainerOptions& options, ThreadPool* pool)
    : model_(model),
      options_(options),
      pool_(pool),
      adamw_(model->params().size(), options.adamw) {}

Result<StepStats> Trainer::step(const int32_t* inputs, const int32_t* targets, int64_t accum_steps,
                                int64_t batch, int64_t seq_len) {
  if (accum_steps <= 0) return invalid_argument("trainer: accum_steps must be positive");
  ParamStore<float>& params = model_->params();
  params.zero_grad();
  StepStats stats;
  const int64_t micro = batch * seq_len;
  for (int64_t a = 0; a < accum_steps; ++a) {
    GB_ASSIGN_OR_RETURN(double loss,
                        model_->forward(inputs + a * micro, targets + a * micro, batch, seq_len));
    model_->backward(1.0f / static_cast<float>(accum_steps));
    stats.loss += loss / static_cast<double>(accum_steps);
  }
  if (options_.reduce) GB_RETURN_IF_ERROR(options_.reduce(params.grads(), params.size(), &stats.loss));
  stats.grad_norm = options_.clip_norm > 0
                        ? clip_grad_norm(params.grads(), params.size(), options_.clip_norm)
                        : clip_grad_norm(params.grads(), params.size(), 1e300);
  stats.lr = options_.schedule.lr(adamw_.steps_taken());
  adamw_.step(params.values(), params.grads(), stats.lr, pool_);
  return stats;
}

}  // namespace glassbox::train
