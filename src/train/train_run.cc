// run_training: the loop, validation, checkpoints and export.
#include "train/train_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "base/thread_pool.h"
#include "train/checkpoint.h"
#include "train/gguf_export.h"
#include "train/trainer.h"

namespace glassbox::train {
namespace fs = std::filesystem;
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t step_seed(uint64_t seed, int64_t step) {
  return splitmix64(seed ^ splitmix64(static_cast<uint64_t>(step) + 1));
}

std::string num(double v) { return str_format("%.17g", v); }

// Every setting that changes the result; a checkpoint must match all of them to be resumed.
std::map<std::string, std::string> run_settings(const TrainRunOptions& o, int64_t steps,
                                                int64_t data_tokens) {
  return {{"run.data_tokens", std::to_string(data_tokens)},
          {"run.batch", std::to_string(o.batch)},
          {"run.accum", std::to_string(o.accum)},
          {"run.steps", std::to_string(steps)},
          {"run.lr", num(o.lr)},
          {"run.warmup_frac", num(o.warmup_frac)},
          {"run.min_lr_frac", num(o.min_lr_frac)},
          {"run.weight_decay", num(o.weight_decay)},
          {"run.beta1", num(o.beta1)},
          {"run.beta2", num(o.beta2)},
          {"run.clip", num(o.clip)},
          {"run.seed", std::to_string(o.seed)}};
}

double elapsed_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int64_t steps_for(const TrainRunOptions& o) {
  const int64_t per_step = o.batch * o.accum * o.model.ctx;
  if (per_step <= 0) return 0;
  return std::max<int64_t>(1, (o.tokens + per_step - 1) / per_step);
}

int64_t warmup_steps_for(const TrainRunOptions& o, int64_t steps) {
  const int64_t w = std::max<int64_t>(10, static_cast<int64_t>(std::floor(o.warmup_frac * steps)));
  return std::min(w, steps);
}

Result<TrainResult> run_training(const TrainRunOptions& options,
                                 const std::vector<const TokenShard*>& train_shards,
                                 const std::vector<const TokenShard*>& val_shards,
                                 const gguf::GgufFile* tokenizer,
                                 const std::function<void(const StepReport&)>& on_step) {
  TrainRunOptions o = options;
  if (train_shards.empty()) return invalid_argument("train: no training shards");
  const int64_t shard_vocab = train_shards.front()->vocab_size();
  if (o.model.vocab_size == 0) o.model.vocab_size = shard_vocab;
  if (o.model.vocab_size < shard_vocab)
    return invalid_argument(
        str_format("train: the model's vocabulary (%lld) is smaller than the "
                   "shards' (%lld)",
                   (long long)o.model.vocab_size, (long long)shard_vocab));
  if (o.batch <= 0 || o.accum <= 0)
    return invalid_argument("train: --batch and --accum must be positive");
  if (o.tokens <= 0) return invalid_argument("train: --tokens must be positive");
  if (!(o.lr > 0)) return invalid_argument("train: --lr must be positive");
  if (!(o.clip >= 0)) return invalid_argument("train: --clip must be >= 0");
  if (o.out_dir.empty()) return invalid_argument("train: --out is required");
  GB_RETURN_IF_ERROR(o.model.validate());
  if (tokenizer) {
    if (const gguf::Value* tokens = tokenizer->find("tokenizer.ggml.tokens");
        tokens && static_cast<int64_t>(tokens->count) != shard_vocab)
      return invalid_argument(str_format(
          "train: the tokenizer has %llu tokens but the shards were made with a vocabulary of %lld: "
          "they come from different tokenizers (run `glassbox data prepare` again with the "
          "tokenizer you mean to use)",
          (unsigned long long)tokens->count, (long long)shard_vocab));
  }

  const int64_t steps = steps_for(o);
  const int64_t seq = o.model.ctx;
  const int64_t micro_tokens = o.batch * seq;
  const int64_t step_tokens = micro_tokens * o.accum;
  const int world = o.comm ? o.comm->size() : 1;
  const int rank = o.comm ? o.comm->rank() : 0;
  if (o.batch % world != 0)
    return invalid_argument(str_format(
        "train: --batch %lld does not split evenly over %d processes", (long long)o.batch, world));
  const int64_t local_batch = o.batch / world;
  const int64_t local_micro = local_batch * seq;

  // Fail on unusable data before any work.
  GB_RETURN_IF_ERROR(BatchSampler::create(train_shards, seq, o.seed).status());
  std::vector<int32_t> val_in, val_tgt;
  if (!val_shards.empty()) {
    for (const TokenShard* s : val_shards)
      if (s->vocab_size() != shard_vocab)
        return invalid_argument(
            "train: validation and training shards have different vocabularies");
    auto vs = BatchSampler::create(val_shards, seq, splitmix64(o.seed ^ 0x76616c6964ull));
    if (!vs.ok()) return invalid_argument("train: validation shards: " + vs.status().message());
    val_in.resize(o.val_batches * micro_tokens);
    val_tgt.resize(val_in.size());
    for (int64_t b = 0; b < o.val_batches; ++b)
      vs->next(o.batch, val_in.data() + b * micro_tokens, val_tgt.data() + b * micro_tokens);
  }

  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return io_error("train: cannot create '" + o.out_dir + "': " + ec.message());
  const std::string ckpt = (fs::path(o.out_dir) / "checkpoint.safetensors").string();

  ThreadPool pool(o.threads > 0 ? o.threads : std::max(1, ThreadPool::hardware_threads() / world));
  GB_ASSIGN_OR_RETURN(TrainModel<float> model, TrainModel<float>::create(o.model, &pool));
  model.params().init_random(o.seed);
  TrainerOptions topt;
  topt.adamw.beta1 = o.beta1;
  topt.adamw.beta2 = o.beta2;
  topt.adamw.weight_decay = o.weight_decay;
  topt.schedule = {o.lr, warmup_steps_for(o, steps), steps, o.min_lr_frac};
  topt.clip_norm = o.clip;
  if (world > 1) {
    topt.reduce = [&o, world](float* grads, int64_t n, double* loss) -> Status {
      GB_RETURN_IF_ERROR(o.comm->all_reduce_sum(grads, n));
      const float inv = 1.0f / static_cast<float>(world);
      for (int64_t i = 0; i < n; ++i) grads[i] *= inv;
      GB_RETURN_IF_ERROR(o.comm->all_reduce_sum(loss, 1));
      *loss /= world;
      return ok_status();
    };
  }
  Trainer trainer(&model, topt, &pool);

  int64_t data_tokens = 0;  // a different corpus is a different run
  for (const TokenShard* s : train_shards) data_tokens += s->n_tokens();
  const auto settings = run_settings(o, steps, data_tokens);
  TrainResult result;
  result.params = model.params().size();
  result.steps = steps;
  result.checkpoint_path = ckpt;
  double seconds_before = 0;
  if (fs::exists(ckpt, ec)) {
    std::map<std::string, std::string> meta;
    Status s = load_checkpoint(ckpt, &model.params(), &trainer.adamw(), &meta);
    if (!s.ok())
      return invalid_argument(s.message() +
                              " (use another --out, or delete the checkpoint to start over)");
    for (const auto& [key, value] : settings) {
      auto it = meta.find(key);
      if (it == meta.end() || it->second != value)
        return invalid_argument(str_format(
            "train: checkpoint '%s' was made with %s = %s, this run asks for %s (use another "
            "--out, or the same settings to resume)",
            ckpt.c_str(), key.c_str() + 4, it == meta.end() ? "(missing)" : it->second.c_str(),
            value.c_str()));
    }
    if (auto it = meta.find("run.seconds"); it != meta.end())
      seconds_before = std::atof(it->second.c_str());
    if (auto it = meta.find("run.train_loss"); it != meta.end())
      result.train_loss = std::atof(it->second.c_str());
    result.resumed_from = trainer.steps_taken();
  } else if (o.resume) {
    return not_found("train: --resume: no checkpoint at '" + ckpt + "'");
  }

  // Each process evaluates its rows of every validation batch; the mean of the per-process means
  // is the global mean (equal row counts).
  auto evaluate = [&]() -> Result<double> {
    double sum = 0;
    const int64_t off = rank * local_micro;
    for (int64_t b = 0; b < o.val_batches; ++b) {
      GB_ASSIGN_OR_RETURN(double l,
                          model.forward(val_in.data() + b * micro_tokens + off,
                                        val_tgt.data() + b * micro_tokens + off, local_batch, seq));
      sum += l;
    }
    if (o.comm && world > 1) {
      GB_RETURN_IF_ERROR(o.comm->all_reduce_sum(&sum, 1));
      sum /= world;
    }
    return sum / static_cast<double>(o.val_batches);
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto save = [&](int64_t step) -> Status {
    std::map<std::string, std::string> extra = settings;
    extra["run.seconds"] = num(seconds_before + elapsed_since(t0));
    extra["run.train_loss"] = num(result.train_loss);
    Status s = save_checkpoint(ckpt, model.params(), trainer.adamw(), extra);
    if (!s.ok())
      return Status(s.code(), str_format("train: writing the checkpoint at step %lld failed (the "
                                         "previous checkpoint, if any, is kept): %s",
                                         (long long)step, s.message().c_str()));
    return ok_status();
  };

  std::vector<int32_t> in(step_tokens), tgt(step_tokens);
  std::vector<int32_t> local_in(local_micro * o.accum), local_tgt(local_micro * o.accum);
  int64_t step = trainer.steps_taken();
  const int64_t first_step = step;
  while (step < steps) {
    GB_ASSIGN_OR_RETURN(BatchSampler sampler,
                        BatchSampler::create(train_shards, seq, step_seed(o.seed, step)));
    for (int64_t a = 0; a < o.accum; ++a)
      sampler.next(o.batch, in.data() + a * micro_tokens, tgt.data() + a * micro_tokens);
    // Every process draws the whole step's batch and keeps its rows of each micro-batch.
    for (int64_t a = 0; a < o.accum; ++a) {
      std::copy_n(in.data() + a * micro_tokens + rank * local_micro, local_micro,
                  local_in.data() + a * local_micro);
      std::copy_n(tgt.data() + a * micro_tokens + rank * local_micro, local_micro,
                  local_tgt.data() + a * local_micro);
    }
    GB_ASSIGN_OR_RETURN(StepStats st,
                        trainer.step(local_in.data(), local_tgt.data(), o.accum, local_batch, seq));
    ++step;
    if (!std::isfinite(st.loss))
      return internal_error(str_format("train: loss is %g at step %lld (diverged; lower --lr?)",
                                       st.loss, (long long)step));
    result.train_loss = st.loss;
    StepReport r;
    r.step = step;
    r.steps = steps;
    r.loss = st.loss;
    r.lr = st.lr;
    r.grad_norm = st.grad_norm;
    r.tokens = step * step_tokens;
    const double run_s = elapsed_since(t0);
    r.seconds = seconds_before + run_s;
    r.tokens_per_s = run_s > 0 ? static_cast<double>((step - first_step) * step_tokens) / run_s : 0;
    const bool last = step == steps;
    if (!val_in.empty() && ((o.eval_every > 0 && step % o.eval_every == 0) || last)) {
      GB_ASSIGN_OR_RETURN(double vl, evaluate());
      r.val_loss = vl;
      result.val_loss = vl;
    }
    if (on_step && rank == 0) on_step(r);
    const bool stop = o.stop_after > 0 && step >= o.stop_after && !last;
    if (rank == 0 && (last || stop || (o.checkpoint_every > 0 && step % o.checkpoint_every == 0)))
      GB_RETURN_IF_ERROR(save(step));
    if (stop) break;
  }
  const double run_s = elapsed_since(t0);
  result.seconds = seconds_before + run_s;
  result.tokens = step * step_tokens;
  result.tokens_per_s =
      run_s > 0 ? static_cast<double>((step - first_step) * step_tokens) / run_s : 0;
  result.finished = step >= steps;
  if (result.finished) {
    if (!result.val_loss && !val_in.empty()) {
      GB_ASSIGN_OR_RETURN(double vl, evaluate());
      result.val_loss = vl;
    }
    if (rank != 0) return result;
    result.model_path = (fs::path(o.out_dir) / "model.gguf").string();
    GgufExportOptions eo;
    eo.name = o.name;
    eo.tokenizer_source = tokenizer;
    eo.matrix_type = o.export_type;
    GB_RETURN_IF_ERROR(export_gguf(model.params(), result.model_path, eo));
  }
  return result;
}

}  // namespace glassbox::train
