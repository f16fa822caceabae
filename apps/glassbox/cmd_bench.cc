// glassbox bench: prompt-processing and generation speed, measured the way llama-bench measures them.
//
// pp P: one forward pass over P random token ids into an empty context (logits of the last token only).
// tg N: N single-token forward passes from an empty context, each with a random token id.
// One untimed warm-up of each, then REPS timed repetitions; median, min and max tokens/s.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "base/cpu_features.h"
#include "base/thread_pool.h"
#include "commands.h"
#include "kernels/kernel_table.h"
#include "model/transformer.h"

namespace glassbox::app {
namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double median = 0, min = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  return s;
}

// Core clock while busy, in GHz: a chain of dependent integer adds retires one per cycle on every x86-64 and
// AArch64 core of the last decade; the empty asm after each add keeps the compiler from folding the chain
// (it is a compiler barrier only, no instruction). Best of 5 runs of ~20 ms. With the kernels' peak ops per
// cycle, it turns measured rates into a fraction of the machine's peak (docs/benchmarks.md).
double measure_core_ghz() {
  constexpr int64_t kIters = 1 << 20;
  double best = 0;
  for (int run = 0; run < 5; ++run) {
    uint64_t x = static_cast<uint64_t>(run);
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < kIters; ++i) {
#pragma GCC unroll 64
      for (int j = 0; j < 64; ++j) {
        x += 1;
        asm volatile("" : "+r"(x));
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (x == 42) std::fprintf(stderr, " ");  // keeps x alive
    best = std::max(best, static_cast<double>(kIters) * 64 / secs / 1e9);
  }
  return best;
}

// Read bandwidth: each thread sums its share of a 512 MB buffer (best of 3 passes after a first touch).
double measure_read_bandwidth(int n_threads) {
  const size_t n = (512u << 20) / sizeof(uint64_t);
  std::vector<uint64_t> buf(n);
  for (size_t i = 0; i < n; ++i) buf[i] = i;
  ThreadPool pool(n_threads);
  std::vector<uint64_t> sums(static_cast<size_t>(n_threads) * 8);
  double best = 0;
  for (int pass = 0; pass < 3; ++pass) {
    const auto t0 = Clock::now();
    pool.run([&](int idx, int nth) {
      const size_t begin = n * idx / nth, end = n * (idx + 1) / nth;
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      size_t i = begin;
      for (; i + 4 <= end; i += 4) {
        s0 += buf[i];
        s1 += buf[i + 1];
        s2 += buf[i + 2];
        s3 += buf[i + 3];
      }
      for (; i < end; ++i) s0 += buf[i];
      sums[static_cast<size_t>(idx) * 8] = s0 + s1 + s2 + s3;
    });
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / secs);
  }
  uint64_t total = 0;
  for (uint64_t s : sums) total += s;
  if (total == 42) std::fprintf(stderr, " ");  // keeps the sums alive
  return best;
}

// Bytes of weights one generated token reads: every matrix of every layer plus the output head (the
// embedding is only row-gathered unless it is also the output head).
uint64_t bytes_per_token(const model::Weights& w) {
  auto bytes = [](const model::WeightMatrix& m) { return static_cast<uint64_t>(m.rows) * m.row_bytes; };
  uint64_t total = bytes(w.output);
  for (const auto& l : w.layers) {
    for (const model::WeightMatrix* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
      if (m->present()) total += bytes(*m);
    }
  }
  return total;
}

// User + system CPU seconds of this process so far.
double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + 1e-6 * static_cast<double>(tv.tv_usec); };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  auto parsed = Args::parse(argc, argv, {"-m|--model", "-p|--n-prompt", "-n|--n-gen", "-t|--threads", "-r|--repetitions",
                             "-d|--depth"},
                            {"--json", "-h|--help"});
  if (!parsed.ok()) {
    std::fprintf(stderr, "glassbox bench: %s\n", parsed.status().message().c_str());
    return 2;
  }
  const Args& args = parsed.value();
  if (args.has("-h") || !args.get("-m")) {
    std::fprintf(stderr, "usage: glassbox bench -m MODEL.gguf [-p 512] [-n 128] [-t THREADS] [-r 3] [-d 0] [--json]\n"
                 "  -d N  run pp and tg after N tokens already in the cache (long-context speed);\n"
                 "        the N tokens are prefilled once, untimed\n");
    return args.has("-h") ? 0 : 2;
  }
  auto p = args.get_int("-p", 512), n = args.get_int("-n", 128), r = args.get_int("-r", 3);
  auto d = args.get_int("-d", 0);
  auto t = args.get_int("-t", ThreadPool::hardware_threads());
  for (const auto* v : {&p, &n, &r, &t, &d}) {
    if (!v->ok()) {
      std::fprintf(stderr, "glassbox bench: %s\n", v->status().message().c_str());
      return 2;
    }
  }
  const int64_t n_prompt = p.value(), n_gen = n.value(), reps = r.value(), depth = d.value();
  const int n_threads = static_cast<int>(t.value());
  if (n_prompt < 0 || n_gen < 0 || reps < 1 || n_threads < 1 || depth < 0 || n_prompt + n_gen == 0) {
    std::fprintf(stderr, "glassbox bench: need -p >= 0, -n >= 0 (not both 0), -r >= 1, -t >= 1, -d >= 0\n");
    return 2;
  }
  const bool json = args.has("--json");
  const std::string path = *args.get("-m");

  auto loaded = model::Model::load(path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "glassbox bench: %s\n", loaded.status().message().c_str());
    return 1;
  }
  std::shared_ptr<const model::Model> m = loaded.value();
  model::ContextOptions options;
  options.n_ctx = std::max<int64_t>(depth + std::max(n_prompt, n_gen), 16);
  options.n_threads = n_threads;
  options.max_batch = n_prompt > 0 ? n_prompt : 512;
  model::Context ctx(m, options);
  const int64_t vocab = m->config().vocab_size;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int32_t> token_dist(0, static_cast<int32_t>(vocab - 1));
  std::vector<float> logits;
  if (depth > 0) {  // the cache every run starts from: runs truncate back to it
    std::vector<int32_t> tokens(static_cast<size_t>(depth));
    for (auto& tok : tokens) tok = token_dist(rng);
    const Status s = ctx.forward(tokens, model::LogitsMode::kNone, nullptr);
    if (!s.ok()) {
      std::fprintf(stderr, "glassbox bench: %s\n", s.message().c_str());
      return 1;
    }
  }

  auto run_pp = [&]() -> double {
    std::vector<int32_t> tokens(static_cast<size_t>(n_prompt));
    for (auto& tok : tokens) tok = token_dist(rng);
    ctx.truncate(depth);
    const auto t0 = Clock::now();
    const Status s = ctx.forward(tokens, model::LogitsMode::kLast, &logits);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!s.ok()) {
      std::fprintf(stderr, "glassbox bench: %s\n", s.message().c_str());
      std::exit(1);
    }
    return static_cast<double>(n_prompt) / secs;
  };
  auto run_tg = [&](int64_t count) -> double {
    ctx.truncate(depth);
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < count; ++i) {
      const int32_t tok = token_dist(rng);
      const Status s = ctx.forward(std::span<const int32_t>(&tok, 1), model::LogitsMode::kLast, &logits);
      if (!s.ok()) {
        std::fprintf(stderr, "glassbox bench: %s\n", s.message().c_str());
        std::exit(1);
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    return static_cast<double>(count) / secs;
  };

  // CPU share: process CPU seconds over (wall seconds x threads) across the timed runs. Well below 1 means
  // the threads waited for cores (other processes on the machine), so t/s understates the engine.
  std::vector<double> pp_runs, tg_runs;
  double pp_cpu_share = 0, tg_cpu_share = 0;
  // CPU-time rate: tokens per process CPU-second, times the thread count. On an idle machine the threads
  // are always on a core (they spin rather than sleep between jobs), so this is what the wall-clock rate
  // would be there; on a shared machine it is the estimate to read when cpu share is well below 1.
  double pp_cpu_rate = 0, tg_cpu_rate = 0;
  if (n_prompt > 0) {
    run_pp();  // warm-up
    const double cpu0 = process_cpu_seconds();
    const auto wall0 = Clock::now();
    for (int64_t i = 0; i < reps; ++i) pp_runs.push_back(run_pp());
    const double cpu = process_cpu_seconds() - cpu0;
    pp_cpu_share = cpu / (std::chrono::duration<double>(Clock::now() - wall0).count() * n_threads);
    pp_cpu_rate = static_cast<double>(n_prompt * reps) * n_threads / cpu;
  }
  if (n_gen > 0) {
    run_tg(1);  // warm-up
    const double cpu0 = process_cpu_seconds();
    const auto wall0 = Clock::now();
    for (int64_t i = 0; i < reps; ++i) tg_runs.push_back(run_tg(n_gen));
    const double cpu = process_cpu_seconds() - cpu0;
    tg_cpu_share = cpu / (std::chrono::duration<double>(Clock::now() - wall0).count() * n_threads);
    tg_cpu_rate = static_cast<double>(n_gen * reps) * n_threads / cpu;
  }
  const double rss = peak_rss_mb();  // before the bandwidth test's 512 MB buffer
  const Stats pp = stats_of(pp_runs), tg = stats_of(tg_runs);
  const double bandwidth = measure_read_bandwidth(n_threads);
  const double core_ghz = measure_core_ghz();
  const uint64_t token_bytes = bytes_per_token(m->weights());
  const double ceiling = static_cast<double>(bandwidth) / static_cast<double>(token_bytes);
  const std::string cpu = cpu_features().brand.empty() ? "unknown" : cpu_features().brand;
  const char* table = kernels::active_table().name;

  if (json) {
    std::printf(
        "{\"model\": \"%s\", \"cpu\": \"%s\", \"kernel_table\": \"%s\", \"threads\": %d, \"repetitions\": %lld, "
        "\"depth\": %lld, "
        "\"pp_tokens\": %lld, \"pp_tokens_per_s\": %.3f, \"pp_min\": %.3f, \"pp_max\": %.3f, "
        "\"tg_tokens\": %lld, \"tg_tokens_per_s\": %.3f, \"tg_min\": %.3f, \"tg_max\": %.3f, "
        "\"weight_bytes\": %llu, \"bytes_per_token\": %llu, \"read_bandwidth_gb_s\": %.3f, "
        "\"tg_ceiling_tokens_per_s\": %.3f, \"peak_rss_mb\": %.1f, \"pp_cpu_share\": %.3f, \"tg_cpu_share\": %.3f, "
        "\"pp_cpu_time_tokens_per_s\": %.3f, \"tg_cpu_time_tokens_per_s\": %.3f, \"core_ghz\": %.2f}\n",
        json_escape(path).c_str(), json_escape(cpu).c_str(), table, n_threads, static_cast<long long>(reps),
        static_cast<long long>(depth), static_cast<long long>(n_prompt), pp.median, pp.min, pp.max, static_cast<long long>(n_gen), tg.median, tg.min,
        tg.max, static_cast<unsigned long long>(m->weight_bytes()), static_cast<unsigned long long>(token_bytes),
        bandwidth / 1e9, ceiling, rss, pp_cpu_share, tg_cpu_share, pp_cpu_rate, tg_cpu_rate, core_ghz);
    return 0;
  }
  std::printf("model          %s\n", path.c_str());
  std::printf("cpu            %s\n", cpu_summary().c_str());
  std::printf("kernel table   %s, %d threads, %lld repetitions (+1 warm-up)\n", table, n_threads,
              static_cast<long long>(reps));
  if (depth > 0) std::printf("depth          %lld tokens in the cache before each run\n", static_cast<long long>(depth));
  std::printf("weights        %.1f MiB (%.1f MiB read per generated token)\n",
              static_cast<double>(m->weight_bytes()) / (1 << 20), static_cast<double>(token_bytes) / (1 << 20));
  if (n_prompt > 0) {
    std::printf("pp%-5lld        %8.2f t/s  (min %.2f, max %.2f; cpu share %.2f)\n", static_cast<long long>(n_prompt),
                pp.median, pp.min, pp.max, pp_cpu_share);
    std::printf("               %8.2f t/s per %d CPU-seconds (the rate with the cores to itself)\n", pp_cpu_rate,
                n_threads);
  }
  if (n_gen > 0) {
    std::printf("tg%-5lld        %8.2f t/s  (min %.2f, max %.2f; cpu share %.2f)\n", static_cast<long long>(n_gen),
                tg.median, tg.min, tg.max, tg_cpu_share);
    std::printf("               %8.2f t/s per %d CPU-seconds\n", tg_cpu_rate, n_threads);
  }
  std::printf("read bandwidth %.2f GB/s (%d threads, 512 MB) -> tg ceiling %.1f t/s\n", bandwidth / 1e9, n_threads,
              ceiling);
  std::printf("core clock     %.2f GHz (dependent adds, one thread)\n", core_ghz);
  std::printf("peak RSS       %.1f MiB\n", rss);
  return 0;
}

}  // namespace glassbox::app
