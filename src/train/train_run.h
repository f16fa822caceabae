// run_training: the whole training run behind `glassbox train` — batches from token shards, the
// schedule, periodic validation, atomic checkpoints with exact resume, and the final GGUF export.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tensor/dtype.h"
#include "train/comm.h"
#include "train/params.h"
#include "train/token_shard.h"

namespace glassbox::train {

struct TrainRunOptions {
  TrainConfig model;          // vocab_size is taken from the shards when 0
  int64_t batch = 8;          // sequences per micro-batch, each ctx + 1 tokens
  int64_t accum = 1;          // micro-batches per optimizer step
  int64_t tokens = 0;         // budget: steps = ceil(tokens / (batch · accum · ctx))
  double lr = 3e-3;           // peak
  double warmup_frac = 0.05;  // warm-up steps = min(steps, max(10, floor(warmup_frac · steps)))
  double min_lr_frac = 0.1;
  double weight_decay = 0.1;
  double beta1 = 0.9, beta2 = 0.95;
  double clip = 1.0;
  uint64_t seed = 1;
  int threads = 0;           // 0 = all cores (shared by the processes); results do not depend on it
  int64_t eval_every = 0;    // steps between validation passes; 0 = only at the end
  int64_t val_batches = 10;  // fixed random validation batches of batch × ctx tokens
  int64_t checkpoint_every = 0;  // steps between checkpoints; 0 = only at the end
  int64_t stop_after = 0;  // > 0: checkpoint and return after this step (a planned interruption)
  std::string out_dir;
  bool resume = false;  // require a checkpoint in out_dir (one is used anyway when present)
  std::string name;     // general.name of the exported model
  tensor::DType export_type = tensor::DType::kF32;  // model.gguf's matrices (see GgufExportOptions)
  // Data parallelism (not owned; null = one process). Each of the comm->size() processes runs
  // batch / size rows of every micro-batch (batch must divide evenly); gradients and losses are
  // averaged across processes before clipping, so the run equals the one-process run with the
  // same settings up to float summation order. Rank 0 alone reports progress and writes files.
  Comm* comm = nullptr;
};

struct StepReport {
  int64_t step = 0;   // 1-based, the step just taken
  int64_t steps = 0;  // total
  double loss = 0, lr = 0, grad_norm = 0;
  int64_t tokens = 0;              // trained so far (this run and earlier ones)
  double seconds = 0;              // wall time so far (this run and earlier ones)
  double tokens_per_s = 0;         // this process's rate
  std::optional<double> val_loss;  // when this step ran a validation pass
};

struct TrainResult {
  int64_t params = 0, steps = 0, tokens = 0, resumed_from = 0;
  double train_loss = 0;           // last step's loss
  std::optional<double> val_loss;  // none without validation shards
  double seconds = 0, tokens_per_s = 0;
  bool finished = false;  // false when stop_after ended the run early
  std::string model_path, checkpoint_path;
};

// Batches: step s (0-based) draws batch · accum sequences with a BatchSampler seeded from (seed,
// s), so a resumed run sees exactly the batches the uninterrupted run would have; validation uses
// val_batches fixed batches seeded from seed. Checkpoints go to out_dir/checkpoint.safetensors
// (temporary file + rename: an interrupted or failed write leaves the previous one intact; a
// failed write is an error naming the file) with the run's settings in the metadata; a checkpoint
// whose settings differ from `options` is an error naming the setting. Resuming continues
// bit-identically. At the end: out_dir/model.gguf with the tokenizer.* keys of `tokenizer` (may be
// null; when it lists tokenizer.ggml.tokens, their count must equal the shards' vocabulary, else an
// error before training: the shards were made with another tokenizer). `on_step` is called after every step (on the calling thread).
Result<TrainResult> run_training(const TrainRunOptions& options,
                                 const std::vector<const TokenShard*>& train_shards,
                                 const std::vector<const TokenShard*>& val_shards,
                                 const gguf::GgufFile* tokenizer,
                                 const std::function<void(const StepReport&)>& on_step);

// Steps and warm-up as run_training computes them.
int64_t steps_for(const TrainRunOptions& options);
int64_t warmup_steps_for(const TrainRunOptions& options, int64_t steps);

}  // namespace glassbox::train
