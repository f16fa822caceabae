// Cost of attend() (tiled online-softmax attention over an F16 KV cache) for one layer: a 512-token prompt chunk
// after n_past cached positions, and a one-token decode at n_kv positions. Thread CPU time on one thread (what a
// busy machine cannot take away), minimum of the repetitions; "ns / score" is per (query head, visible
// position) pair, the unit attention's work grows with.
//
//   build/bench/attention_bench [prefill|decode]
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "model/attention.h"

namespace {

using namespace glassbox;
using namespace glassbox::model;

double thread_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Shape {
  const char* name;
  int64_t n_heads, n_kv_heads, head_dim;
};

void run(const Shape& s, int64_t n_past, int64_t n_tokens, int reps) {
  ModelConfig config;
  config.n_layers = 1;
  config.n_heads = s.n_heads;
  config.n_kv_heads = s.n_kv_heads;
  config.head_dim = config.head_dim_v = s.head_dim;
  const int64_t n_kv = n_past + n_tokens;
  KvCache cache(config, n_kv, tensor::DType::kF16);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> k(static_cast<size_t>(config.kv_width())), v(static_cast<size_t>(config.v_width()));
  for (int64_t pos = 0; pos < n_kv; ++pos) {
    for (float& x : k) x = u(rng);
    for (float& x : v) x = u(rng);
    cache.store(0, pos, k.data(), v.data());
  }
  std::vector<float> q(static_cast<size_t>(n_tokens * config.q_width())), out(static_cast<size_t>(n_tokens * s.n_heads * s.head_dim));
  for (float& x : q) x = u(rng);
  const AttentionChunk chunk{&cache, n_past, n_tokens, q.data(), out.data()};
  const AttentionShape shape{s.n_heads, s.n_kv_heads, s.head_dim, s.head_dim, 0};
  ThreadPool pool(1);
  double best = 1e30;
  for (int i = 0; i < reps; ++i) {
    const double t0 = thread_cpu_seconds();
    attend(shape, 0, std::span<const AttentionChunk>(&chunk, 1), pool, kernels::active_table());
    best = std::min(best, thread_cpu_seconds() - t0);
  }
  // Visible positions summed over the chunk's rows (causal): n_tokens * n_past + n_tokens (n_tokens + 1) / 2.
  const double scores = static_cast<double>(s.n_heads) *
                        (static_cast<double>(n_tokens) * static_cast<double>(n_past) +
                         static_cast<double>(n_tokens) * static_cast<double>(n_tokens + 1) / 2.0);
  std::printf("| %s | %lld | %lld | %.3f | %.2f |\n", s.name, static_cast<long long>(n_past),
              static_cast<long long>(n_tokens), best * 1e3, best * 1e9 / scores);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  std::printf("kernel table %s\n\n| shape (heads/kv heads/head_dim) | n_past | n_tokens | CPU ms | ns / score |\n"
              "|--|--:|--:|--:|--:|\n", kernels::active_table().name);
  const Shape shapes[] = {{"smollm2-135m 9/3/64", 9, 3, 64}, {"llama-3.2-1b 32/8/64", 32, 8, 64},
                          {"qwen3-0.6b 16/8/128", 16, 8, 128}, {"tiny 4/2/16", 4, 2, 16}};
  for (const Shape& s : shapes) {
    if (only != "decode") {
      run(s, 0, 512, 3);
      run(s, 3584, 512, 2);
    }
    if (only != "prefill") {
      run(s, 255, 1, 200);
      run(s, 4095, 1, 20);
      run(s, 16383, 1, 10);
    }
  }
  return 0;
}
