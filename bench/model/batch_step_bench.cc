// Cost of one batched decode step (Context::forward_batch) by number of sequences: CPU milliseconds per step and
// per sequence on one thread (no thread-pool effects; what a busy machine cannot take away), after a 40-token
// prompt per slot; minimum of 20 steps. Shows how much a decode row costs when it shares the weight pass.
//
//   build/bench/batch_step_bench MODEL.gguf
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "model/transformer.h"

namespace {

double thread_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace glassbox::model;
  if (argc != 2) {
    std::fprintf(stderr, "usage: batch_step_bench MODEL.gguf\n");
    return 2;
  }
  auto model = Model::load(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "batch_step_bench: %s\n", model.status().message().c_str());
    return 1;
  }
  std::printf("| gemm_decode_rows | sequences | CPU ms / step | CPU ms / sequence |\n|--:|--:|--:|--:|\n");
  for (int64_t gemm_rows : {int64_t{0}, int64_t{8}}) {
    for (int n : {1, 2, 4, 8, 16}) {
      ContextOptions o;
      o.n_threads = 1;
      o.n_seq = 16;
      o.n_ctx = 128;
      o.gemm_decode_rows = gemm_rows;
      Context ctx(*model, o);
      std::vector<int32_t> prompt(40);
      for (int i = 0; i < 40; ++i) prompt[static_cast<size_t>(i)] = 100 + i;
      std::vector<float> logits;
      std::vector<SeqChunk> prefill;
      for (int s = 0; s < n; ++s) prefill.push_back({s, prompt, LogitsMode::kLast});
      if (!ctx.forward_batch(prefill, &logits).ok()) return 1;
      std::vector<int32_t> next(static_cast<size_t>(n), 5);
      double best = 1e9;
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<SeqChunk> step;
        for (int s = 0; s < n; ++s) step.push_back({s, std::span<const int32_t>(&next[static_cast<size_t>(s)], 1)});
        const double t0 = thread_cpu_seconds();
        if (!ctx.forward_batch(step, &logits).ok()) return 1;
        best = std::min(best, thread_cpu_seconds() - t0);
      }
      std::printf("| %lld | %d | %.2f | %.2f |\n", static_cast<long long>(gemm_rows), n, best * 1e3, best * 1e3 / n);
    }
  }
  return 0;
}
