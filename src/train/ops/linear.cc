// Linear layer and GEMM: B packed into panels two vectors wide, a 6-row register tile, tasks over
// (row block, column group).
#include "train/ops/linear.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

namespace glassbox::train {
namespace {

// A 32-byte vector (GCC/Clang vector extension; lowered to SSE, AVX or NEON by the compiler).
template <typename T>
struct Simd;
template <>
struct Simd<float> {
  typedef float V __attribute__((vector_size(32)));
};
template <>
struct Simd<double> {
  typedef double V __attribute__((vector_size(32)));
};

template <typename T>
constexpr int64_t kLanes = 32 / sizeof(T);
template <typename T>
constexpr int64_t kNr =
    2 * kLanes<T>;           // columns of C per micro tile (one packed panel): two vectors
constexpr int64_t kMr = 6;   // rows of C per micro tile: 12 vector accumulators
constexpr int64_t kMc = 72;  // rows of C per task: its A block stays in L2 while the panels stream
constexpr int64_t kColsPerTask = 64;

template <typename T>
struct GemmTiles {
  int64_t m, n, k;
  const T* a;  // A(i, k) = a[i * a_rs + k * a_cs]: read in place, one broadcast element at a time
  int64_t a_rs, a_cs;
  const T* packed;  // ceil(n / kNr) panels of [k][kNr]
  T* c;
  int64_t ldc;
  bool accumulate;
  int64_t n_panel_groups;
};

// sum[r][j] = Σ_k a_r[k] · panel[k][j], k ascending. Every tile shape runs the same per-element
// arithmetic, so a C element's value does not depend on where tiles (and thread boundaries) fall.
template <typename T, int R>
__attribute__((always_inline)) inline void micro_tile(int64_t k, const T* const* a_rows,
                                                      int64_t a_cs, const T* panel,
                                                      T (&out)[kMr][kNr<T>]) {
  using V = typename Simd<T>::V;
  V c0[R], c1[R];
  for (int r = 0; r < R; ++r) c0[r] = c1[r] = V{};
  for (int64_t kk = 0; kk < k; ++kk) {
    V b0, b1;
    std::memcpy(&b0, panel + kk * kNr<T>, sizeof(V));
    std::memcpy(&b1, panel + kk * kNr<T> + kLanes<T>, sizeof(V));
    for (int r = 0; r < R; ++r) {
      const T av = a_rows[r][kk * a_cs];
      c0[r] += av * b0;
      c1[r] += av * b1;
    }
  }
  for (int r = 0; r < R; ++r) {
    std::memcpy(&out[r][0], &c0[r], sizeof(V));
    std::memcpy(&out[r][kLanes<T>], &c1[r], sizeof(V));
  }
}

template <typename T>
__attribute__((always_inline)) inline void run_tiles_impl(const GemmTiles<T>& g, int64_t t0,
                                                          int64_t t1) {
  constexpr int64_t nr_full = kNr<T>;
  constexpr int64_t panels_per_task = kColsPerTask / nr_full;
  const int64_t n_panels = (g.n + nr_full - 1) / nr_full;
  for (int64_t task = t0; task < t1; ++task) {
    const int64_t rb = task / g.n_panel_groups;
    const int64_t pg = task % g.n_panel_groups;
    const int64_t i_end = std::min(g.m, (rb + 1) * kMc);
    const int64_t p_end = std::min(n_panels, (pg + 1) * panels_per_task);
    for (int64_t p = pg * panels_per_task; p < p_end; ++p) {
      const T* panel = g.packed + p * g.k * nr_full;
      const int64_t j0 = p * nr_full;
      const int64_t nr = std::min(nr_full, g.n - j0);
      for (int64_t i = rb * kMc; i < i_end; i += kMr) {
        const int64_t mr = std::min(kMr, i_end - i);
        const T* rows[kMr];
        for (int64_t r = 0; r < kMr; ++r) rows[r] = g.a + std::min(i + r, g.m - 1) * g.a_rs;
        T acc[kMr][kNr<T>];
        switch (mr) {
          case 6:
            micro_tile<T, 6>(g.k, rows, g.a_cs, panel, acc);
            break;
          case 5:
            micro_tile<T, 5>(g.k, rows, g.a_cs, panel, acc);
            break;
          case 4:
            micro_tile<T, 4>(g.k, rows, g.a_cs, panel, acc);
            break;
          case 3:
            micro_tile<T, 3>(g.k, rows, g.a_cs, panel, acc);
            break;
          case 2:
            micro_tile<T, 2>(g.k, rows, g.a_cs, panel, acc);
            break;
          default:
            micro_tile<T, 1>(g.k, rows, g.a_cs, panel, acc);
            break;
        }
        for (int64_t r = 0; r < mr; ++r) {
          T* crow = g.c + (i + r) * g.ldc + j0;
          if (g.accumulate) {
            for (int64_t j = 0; j < nr; ++j) crow[j] += acc[r][j];
          } else {
            for (int64_t j = 0; j < nr; ++j) crow[j] = acc[r][j];
          }
        }
      }
    }
  }
}

// On x86-64 the compiler also builds an AVX2+FMA copy and picks one at load time (ifunc); every
// call in a process uses the same copy, so results stay independent of the thread count.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GB_TRAIN_GEMM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GB_TRAIN_GEMM_CLONES
#endif

GB_TRAIN_GEMM_CLONES void run_tiles(const GemmTiles<float>& g, int64_t t0, int64_t t1) {
  run_tiles_impl(g, t0, t1);
}
GB_TRAIN_GEMM_CLONES void run_tiles(const GemmTiles<double>& g, int64_t t0, int64_t t1) {
  run_tiles_impl(g, t0, t1);
}

}  // namespace

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b,
          int64_t b_rs, int64_t b_cs, T* c, int64_t ldc, bool accumulate, ThreadPool* pool) {
  if (m <= 0 || n <= 0) return;
  auto run = [&](int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (pool) {
      pool->parallel_for(count, grain, fn);
    } else {
      fn(0, count);
    }
  };
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return;
  }
  constexpr int64_t nr_full = kNr<T>;
  const int64_t n_panels = (n + nr_full - 1) / nr_full;
  // Reused across calls: fresh multi-megabyte allocations cost more in page faults than the packing
  // itself. Lambdas on other threads must see this thread's buffer, so they capture its pointer,
  // not the thread_local.
  thread_local std::vector<T> scratch;
  const size_t packed_size = static_cast<size_t>(n_panels * k * nr_full);
  if (scratch.size() < packed_size) scratch.resize(packed_size);
  T* const packed = scratch.data();
  run(n_panels, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = packed + p * k * nr_full;
      const int64_t j0 = p * nr_full;
      const int64_t nr = std::min(nr_full, n - j0);
      if (b_rs == 1) {
        // B read along k (a weight's rows): one contiguous read per column.
        for (int64_t j = 0; j < nr; ++j)
          for (int64_t kk = 0; kk < k; ++kk) dst[kk * nr_full + j] = b[kk + (j0 + j) * b_cs];
      } else {
        for (int64_t kk = 0; kk < k; ++kk)
          for (int64_t j = 0; j < nr; ++j) dst[kk * nr_full + j] = b[kk * b_rs + (j0 + j) * b_cs];
      }
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t j = nr; j < nr_full; ++j) dst[kk * nr_full + j] = T(0);
    }
  });
  constexpr int64_t panels_per_task = kColsPerTask / nr_full;
  GemmTiles<T> g{m,
                 n,
                 k,
                 a,
                 a_rs,
                 a_cs,
                 packed,
                 c,
                 ldc,
                 accumulate,
                 (n_panels + panels_per_task - 1) / panels_per_task};
  const int64_t n_row_blocks = (m + kMc - 1) / kMc;
  run(n_row_blocks * g.n_panel_groups, 1, [&](int64_t t0, int64_t t1) { run_tiles(g, t0, t1); });
}

template <typename T>
void linear_forward(const T* x, const T* w, T* y, int64_t n_tokens, int64_t d_in, int64_t d_out,
                    ThreadPool* pool) {
  // B(k, n) = W[n, k].
  gemm<T>(n_tokens, d_out, d_in, x, d_in, 1, w, 1, d_in, y, d_out, false, pool);
}

template <typename T>
void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, int64_t n_tokens,
                     int64_t d_in, int64_t d_out, bool accumulate_dx, ThreadPool* pool) {
  if (dx) gemm<T>(n_tokens, d_in, d_out, dy, d_out, 1, w, d_in, 1, dx, d_in, accumulate_dx, pool);
  // A(m = out, k = token) = dy[token, out].
  if (dw) gemm<T>(d_out, d_in, n_tokens, dy, 1, d_out, x, d_in, 1, dw, d_in, true, pool);
}

template void gemm<float>(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*,
                          int64_t, int64_t, float*, int64_t, bool, ThreadPool*);
template void gemm<double>(int64_t, int64_t, int64_t, const double*, int64_t, int64_t,
                           const double*, int64_t, int64_t, double*, int64_t, bool, ThreadPool*);
template void linear_forward<float>(const float*, const float*, float*, int64_t, int64_t, int64_t,
                                    ThreadPool*);
template void linear_forward<double>(const double*, const double*, double*, int64_t, int64_t,
                                     int64_t, ThreadPool*);
template void linear_backward<float>(const float*, const float*, const float*, float*, float*,
                                     int64_t, int64_t, int64_t, bool, ThreadPool*);
template void linear_backward<double>(const double*, const double*, const double*, double*, double*,
                                      int64_t, int64_t, int64_t, bool, ThreadPool*);

}  // namespace glassbox::train
