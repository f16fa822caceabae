// Matrix products through the active KernelTable's vec_dot; rows of W split across threads so that each
// weight row is read once for all tokens.
#include "model/matmul.h"

#include <cstring>

#include "base/check.h"
#include "kernels/kernel_table.h"

namespace glassbox::model {

tensor::DType activation_type(tensor::DType weight_dtype) {
  return kernels::active_table().float_activations ? tensor::DType::kF32
                                                   : tensor::dtype_info(weight_dtype).vec_dot_type;
}

void prepare_input(tensor::DType weight_dtype, const float* x, int64_t n_tokens, int64_t cols, ThreadPool& pool,
                   PreparedInput* out) {
  const tensor::DType vt = activation_type(weight_dtype);
  out->dtype = vt;
  out->n_tokens = n_tokens;
  out->cols = cols;
  out->row_bytes = tensor::row_bytes(vt, cols);
  out->data.resize(out->row_bytes * static_cast<size_t>(n_tokens));
  if (vt == tensor::DType::kF32) {
    std::memcpy(out->data.data(), x, out->data.size());
    return;
  }
  auto quantize = kernels::active_table().of(vt).quantize_row;
  GB_CHECK(quantize != nullptr);
  pool.parallel_for(n_tokens, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) quantize(x + t * cols, out->data.data() + t * out->row_bytes, cols);
  });
}

void matmul(const WeightMatrix& w, const PreparedInput& x, float* y, ThreadPool& pool) {
  GB_CHECK(x.cols == w.cols);
  GB_CHECK(x.dtype == activation_type(w.dtype));
  const kernels::TypeKernels& k = kernels::active_table().of(w.dtype);
  const int64_t n_tokens = x.n_tokens;
  const int64_t rows = w.rows;
  if (x.dtype == tensor::DType::kF32 && k.vec_dot_f32 != nullptr) {
    auto vec_dot = k.vec_dot_f32;
    pool.parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
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

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            PreparedInput* scratch) {
  prepare_input(w.dtype, x, n_tokens, w.cols, pool, scratch);
  matmul(w, *scratch, y, pool);
}

void dequantize_row(const WeightMatrix& w, int64_t r, float* dst) {
  auto dequantize = kernels::active_table().of(w.dtype).dequantize_row;
  GB_CHECK(dequantize != nullptr);
  dequantize(w.row(r), dst, w.cols);
}

}  // namespace glassbox::model
