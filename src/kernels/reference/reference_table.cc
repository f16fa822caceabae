// reference_table(): the scalar reference KernelTable, assembled from the per-family files.
#include <algorithm>

#include "kernels/reference/reference_kernels.h"

namespace glassbox::kernels {
namespace {

// vec_dot_f32 for any type with a dequantizer: decode one block at a time, accumulate in double.
template <tensor::DType kType>
float vec_dot_f32_generic(int64_t n, const void* weight_row, const float* x) {
  const tensor::DTypeInfo& info = tensor::dtype_info(kType);
  const auto dequantize = reference_table().of(kType).dequantize_row;
  const int64_t chunk = std::max<int64_t>(info.block_elems, 256);
  float buf[256];
  double sum = 0;
  const auto* w = static_cast<const uint8_t*>(weight_row);
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t len = std::min(chunk, n - i);
    dequantize(w + tensor::row_bytes(kType, i), buf, len);
    for (int64_t j = 0; j < len; ++j) sum += static_cast<double>(buf[j]) * x[i + j];
  }
  return static_cast<float>(sum);
}

// The float tile product, accumulating each output in double like vec_dot_f32.
void gemm_f32_reference(int64_t rows, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
                        int64_t ldx, float* y, int64_t ldy) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t k = 0; k < k_len; ++k) sum += static_cast<double>(w[r * ldw + k]) * x[t * ldx + k];
      y[t * ldy + r] = static_cast<float>(sum);
    }
  }
}

// The k-major float product (GemmF32KMajorFn), each output accumulated in double from its old value (or 0).
void gemm_f32_kmajor_reference(int64_t cols, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw,
                               const float* x, int64_t ldx, float* y, int64_t ldy, bool accumulate) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t r = 0; r < cols; ++r) {
      double sum = accumulate ? static_cast<double>(y[t * ldy + r]) : 0.0;
      for (int64_t k = 0; k < k_len; ++k) sum += static_cast<double>(x[t * ldx + k]) * w[k * ldw + r];
      y[t * ldy + r] = static_cast<float>(sum);
    }
  }
}

template <tensor::DType... kTypes>
void add_vec_dot_f32(KernelTable& t) {
  ((t.types[static_cast<uint32_t>(kTypes)].vec_dot_f32 = &vec_dot_f32_generic<kTypes>), ...);
}

}  // namespace

namespace reference {

void gemm_i16(int64_t rows, int64_t k_len, int block, const int16_t* w_q, const float* w_scale, const float* w_min,
              int64_t n_tokens, const int16_t* xq, const float* xs, const int32_t* xsum16, float* y, int64_t ldy) {
  const int64_t nb = k_len / block;
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t b = 0; b < nb; ++b) {
        int64_t dot = 0, xsum = 0;
        for (int64_t i = b * block; i < (b + 1) * block; ++i) {
          dot += static_cast<int64_t>(w_q[r * k_len + i]) * xq[t * k_len + i];
        }
        for (int64_t j = b * block / 16; j < (b + 1) * block / 16; ++j) xsum += xsum16[t * (k_len / 16) + j];
        const double x_scale = xs[t * (k_len / 32) + b * block / 32];
        sum += static_cast<double>(w_scale[r * nb + b]) * x_scale * static_cast<double>(dot);
        if (w_min != nullptr) sum -= static_cast<double>(w_min[r * nb + b]) * x_scale * static_cast<double>(xsum);
      }
      y[t * ldy + r] = static_cast<float>(sum);
    }
  }
}

}  // namespace reference

const KernelTable& reference_table() {
  static const KernelTable table = [] {
    KernelTable t;
    t.name = "reference";
    reference::add_float_kernels(t);
    reference::add_legacy_quant_kernels(t);
    reference::add_k_quant_kernels(t);
    using tensor::DType;
    add_vec_dot_f32<DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                    DType::kQ8_0, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K>(t);
    t.float_activations = true;
    t.gemm_f32 = &gemm_f32_reference;
    t.gemm_f32_kmajor = &gemm_f32_kmajor_reference;
    return t;
  }();
  return table;
}

}  // namespace glassbox::kernels
