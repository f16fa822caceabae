// Microbenchmarks of the kernel tables at real model shapes: matrix-vector (generation) through one table's
// vec_dot_f32 on one thread, and model::matmul (prompt and generation, 1 and 2 threads) through the active
// table, and attention's tile products (AttentionTile/, gemm_f32 vs gemm_f32_kmajor on each table). Counters:
// weight GB/s (bytes of the stored weights streamed per second) and GFLOP/s (2 per multiply-add). Shapes:
// tinyllama-1.1b attention (2048 x 2048) and FFN up (5632 x 2048).
//
//   build/bench/kernels/matmul_bench --benchmark_filter=MatVec/q4_0
//   GLASSBOX_KERNELS=reference build/bench/kernels/matmul_bench --benchmark_filter=MatMul
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "model/matmul.h"
#include "tensor/dtype.h"

namespace glassbox {
namespace {

using tensor::DType;

constexpr DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                            DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                            DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

// A rows x cols weight matrix of `dtype` holding quantized pseudo-random values.
struct Matrix {
  std::vector<uint8_t> bytes;
  model::WeightMatrix w;
  Matrix(DType dtype, int64_t rows, int64_t cols) {
    const size_t row_bytes = tensor::row_bytes(dtype, cols);
    bytes.resize(row_bytes * static_cast<size_t>(rows));
    std::vector<float> row(static_cast<size_t>(cols));
    uint32_t state = 12345;
    for (int64_t r = 0; r < rows; ++r) {
      for (auto& v : row) {
        state = state * 1664525u + 1013904223u;
        v = static_cast<float>(static_cast<int32_t>(state >> 8) % 2001 - 1000) * 1e-3f;
      }
      kernels::reference_table().of(dtype).quantize_row(row.data(), bytes.data() + r * row_bytes, cols);
    }
    w.name = "bench";
    w.dtype = dtype;
    w.data = bytes.data();
    w.rows = rows;
    w.cols = cols;
    w.row_bytes = row_bytes;
  }
};

std::vector<float> activations(int64_t n) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 37) % 101 - 50) * 0.01f;
  return x;
}

void set_counters(benchmark::State& state, const model::WeightMatrix& w, int64_t n_tokens) {
  const double bytes = static_cast<double>(w.row_bytes) * static_cast<double>(w.rows);
  const double flops = 2.0 * static_cast<double>(w.rows) * static_cast<double>(w.cols) * static_cast<double>(n_tokens);
  state.counters["GB/s"] = benchmark::Counter(bytes * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

// One thread, one table: y[r] = vec_dot_f32(W[r], x) for every row.
void bm_matvec(benchmark::State& state, const kernels::KernelTable* table, DType dtype, int64_t rows, int64_t cols) {
  Matrix m(dtype, rows, cols);
  const auto x = activations(cols);
  std::vector<float> y(static_cast<size_t>(rows));
  const auto dot = table->of(dtype).vec_dot_f32;
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; ++r) y[r] = dot(cols, m.w.row(r), x.data());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, m.w, 1);
}

// One thread, one table, the int16 generation path: quantize x once, then vec_dot_i16 for every row.
void bm_matvec_i16(benchmark::State& state, const kernels::KernelTable* table, DType dtype, int64_t rows,
                   int64_t cols) {
  Matrix m(dtype, rows, cols);
  const auto x = activations(cols);
  std::vector<int16_t> q(static_cast<size_t>(cols));
  std::vector<float> scale(static_cast<size_t>(cols / 32));
  std::vector<int32_t> sum16(static_cast<size_t>(cols / 16));
  table->quantize_i16(x.data(), cols, q.data(), scale.data(), sum16.data());
  const kernels::ActivationI16 act{q.data(), scale.data(), sum16.data()};
  std::vector<float> y(static_cast<size_t>(rows));
  const auto dot = table->of(dtype).vec_dot_i16;
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; ++r) y[r] = dot(cols, m.w.row(r), act);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, m.w, 1);
}

// model::matmul over the active table with `threads` threads and n_tokens activation rows.
// per_token: the batched-decode path (each token as a lone token: int16 dot per weight row, the row read once
// for all tokens) instead of the prompt path (gemm over decoded panels). Preparing the input is timed too.
void bm_matmul(benchmark::State& state, DType dtype, int64_t rows, int64_t cols, int64_t n_tokens, int threads,
               bool per_token = false) {
  Matrix m(dtype, rows, cols);
  const auto x = activations(cols * n_tokens);
  std::vector<float> y(static_cast<size_t>(rows * n_tokens));
  ThreadPool pool(threads);
  model::PreparedInput prepared;
  model::prepare_input(dtype, x.data(), n_tokens, cols, pool, &prepared, per_token);
  for (auto _ : state) {
    if (per_token) model::prepare_input(dtype, x.data(), n_tokens, cols, pool, &prepared, per_token);
    model::matmul(m.w, prepared, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, m.w, n_tokens);
  state.SetLabel(kernels::active_table().name);
}

// One thread, one table: attention's two products on a 256-position tile at head_dim 64 -- scores
// (Q K^T: n_tokens query rows x 256 positions, k = 64) and P V (n_tokens rows x 64 outputs, k = 256) -- with
// gemm_f32 (w row-major along k: K as stored, V transposed) or gemm_f32_kmajor (K^T, V as stored).
void bm_attention_tile(benchmark::State& state, const kernels::KernelTable* table, bool kmajor, bool scores,
                       int64_t n_tokens) {
  const int64_t positions = 256, head_dim = 64;
  const int64_t cols = scores ? positions : head_dim, k_len = scores ? head_dim : positions;
  const auto w = activations(cols * k_len);
  const auto x = activations(n_tokens * k_len);
  std::vector<float> y(static_cast<size_t>(n_tokens * cols));
  for (auto _ : state) {
    if (kmajor) {
      table->gemm_f32_kmajor(cols, n_tokens, k_len, w.data(), cols, x.data(), k_len, y.data(), cols, false);
    } else {
      table->gemm_f32(cols, n_tokens, k_len, w.data(), k_len, x.data(), k_len, y.data(), cols);
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(cols * k_len * n_tokens);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void register_all() {
  for (const kernels::KernelTable* table : kernels::supported_tables()) {
    for (DType t : kTypes) {
      for (auto [rows, cols] : {std::pair<int64_t, int64_t>{2048, 2048}, {5632, 2048}}) {
        const std::string name = std::string("MatVec/") + std::string(tensor::dtype_name(t)) + "/" +
                                 std::to_string(rows) + "x" + std::to_string(cols) + "/" + table->name;
        benchmark::RegisterBenchmark(name.c_str(), bm_matvec, table, t, rows, cols)->Unit(benchmark::kMicrosecond);
        if (table->quantize_i16 != nullptr && table->of(t).vec_dot_i16 != nullptr) {
          benchmark::RegisterBenchmark((name + "/i16").c_str(), bm_matvec_i16, table, t, rows, cols)
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  for (const kernels::KernelTable* table : kernels::supported_tables()) {
    for (bool scores : {true, false}) {
      for (int64_t n_tokens : {1, 3, 128}) {
        for (bool kmajor : {false, true}) {
          const std::string name = std::string("AttentionTile/") + (scores ? "scores" : "pv") + "/tokens:" +
                                   std::to_string(n_tokens) + (kmajor ? "/kmajor/" : "/gemm_f32/") + table->name;
          benchmark::RegisterBenchmark(name.c_str(), bm_attention_tile, table, kmajor, scores, n_tokens)
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  for (DType t : kTypes) {
    for (int64_t n_tokens : {1, 32, 128}) {
      for (int threads : {1, 2}) {
        const int64_t rows = 5632, cols = 2048;
        const std::string name = std::string("MatMul/") + std::string(tensor::dtype_name(t)) + "/" +
                                 std::to_string(rows) + "x" + std::to_string(cols) + "/tokens:" +
                                 std::to_string(n_tokens) + "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), bm_matmul, t, rows, cols, n_tokens, threads, false)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
  // Decode rows of a batched step (continuous batching): per token vs the prompt gemm, 2 threads.
  for (DType t : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K}) {
    for (int64_t n_tokens : {1, 2, 4, 8, 16}) {
      for (bool per_token : {true, false}) {
        if (n_tokens == 1 && !per_token) continue;
        const int64_t rows = 5632, cols = 2048;
        const std::string name = std::string("DecodeRows/") + std::string(tensor::dtype_name(t)) + "/tokens:" +
                                 std::to_string(n_tokens) + (per_token ? "/per_token" : "/gemm");
        benchmark::RegisterBenchmark(name.c_str(), bm_matmul, t, rows, cols, n_tokens, 2, per_token)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace glassbox

int main(int argc, char** argv) {
  glassbox::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
