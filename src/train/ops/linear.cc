// Linear layer and GEMM: B packed into 8-column panels, a 4×8 register tile, tasks over (row block, panel group).
#include "train/ops/linear.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace glassbox::train {
namespace {

constexpr int64_t kMr = 4;           // rows of C per micro tile
constexpr int64_t kNr = 8;           // columns of C per micro tile (one packed panel)
constexpr int64_t kMc = 64;          // rows of C per task: its A block stays in L2 while the panels stream
constexpr int64_t kPanelsPerTask = 8;

// acc[r][j] = sum_k a_r[k] * panel[k][j], k ascending; the same arithmetic for every tile shape, so a C element's
// value does not depend on where tiles fall.
template <typename T, int64_t R>
inline void micro_tile(int64_t k, const T* const* a_rows, const T* panel, T (&acc)[kMr][kNr]) {
  T sum[R][kNr] = {};
  for (int64_t kk = 0; kk < k; ++kk) {
    const T* p = panel + kk * kNr;
    for (int64_t r = 0; r < R; ++r) {
      const T av = a_rows[r][kk];
      for (int64_t j = 0; j < kNr; ++j) sum[r][j] += av * p[j];
    }
  }
  for (int64_t r = 0; r < R; ++r)
    for (int64_t j = 0; j < kNr; ++j) acc[r][j] = sum[r][j];
}

}  // namespace

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs,
          int64_t b_cs, T* c, int64_t ldc, bool accumulate, ThreadPool* pool) {
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
  // A with unit row stride is copied row-major so the micro tile reads contiguous rows.
  std::vector<T> a_copy;
  if (a_cs != 1) {
    a_copy.resize(static_cast<size_t>(m * k));
    run(m, 16, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t kk = 0; kk < k; ++kk) a_copy[i * k + kk] = a[i * a_rs + kk * a_cs];
    });
    a = a_copy.data();
    a_rs = k;
    a_cs = 1;
  }
  const int64_t n_panels = (n + kNr - 1) / kNr;
  std::vector<T> packed(static_cast<size_t>(n_panels * k * kNr));
  run(n_panels, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* dst = packed.data() + p * k * kNr;
      const int64_t j0 = p * kNr;
      const int64_t nr = std::min(kNr, n - j0);
      for (int64_t kk = 0; kk < k; ++kk) {
        for (int64_t j = 0; j < nr; ++j) dst[kk * kNr + j] = b[kk * b_rs + (j0 + j) * b_cs];
        for (int64_t j = nr; j < kNr; ++j) dst[kk * kNr + j] = T(0);
      }
    }
  });

  const int64_t n_row_blocks = (m + kMc - 1) / kMc;
  const int64_t n_panel_groups = (n_panels + kPanelsPerTask - 1) / kPanelsPerTask;
  run(n_row_blocks * n_panel_groups, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t rb = task / n_panel_groups;
      const int64_t pg = task % n_panel_groups;
      const int64_t i_end = std::min(m, (rb + 1) * kMc);
      const int64_t p_end = std::min(n_panels, (pg + 1) * kPanelsPerTask);
      for (int64_t p = pg * kPanelsPerTask; p < p_end; ++p) {
        const T* panel = packed.data() + p * k * kNr;
        const int64_t j0 = p * kNr;
        const int64_t nr = std::min(kNr, n - j0);
        for (int64_t i = rb * kMc; i < i_end; i += kMr) {
          const int64_t mr = std::min(kMr, i_end - i);
          const T* rows[kMr];
          for (int64_t r = 0; r < kMr; ++r) rows[r] = a + std::min(i + r, m - 1) * a_rs;
          T acc[kMr][kNr];
          switch (mr) {
            case 4: micro_tile<T, 4>(k, rows, panel, acc); break;
            case 3: micro_tile<T, 3>(k, rows, panel, acc); break;
            case 2: micro_tile<T, 2>(k, rows, panel, acc); break;
            default: micro_tile<T, 1>(k, rows, panel, acc); break;
          }
          for (int64_t r = 0; r < mr; ++r) {
            T* crow = c + (i + r) * ldc + j0;
            if (accumulate) {
              for (int64_t j = 0; j < nr; ++j) crow[j] += acc[r][j];
            } else {
              for (int64_t j = 0; j < nr; ++j) crow[j] = acc[r][j];
            }
          }
        }
      }
    }
  });
}

template <typename T>
void linear_forward(const T* x, const T* w, T* y, int64_t n_tokens, int64_t d_in, int64_t d_out, ThreadPool* pool) {
  // B(k, n) = W[n, k].
  gemm<T>(n_tokens, d_out, d_in, x, d_in, 1, w, 1, d_in, y, d_out, false, pool);
}

template <typename T>
void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, int64_t n_tokens, int64_t d_in,
                     int64_t d_out, bool accumulate_dx, ThreadPool* pool) {
  if (dx) gemm<T>(n_tokens, d_in, d_out, dy, d_out, 1, w, d_in, 1, dx, d_in, accumulate_dx, pool);
  // A(m = out, k = token) = dy[token, out].
  if (dw) gemm<T>(d_out, d_in, n_tokens, dy, 1, d_out, x, d_in, 1, dw, d_in, true, pool);
}

template void gemm<float>(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t, int64_t,
                          float*, int64_t, bool, ThreadPool*);
template void gemm<double>(int64_t, int64_t, int64_t, const double*, int64_t, int64_t, const double*, int64_t,
                           int64_t, double*, int64_t, bool, ThreadPool*);
template void linear_forward<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, ThreadPool*);
template void linear_forward<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, ThreadPool*);
template void linear_backward<float>(const float*, const float*, const float*, float*, float*, int64_t, int64_t,
                                     int64_t, bool, ThreadPool*);
template void linear_backward<double>(const double*, const double*, const double*, double*, double*, int64_t,
                                      int64_t, int64_t, bool, ThreadPool*);

}  // namespace glassbox::train
