// glassbox synth: write a random-weight GGUF in a real model's shape (model/synth/synth_model.h).
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "args.h"
#include "base/thread_pool.h"
#include "commands.h"
#include "model/synth/synth_model.h"

namespace glassbox::app {
namespace {

using model::synth::SynthPlan;

constexpr const char* kUsage =
    "usage: glassbox synth --shape NAME --type TYPE -o OUT.gguf [--seed S] [--vocab N] [--pure] [--threads N]\n"
    "       glassbox synth --shape NAME --type TYPE --dry-run   (print the tensor plan and file size only)\n"
    "       glassbox synth --list                               (print the shapes)\n"
    "\n"
    "Writes a GGUF with seeded random weights, the tensor names, shapes and metadata of the real model,\n"
    "a synthetic vocabulary of its tokenizer family, and llama-quantize's tensor types for TYPE.\n"
    "  --shape NAME   %s\n"
    "  --type TYPE    %s\n"
    "                 (q4_0..q5_1 and the K mixes put the output matrix in q6_K as llama-quantize does,\n"
    "                 q8_0 keeps it in q8_0; q2_k..q5_k put every matrix in that type)\n"
    "  --pure         every matrix in TYPE's base type (llama-quantize --pure)\n"
    "  --vocab N      vocabulary size instead of the shape's own\n"
    "  --seed S       weight seed (default 0); the same arguments give the same bytes\n"
    "  --threads N    generator threads (default: all cores)\n";

void print_usage(FILE* out) {
  std::fprintf(out, kUsage, model::synth::model_shape_names().c_str(), model::synth::type_spec_names().c_str());
}

void print_shapes() {
  std::printf("%-16s %-6s %7s %6s %6s %4s %5s %6s %7s %7s %9s  %s\n", "shape", "arch", "d_model", "layers", "heads",
              "kv", "h_dim", "d_ff", "vocab", "ctx", "params", "from");
  for (const auto& s : model::synth::model_shapes()) {
    std::printf("%-16s %-6s %7lld %6lld %6lld %4lld %5lld %6lld %7lld %7lld %8.3fB  %s%s%s%s\n",
                std::string(s.name).c_str(), std::string(s.architecture).c_str(), static_cast<long long>(s.d_model),
                static_cast<long long>(s.n_layers), static_cast<long long>(s.n_heads),
                static_cast<long long>(s.n_kv_heads), static_cast<long long>(s.head_dim),
                static_cast<long long>(s.d_ff), static_cast<long long>(s.vocab_size),
                static_cast<long long>(s.context_length), s.n_params() / 1e9, std::string(s.source).c_str(),
                s.tied_embeddings ? ", tied" : "", s.qkv_bias ? ", qkv bias" : "", s.qk_norm ? ", qk norm" : "");
  }
}

// One line per fallback kind: "q4_K -> q5_0 (row 896): 48 tensors".
void print_fallbacks(const SynthPlan& plan) {
  std::map<std::string, int> counts;
  for (const auto& t : plan.tensors) {
    if (!t.fallback.empty()) ++counts[t.fallback];
  }
  for (const auto& [what, n] : counts) std::printf("  row-length fallback %s: %d tensors\n", what.c_str(), n);
}

void print_plan(const SynthPlan& plan) {
  std::printf("  %-34s %-5s %-16s %12s\n", "tensor", "type", "shape", "bytes");
  for (const auto& t : plan.tensors) {
    std::string shape;
    for (size_t d = 0; d < t.shape.size(); ++d) shape += (d ? " x " : "") + std::to_string(t.shape[d]);
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    std::printf("  %-34s %-5s %-16s %12zu\n", t.name.c_str(), std::string(tensor::dtype_name(t.dtype)).c_str(),
                shape.c_str(), tensor::row_bytes(t.dtype, n));
  }
}

std::string count_text(int64_t n) {
  if (n >= 1'000'000'000) return str_format("%.3f B", n / 1e9);
  if (n >= 1'000'000) return str_format("%.1f M", n / 1e6);
  return str_format("%.1f K", n / 1e3);
}

// "201 tensors, 1.100 B parameters, 606.5 MiB of tensor data (llama-bench's size), file 607.2 MiB"
std::string summary(const SynthPlan& plan, uint64_t file_bytes) {
  uint64_t tensor_bytes = 0;
  for (const auto& t : plan.tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    tensor_bytes += tensor::row_bytes(t.dtype, n);
  }
  return str_format("%s, %s: %zu tensors, %s parameters, %.1f MiB of tensor data, file %.1f MiB",
                    std::string(plan.shape.name).c_str(), std::string(plan.type.name).c_str(), plan.tensors.size(),
                    count_text(plan.shape.n_params()).c_str(), tensor_bytes / 1048576.0, file_bytes / 1048576.0);
}

}  // namespace

int cmd_synth(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--shape", "--type", "-o|--output", "--seed", "--vocab", "--threads"},
                          {"-h|--help", "--pure", "--dry-run", "--list"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox synth: %s\n", args.status().message().c_str());
    return 2;
  }
  if (args->has("-h")) {
    print_usage(stdout);
    return 0;
  }
  if (args->has("--list")) {
    print_shapes();
    return 0;
  }
  const bool dry_run = args->has("--dry-run");
  if (!args->has("--shape") || !args->has("--type") || (!dry_run && !args->has("-o")) ||
      !args->positionals().empty()) {
    print_usage(stderr);
    return 2;
  }
  model::synth::SynthOptions options;
  options.shape = *args->get("--shape");
  options.type = *args->get("--type");
  options.pure = args->has("--pure");
  auto seed = args->get_int("--seed", 0);
  auto vocab = args->get_int("--vocab", 0);
  auto threads = args->get_int("--threads", ThreadPool::hardware_threads());
  for (const Status* s : {&seed.status(), &vocab.status(), &threads.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "glassbox synth: %s\n", s->message().c_str());
      return 2;
    }
  }
  if (*seed < 0 || *vocab < 0 || *threads < 1) {
    std::fprintf(stderr, "glassbox synth: --seed and --vocab must be >= 0, --threads >= 1\n");
    return 2;
  }
  options.seed = static_cast<uint64_t>(*seed);
  options.vocab_size = *vocab;

  const auto start = std::chrono::steady_clock::now();
  auto plan = model::synth::plan_synth(options);
  if (!plan.ok()) {
    std::fprintf(stderr, "glassbox synth: %s\n", plan.status().message().c_str());
    return plan.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  ThreadPool pool(static_cast<int>(*threads));
  auto writer = model::synth::make_synth_writer(*plan, pool);
  if (!writer.ok()) {
    std::fprintf(stderr, "glassbox synth: %s\n", writer.status().message().c_str());
    return 1;
  }
  const uint64_t file_bytes = writer->file_size();
  if (dry_run) {
    print_plan(*plan);
    std::printf("%s\n", summary(*plan, file_bytes).c_str());
    print_fallbacks(*plan);
    return 0;
  }
  const std::string out = *args->get("-o");
  if (Status s = model::synth::check_kernels(*plan); !s.ok()) {
    std::fprintf(stderr, "glassbox synth: %s\n", s.message().c_str());
    return 1;
  }
  if (Status s = writer->write(out); !s.ok()) {
    std::fprintf(stderr, "glassbox synth: %s\n", s.message().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s in %.1f s: %s\n", out.c_str(), seconds, summary(*plan, file_bytes).c_str());
  print_fallbacks(*plan);
  return 0;
}

}  // namespace glassbox::app
