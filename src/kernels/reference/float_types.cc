// Reference kernels of the plain float types: F32, F16 (IEEE binary16) and BF16 (bfloat16).
//
// The dot products widen both operands to float and accumulate in double, so they are the exact dot of
// the stored values up to one final rounding.
#include <cstring>

#include "base/fp16.h"
#include "kernels/reference/reference_kernels.h"

namespace glassbox::kernels::reference {
namespace {

using tensor::DType;

// Rows may be unaligned (a row inside a mapped file), so elements are read with memcpy.
inline uint16_t load_u16(const void* row, int64_t idx) {
  uint16_t v;
  std::memcpy(&v, static_cast<const uint8_t*>(row) + 2 * idx, 2);
  return v;
}
inline void store_u16(void* row, int64_t idx, uint16_t v) {
  std::memcpy(static_cast<uint8_t*>(row) + 2 * idx, &v, 2);
}
inline float load_f32(const void* row, int64_t idx) {
  float v;
  std::memcpy(&v, static_cast<const uint8_t*>(row) + 4 * idx, 4);
  return v;
}

void dequantize_row_f32(const void* src, float* dst, int64_t n) { std::memmove(dst, src, 4 * n); }
void quantize_row_f32(const float* src, void* dst, int64_t n) { std::memmove(dst, src, 4 * n); }
float vec_dot_f32(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(load_f32(w, i)) * load_f32(x, i);
  return static_cast<float>(sum);
}

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(load_u16(src, i));
}
void quantize_row_f16(const float* src, void* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) store_u16(dst, i, fp32_to_fp16(src[i]));
}
float vec_dot_f16(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += static_cast<double>(fp16_to_fp32(load_u16(w, i))) * fp16_to_fp32(load_u16(x, i));
  }
  return static_cast<float>(sum);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(load_u16(src, i));
}
void quantize_row_bf16(const float* src, void* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) store_u16(dst, i, fp32_to_bf16(src[i]));
}
float vec_dot_bf16(int64_t n, const void* w, const void* x) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += static_cast<double>(bf16_to_fp32(load_u16(w, i))) * bf16_to_fp32(load_u16(x, i));
  }
  return static_cast<float>(sum);
}

void set(KernelTable& table, DType dtype, TypeKernels kernels) {
  table.types[static_cast<uint32_t>(dtype)] = kernels;
}

}  // namespace

void add_float_kernels(KernelTable& table) {
  set(table, DType::kF32, {dequantize_row_f32, quantize_row_f32, vec_dot_f32});
  set(table, DType::kF16, {dequantize_row_f16, quantize_row_f16, vec_dot_f16});
  set(table, DType::kBF16, {dequantize_row_bf16, quantize_row_bf16, vec_dot_bf16});
}

}  // namespace glassbox::kernels::reference
