// Matrix products through the active KernelTable.
//
// One token (generation): the table's int16-activation dot (vec_dot_i16) or fused decode-and-dot
// (vec_dot_f32) per weight row; rows handed to threads in chunks from a shared counter. Several tokens
// taken per token (the decode rows of a batched step): the same dot for each token in turn while the weight
// row is in L1, so the weights stream from memory once and each token's result equals its lone-token result.
// Several tokens (prompt): W is cut into panels of rows; a thread decodes a panel to floats once
// (dequantize_row, into a per-thread buffer that stays in L2) and multiplies it into every token with the
// table's register-blocked gemm_f32, so the decode cost is paid once per weight instead of once per
// (weight, token). Threads take panels from a shared counter, so a stalled core does not hold the rest.
// Both paths use ThreadPool::run_any: a worker that has not picked the job up by the time the caller has
// run out of chunks (its core taken by another process) is not waited for.
#include "model/matmul.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "base/check.h"
#include "kernels/kernel_table.h"

namespace glassbox::model {

tensor::DType activation_type(tensor::DType weight_dtype) {
  return kernels::active_table().float_activations ? tensor::DType::kF32
                                                   : tensor::dtype_info(weight_dtype).vec_dot_type;
}

void prepare_input(tensor::DType weight_dtype, const float* x, int64_t n_tokens, int64_t cols, ThreadPool& pool,
                   PreparedInput* out, bool per_token) {
  const tensor::DType vt = activation_type(weight_dtype);
  out->dtype = vt;
  out->per_token = per_token || n_tokens == 1;
  out->n_tokens = n_tokens;
  out->cols = cols;
  out->row_bytes = tensor::row_bytes(vt, cols);
  out->data.resize(out->row_bytes * static_cast<size_t>(n_tokens));
  out->has_i16 = false;
  if (vt == tensor::DType::kF32) {
    std::memcpy(out->data.data(), x, out->data.size());
    const kernels::QuantizeI16Fn to_i16 = kernels::active_table().quantize_i16;
    if (out->per_token && to_i16 != nullptr && cols % 32 == 0) {
      out->q16.resize(static_cast<size_t>(n_tokens * cols));
      out->scale16.resize(static_cast<size_t>(n_tokens * (cols / 32)));
      out->sum16.resize(static_cast<size_t>(n_tokens * (cols / 16)));
      for (int64_t t = 0; t < n_tokens; ++t) {
        to_i16(x + t * cols, cols, out->q16.data() + t * cols, out->scale16.data() + t * (cols / 32),
               out->sum16.data() + t * (cols / 16));
      }
      out->has_i16 = true;
    }
    return;
  }
  auto quantize = kernels::active_table().of(vt).quantize_row;
  GB_CHECK(quantize != nullptr);
  pool.parallel_for(n_tokens, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) quantize(x + t * cols, out->data.data() + t * out->row_bytes, cols);
  });
}

namespace {

// Floats of decoded weights per panel: 64 KiB, so a panel plus the activation rows of one token group
// stay in a Zen L2 (512 KiB) while every token passes over it.
constexpr int64_t kPanelFloats = 16 * 1024;

int64_t panel_rows_for(int64_t cols) {
  int64_t r = kPanelFloats / std::max<int64_t>(cols, 1);
  r = std::clamp<int64_t>(r - r % 4, 4, 64);
  return r;
}

// Calls fn(begin, end) over [0, rows) in chunks handed out from a shared counter: ~8 chunks per thread,
// so a thread that loses its core to another process leaves its remaining chunks to the others.
template <typename Fn>
void for_row_chunks(int64_t rows, ThreadPool& pool, Fn fn) {
  const int64_t n_threads = pool.n_threads();
  int64_t chunk = rows / (8 * n_threads);
  chunk = std::max<int64_t>(16, chunk - chunk % 16);
  if (n_threads == 1 || rows <= chunk) {
    fn(0, rows);
    return;
  }
  std::atomic<int64_t> next{0};
  pool.run_any([&](int, int) {
    for (int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed); begin < rows;
         begin = next.fetch_add(chunk, std::memory_order_relaxed)) {
      fn(begin, std::min(rows, begin + chunk));
    }
  });
}

void matmul_panels(const WeightMatrix& w, const float* x, int64_t n_tokens, kernels::DequantizeRowFn dequantize,
                   kernels::GemmF32Fn gemm, float* y, ThreadPool& pool) {
  const int64_t rows = w.rows, cols = w.cols;
  const int64_t panel_rows = panel_rows_for(cols);
  const int64_t n_panels = (rows + panel_rows - 1) / panel_rows;
  std::atomic<int64_t> next{0};
  pool.run_any([&](int, int) {
    thread_local std::vector<float> panel;
    panel.resize(static_cast<size_t>(panel_rows * cols));
    for (int64_t p = next.fetch_add(1, std::memory_order_relaxed); p < n_panels;
         p = next.fetch_add(1, std::memory_order_relaxed)) {
      const int64_t r0 = p * panel_rows;
      const int64_t nr = std::min(panel_rows, rows - r0);
      for (int64_t r = 0; r < nr; ++r) dequantize(w.row(r0 + r), panel.data() + r * cols, cols);
      gemm(nr, n_tokens, cols, panel.data(), cols, x, cols, y + r0, rows);
    }
  });
}

}  // namespace

void matmul(const WeightMatrix& w, const PreparedInput& x, float* y, ThreadPool& pool) {
  GB_CHECK(x.cols == w.cols);
  GB_CHECK(x.dtype == activation_type(w.dtype));
  const kernels::TypeKernels& k = kernels::active_table().of(w.dtype);
  const int64_t n_tokens = x.n_tokens;
  const int64_t rows = w.rows;
  const kernels::GemmF32Fn gemm = kernels::active_table().gemm_f32;
  if (x.dtype == tensor::DType::kF32 && !x.per_token && gemm != nullptr && k.dequantize_row != nullptr) {
    matmul_panels(w, reinterpret_cast<const float*>(x.data.data()), n_tokens, k.dequantize_row, gemm, y, pool);
    return;
  }
  if (x.has_i16 && k.vec_dot_i16 != nullptr) {
    auto vec_dot = k.vec_dot_i16;
    for_row_chunks(rows, pool, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const uint8_t* wr = w.row(r);
        for (int64_t t = 0; t < n_tokens; ++t) y[t * rows + r] = vec_dot(w.cols, wr, x.i16_row(t));
      }
    });
    return;
  }
  if (x.dtype == tensor::DType::kF32 && k.vec_dot_f32 != nullptr) {
    auto vec_dot = k.vec_dot_f32;
    for_row_chunks(rows, pool, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const uint8_t* wr = w.row(r);
        for (int64_t t = 0; t < n_tokens; ++t) {
          y[t * rows + r] = vec_dot(w.cols, wr, reinterpret_cast<const float*>(x.row(t)));
        }
      }
    });
    return;
  }
  auto vec_dot = k.vec_dot;
  GB_CHECK(vec_dot != nullptr);
  pool.parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* wr = w.row(r);
      for (int64_t t = 0; t < n_tokens; ++t) y[t * rows + r] = vec_dot(w.cols, wr, x.row(t));
    }
  });
}

void matmul_group(std::span<const Product> products, const PreparedInput& x, ThreadPool& pool) {
  bool fused = x.has_i16;
  for (const auto& [w, y] : products) {
    fused = fused && w->cols == x.cols && x.dtype == activation_type(w->dtype) &&
            kernels::active_table().of(w->dtype).vec_dot_i16 != nullptr;
  }
  if (!fused) {
    for (const auto& [w, y] : products) matmul(*w, x, y, pool);
    return;
  }
  // Rows of all matrices laid end to end: row `g` belongs to the matrix whose range holds it.
  struct Range {
    const WeightMatrix* w;
    float* y;
    int64_t first;
    kernels::VecDotI16Fn dot;
  };
  std::vector<Range> ranges;
  int64_t total = 0;
  for (const auto& [w, y] : products) {
    ranges.push_back({w, y, total, kernels::active_table().of(w->dtype).vec_dot_i16});
    total += w->rows;
  }
  const int64_t n_tokens = x.n_tokens;
  for_row_chunks(total, pool, [&](int64_t begin, int64_t end) {
    size_t k = 0;
    while (k + 1 < ranges.size() && ranges[k + 1].first <= begin) ++k;
    for (int64_t g = begin; g < end; ++g) {
      while (k + 1 < ranges.size() && ranges[k + 1].first <= g) ++k;
      const Range& r = ranges[k];
      const uint8_t* wr = r.w->row(g - r.first);
      for (int64_t t = 0; t < n_tokens; ++t) r.y[t * r.w->rows + (g - r.first)] = r.dot(x.cols, wr, x.i16_row(t));
    }
  });
}

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            PreparedInput* scratch, bool per_token) {
  prepare_input(w.dtype, x, n_tokens, w.cols, pool, scratch, per_token);
  matmul(w, *scratch, y, pool);
}

void dequantize_row(const WeightMatrix& w, int64_t r, float* dst) {
  auto dequantize = kernels::active_table().of(w.dtype).dequantize_row;
  GB_CHECK(dequantize != nullptr);
  dequantize(w.row(r), dst, w.cols);
}

}  // namespace glassbox::model
