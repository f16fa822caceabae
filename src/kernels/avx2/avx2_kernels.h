// Internal interface of the AVX2 kernels: the entry points the table (avx2_table.cc) collects, and the
// vector helpers the kernel files share.
//
// The kernel files are compiled with -mavx2 -mfma -mf16c; avx2_table.cc is not (it only takes addresses),
// so building the table never executes an AVX instruction on a CPU without them.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace glassbox::kernels::avx2 {

// F32, F16, BF16 (float_types.cc).
void dequantize_row_f32(const void* src, float* dst, int64_t n);
void dequantize_row_f16(const void* src, float* dst, int64_t n);
void dequantize_row_bf16(const void* src, float* dst, int64_t n);
float vec_dot_f32_f32(int64_t n, const void* w, const float* x);
float vec_dot_f16_f32(int64_t n, const void* w, const float* x);
float vec_dot_bf16_f32(int64_t n, const void* w, const float* x);

// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (quant_legacy.cc).
void dequantize_row_q4_0(const void* src, float* dst, int64_t n);
void dequantize_row_q4_1(const void* src, float* dst, int64_t n);
void dequantize_row_q5_0(const void* src, float* dst, int64_t n);
void dequantize_row_q5_1(const void* src, float* dst, int64_t n);
void dequantize_row_q8_0(const void* src, float* dst, int64_t n);
float vec_dot_q4_0_f32(int64_t n, const void* w, const float* x);
float vec_dot_q4_1_f32(int64_t n, const void* w, const float* x);
float vec_dot_q5_0_f32(int64_t n, const void* w, const float* x);
float vec_dot_q5_1_f32(int64_t n, const void* w, const float* x);
float vec_dot_q8_0_f32(int64_t n, const void* w, const float* x);

// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K (quant_k.cc).
void dequantize_row_q2_k(const void* src, float* dst, int64_t n);
void dequantize_row_q3_k(const void* src, float* dst, int64_t n);
void dequantize_row_q4_k(const void* src, float* dst, int64_t n);
void dequantize_row_q5_k(const void* src, float* dst, int64_t n);
void dequantize_row_q6_k(const void* src, float* dst, int64_t n);
float vec_dot_q2_k_f32(int64_t n, const void* w, const float* x);
float vec_dot_q3_k_f32(int64_t n, const void* w, const float* x);
float vec_dot_q4_k_f32(int64_t n, const void* w, const float* x);
float vec_dot_q5_k_f32(int64_t n, const void* w, const float* x);
float vec_dot_q6_k_f32(int64_t n, const void* w, const float* x);

// Generation with int16 activations (activation_i16.cc; the dots live beside their float forms).
void quantize_i16(const float* x, int64_t n, int16_t* q, float* scale, int32_t* sum16);
float vec_dot_q4_0_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q4_1_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q5_0_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q5_1_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q8_0_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q2_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q3_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q4_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q5_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q6_k_i16(int64_t n, const void* w, const ActivationI16& x);

// Register-blocked float tile product (gemm.cc), the KernelTable::gemm_f32 contract.
void gemm_f32(int64_t rows, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
              int64_t ldx, float* y, int64_t ldy);

// K-major float tile product (gemm_kmajor.cc), the KernelTable::gemm_f32_kmajor contract.
void gemm_f32_kmajor(int64_t cols, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
                     int64_t ldx, float* y, int64_t ldy, bool accumulate);

}  // namespace glassbox::kernels::avx2
