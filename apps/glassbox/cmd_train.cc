// glassbox train: train a llama model from scratch on prepared token shards.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include "args.h"
#include "commands.h"
#include "data/prepare.h"
#include "gguf/gguf_file.h"
#include "train/comm.h"
#include "train/gguf_export.h"
#include "train/params.h"
#include "train/train_run.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox train --data SHARDS --d-model D --layers L --heads H --tokens N --out DIR "
    "[options]\n"
    "  --data DIR           folder written by `glassbox data prepare` (or its manifest.json)\n"
    "  --d-model D, --layers L, --heads H\n"
    "  --kv-heads K         (default: heads)\n"
    "  --d-ff F             (default: 8·d/3 rounded up to 16)\n"
    "  --ctx T              sequence length (default 256)\n"
    "  --batch B            sequences per micro-batch (default 8)\n"
    "  --accum A            micro-batches per step (default 1)\n"
    "  --tokens N           training tokens; steps = ceil(N / (B·A·T))\n"
    "  --flops C            instead of --tokens: steps = floor(C / (6·params) / (B·A·T)), as the\n"
    "                       reference sweep (params = all, embedding included)\n"
    "  --lr LR              peak learning rate (default 3e-3)\n"
    "  --warmup-frac F      warm-up = max(10, F·steps) steps (default 0.05)\n"
    "  --min-lr-frac F      cosine decays to F·lr (default 0.1)\n"
    "  --weight-decay W     (default 0.1)   --beta1, --beta2 (default 0.9, 0.95)\n"
    "  --clip C             global gradient-norm clip, 0 = off (default 1.0)\n"
    "  --seed S             weights and batches (default 1)\n"
    "  --threads N          (default: all cores; results do not depend on it)\n"
    "  --eval-every S       validation every S steps (default: at the end only)\n"
    "  --val-batches N      fixed validation batches (default 10)\n"
    "  --checkpoint-every S (default: at the end only)\n"
    "  --stop-after S       checkpoint and stop after step S (resume later with the same command)\n"
    "  --resume             require DIR/checkpoint.safetensors (one is resumed anyway when "
    "present)\n"
    "  --log-every S        progress line every S steps (default: about once a second)\n"
    "  --name NAME          general.name of the exported model\n"
    "  --export-type T      model.gguf matrices: f32 (default), f16 or q8_0 (norms stay f32)\n"
    "  --out DIR            checkpoint.safetensors, model.gguf, result.json, log.jsonl (loss curve)\n"
    "  --json               print the result as one JSON object on the last stdout line\n";

std::string fmt_duration(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  const long t = std::lround(s);
  if (t >= 3600) return str_format("%ldh%02ldm", t / 3600, (t / 60) % 60);
  if (t >= 60) return str_format("%ldm%02lds", t / 60, t % 60);
  return str_format("%lds", t);
}

std::string json_number(std::optional<double> v) {
  return v && std::isfinite(*v) ? str_format("%.6f", *v) : "null";
}

}  // namespace

int cmd_train(int argc, char** argv) {
  auto args = Args::parse(argc, argv,
                          {"--data",
                           "--d-model",
                           "--layers",
                           "--heads",
                           "--kv-heads",
                           "--d-ff",
                           "--ctx",
                           "--batch",
                           "--accum",
                           "--tokens",
                           "--flops",
                           "--lr",
                           "--warmup-frac",
                           "--min-lr-frac",
                           "--weight-decay",
                           "--beta1",
                           "--beta2",
                           "--clip",
                           "--seed",
                           "--threads|-t",
                           "--eval-every",
                           "--val-batches",
                           "--checkpoint-every",
                           "--stop-after",
                           "--log-every",
                           "--name",
                           "--export-type",
                           "--out|-o"},
                          {"-h|--help", "--resume", "--json"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox train: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto data_path = args->get("--data");
  auto out = args->get("--out");
  if (!data_path || !out || !args->has("--d-model") || !args->has("--layers") ||
      !args->has("--heads") || (args->has("--tokens") == args->has("--flops"))) {
    std::fprintf(stderr,
                 "glassbox train: --data, --d-model, --layers, --heads, --out and one of --tokens "
                 "or --flops are required\n%s",
                 kUsage);
    return 2;
  }
  train::TrainRunOptions o;
  Status bad = ok_status();
  auto get_i = [&](const char* flag, int64_t fallback) -> int64_t {
    auto v = args->get_int(flag, fallback);
    if (!v.ok()) {
      if (bad.ok()) bad = v.status();
      return fallback;
    }
    return *v;
  };
  auto get_d = [&](const char* flag, double fallback) -> double {
    auto v = args->get_double(flag, fallback);
    if (!v.ok()) {
      if (bad.ok()) bad = v.status();
      return fallback;
    }
    return *v;
  };
  o.model.d_model = get_i("--d-model", 0);
  o.model.n_layers = get_i("--layers", 0);
  o.model.n_heads = get_i("--heads", 0);
  o.model.n_kv_heads = get_i("--kv-heads", o.model.n_heads);
  o.model.d_ff = get_i("--d-ff", (8 * o.model.d_model / 3 + 15) / 16 * 16);
  o.model.ctx = get_i("--ctx", 256);
  o.batch = get_i("--batch", o.batch);
  o.accum = get_i("--accum", o.accum);
  o.tokens = get_i("--tokens", 0);
  o.lr = get_d("--lr", o.lr);
  o.warmup_frac = get_d("--warmup-frac", o.warmup_frac);
  o.min_lr_frac = get_d("--min-lr-frac", o.min_lr_frac);
  o.weight_decay = get_d("--weight-decay", o.weight_decay);
  o.beta1 = get_d("--beta1", o.beta1);
  o.beta2 = get_d("--beta2", o.beta2);
  o.clip = get_d("--clip", o.clip);
  const int64_t seed = get_i("--seed", 1);
  o.seed = static_cast<uint64_t>(seed);
  o.threads = static_cast<int>(get_i("--threads", 0));
  o.eval_every = get_i("--eval-every", 0);
  o.val_batches = get_i("--val-batches", o.val_batches);
  o.checkpoint_every = get_i("--checkpoint-every", 0);
  o.stop_after = get_i("--stop-after", 0);
  const int64_t log_every = get_i("--log-every", 0);
  o.name = args->get_or("--name", "");
  if (auto t = train::parse_export_type(args->get_or("--export-type", "f32")); t.ok()) {
    o.export_type = *t;
  } else if (bad.ok()) {
    bad = Status(t.status().code(), "--export-type: " + t.status().message());
  }
  o.out_dir = *out;
  o.resume = args->has("--resume");
  if (!bad.ok()) {
    std::fprintf(stderr, "glassbox train: %s\n", bad.message().c_str());
    return 2;
  }
  if (o.val_batches <= 0 || o.threads < 0 || o.eval_every < 0 || o.checkpoint_every < 0 ||
      seed < 0) {
    std::fprintf(stderr,
                 "glassbox train: --val-batches must be positive; --threads, --eval-every, "
                 "--checkpoint-every, --seed >= 0\n");
    return 2;
  }

  // Under mpirun with several processes: data parallelism (see TrainRunOptions::comm).
  std::unique_ptr<train::Comm> comm = train::Comm::single();
  if (train::Comm::launched_by_mpirun()) {
    auto c = train::Comm::mpi();
    if (!c.ok()) {
      std::fprintf(stderr, "glassbox train: started by mpirun, but %s\n",
                   c.status().message().c_str());
      return 1;
    }
    comm = std::move(*c);
  }
  o.comm = comm.get();
  const bool lead = comm->rank() == 0;

  auto data = data::open_prepared(*data_path);
  if (!data.ok()) {
    std::fprintf(stderr, "glassbox train: %s\n", data.status().message().c_str());
    return 1;
  }
  std::optional<gguf::GgufFile> tok_file;
  if (!data->tokenizer_gguf.empty()) {
    auto f = gguf::GgufFile::open(data->tokenizer_gguf);
    if (!f.ok()) {
      std::fprintf(stderr, "glassbox train: %s\n", f.status().message().c_str());
      return 1;
    }
    tok_file.emplace(std::move(*f));
  }
  std::vector<const train::TokenShard*> train_shards, val_shards;
  for (const auto& s : data->train) train_shards.push_back(&s);
  for (const auto& s : data->val) val_shards.push_back(&s);
  o.model.vocab_size = data->vocab_size;
  if (args->has("--flops")) {
    const double flops = get_d("--flops", 0);
    if (Status v = o.model.validate(); !bad.ok() || !v.ok() || !(flops > 0)) {
      std::fprintf(stderr, "glassbox train: %s\n",
                   !bad.ok() ? bad.message().c_str()
                             : (!v.ok() ? v.message().c_str() : "--flops must be positive"));
      return 2;
    }
    int64_t n_params = 0;
    for (const auto& p : train::param_layout(o.model)) n_params += p.numel;
    const int64_t step_tokens = o.batch * o.accum * o.model.ctx;
    const auto steps_c = static_cast<int64_t>(std::floor(flops / (6.0 * n_params) / step_tokens));
    o.tokens = std::max<int64_t>(1, steps_c) * step_tokens;
  }

  const int64_t steps = train::steps_for(o);
  if (lead)
    std::fprintf(
        stderr,
        "glassbox train: d%lldL%lld heads %lld/%lld ff %lld ctx %lld vocab %lld; %lld steps of "
        "%lld×%lld×%lld tokens, warm-up %lld, lr %g, %d process(es)\n",
        (long long)o.model.d_model, (long long)o.model.n_layers, (long long)o.model.n_heads,
        (long long)o.model.n_kv_heads, (long long)o.model.d_ff, (long long)o.model.ctx,
        (long long)o.model.vocab_size, (long long)steps, (long long)o.accum, (long long)o.batch,
        (long long)o.model.ctx, (long long)train::warmup_steps_for(o, steps), o.lr, comm->size());
  double last_print = -1e9;
  // DIR/log.jsonl: one line per step (the loss curve). A fresh run starts it anew; a resumed run appends,
  // so after a kill it may repeat steps past the checkpoint: readers keep the last line of each step.
  std::FILE* step_log = nullptr;
  auto log_step = [&](const train::StepReport& r) {
    if (!step_log) {
      step_log = std::fopen((o.out_dir + "/log.jsonl").c_str(), r.step == 1 ? "w" : "a");
      if (!step_log) return;
    }
    std::string val = r.val_loss ? str_format(",\"val_loss\":%.6f", *r.val_loss) : "";
    std::fprintf(step_log,
                 "{\"step\":%lld,\"tokens\":%lld,\"loss\":%.6f,\"lr\":%.4e,\"grad_norm\":%.4f,"
                 "\"seconds\":%.2f%s}\n",
                 (long long)r.step, (long long)r.tokens, r.loss, r.lr, r.grad_norm, r.seconds,
                 val.c_str());
    std::fflush(step_log);
  };
  auto on_step = [&](const train::StepReport& r) {
    log_step(r);
    const bool due = log_every > 0 ? (r.step % log_every == 0) : (r.seconds - last_print >= 1.0);
    if (!(due || r.step == r.steps || r.step == 1 || r.val_loss)) return;
    last_print = r.seconds;
    const double eta = r.tokens_per_s > 0
                           ? static_cast<double>(r.steps - r.step) *
                                 (r.tokens / std::max<int64_t>(1, r.step)) / r.tokens_per_s
                           : -1;
    std::string val = r.val_loss ? str_format(" val %.6f", *r.val_loss) : "";
    std::fprintf(stderr, "step %lld/%lld loss %.6f%s lr %.3e gnorm %.3f %.0f tok/s eta %s\n",
                 (long long)r.step, (long long)r.steps, r.loss, val.c_str(), r.lr, r.grad_norm,
                 r.tokens_per_s, fmt_duration(eta).c_str());
  };
  auto result =
      train::run_training(o, train_shards, val_shards, tok_file ? &*tok_file : nullptr, on_step);
  if (step_log) std::fclose(step_log);
  if (!result.ok()) {
    const std::string& msg = result.status().message();
    std::fprintf(stderr, "glassbox %s%s%s\n",
                 msg.rfind("train: ", 0) == 0 ? "" : "train: ", lead ? "" : "(rank > 0) ",
                 msg.c_str());
    return 1;
  }
  if (!lead) return 0;
  const std::string json = str_format(
      "{\"val_loss\":%s,\"train_loss\":%.6f,\"tokens\":%lld,\"seconds\":%.3f,\"tokens_per_s\":%.1f,"
      "\"params\":%lld,\"steps\":%lld,\"steps_done\":%lld,\"resumed_from\":%lld,\"finished\":%s,"
      "\"model\":\"%s\"}",
      json_number(result->val_loss).c_str(), result->train_loss, (long long)result->tokens,
      result->seconds, result->tokens_per_s, (long long)result->params, (long long)result->steps,
      (long long)(result->tokens / (o.batch * o.accum * o.model.ctx)),
      (long long)result->resumed_from, result->finished ? "true" : "false",
      result->model_path.c_str());
  if (result->finished) {
    std::fprintf(stderr, "glassbox train: done: val %s train %.4f, %.1f s, %.0f tok/s -> %s\n",
                 json_number(result->val_loss).c_str(), result->train_loss, result->seconds,
                 result->tokens_per_s, result->model_path.c_str());
    const std::string line = json + "\n";
    (void)write_file_atomic(o.out_dir + "/result.json", line.data(), line.size());
  } else {
    std::fprintf(stderr, "glassbox train: stopped after step %lld; checkpoint %s\n",
                 (long long)(result->tokens / (o.batch * o.accum * o.model.ctx)),
                 result->checkpoint_path.c_str());
  }
  if (args->has("--json")) std::printf("%s\n", json.c_str());
  return 0;
}

}  // namespace glassbox::app
