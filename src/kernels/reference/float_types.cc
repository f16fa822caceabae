// Reference kernels of the plain float types: F32, F16 (IEEE binary16) and BF16 (bfloat16).
//
// The dot products widen both operands to float and accumulate in double, so they are the exact dot of
// the stored values up to one final rounding.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

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

// Rows of a half-precision type as int16 (decode_row_i16) for the int16 prompt product: per sub-block of
// 16, scale = max|w| / 4095 and q = round(w / scale) (ties to even) in [-4095, 4095] (13 bits: the widest
// integers for which a 16-element dot with int16 activations fits int32). The rounding error, <= max|w| /
// 8190, is at most F16's own half-step for the block's largest weights (2^-12 relative), so the product
// stays about as exact as F16 storage allows; llama.cpp instead rounds the activations to F16.
constexpr int kFloatI16Block = 16;
constexpr float kFloatI16Max = 4095.0f;

template <float (*kLoad)(const void*, int64_t)>
void decode_row_i16_float(const void* src, int64_t n, int16_t* q, float* scale, float*) {
  for (int64_t b = 0; b < n / kFloatI16Block; ++b) {
    float w[kFloatI16Block];
    float amax = 0.0f;
    for (int i = 0; i < kFloatI16Block; ++i) {
      w[i] = kLoad(src, b * kFloatI16Block + i);
      amax = std::max(amax, std::fabs(w[i]));
    }
    const bool usable = amax > 0.0f && std::isfinite(amax);
    scale[b] = usable ? amax / kFloatI16Max : 0.0f;
    const float inv = usable ? kFloatI16Max / amax : 0.0f;
    for (int i = 0; i < kFloatI16Block; ++i) {
      q[b * kFloatI16Block + i] =
          static_cast<int16_t>(std::clamp(nearest_int(w[i] * inv), -static_cast<int>(kFloatI16Max), static_cast<int>(kFloatI16Max)));
    }
  }
}

float load_f16(const void* row, int64_t idx) { return fp16_to_fp32(load_u16(row, idx)); }
float load_bf16(const void* row, int64_t idx) { return bf16_to_fp32(load_u16(row, idx)); }

void set(KernelTable& table, DType dtype, TypeKernels kernels) {
  table.types[static_cast<uint32_t>(dtype)] = kernels;
}

}  // namespace

void add_float_kernels(KernelTable& table) {
  set(table, DType::kF32, {dequantize_row_f32, quantize_row_f32, vec_dot_f32});
  set(table, DType::kF16, {dequantize_row_f16, quantize_row_f16, vec_dot_f16});
  set(table, DType::kBF16, {dequantize_row_bf16, quantize_row_bf16, vec_dot_bf16});
  for (auto [dtype, decode] : {std::pair{DType::kF16, &decode_row_i16_float<load_f16>},
                               std::pair{DType::kBF16, &decode_row_i16_float<load_bf16>}}) {
    TypeKernels& k = table.types[static_cast<uint32_t>(dtype)];
    k.decode_row_i16 = decode;
    k.i16_block = kFloatI16Block;
    k.i16_has_min = false;
  }
}

}  // namespace glassbox::kernels::reference
