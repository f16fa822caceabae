// Internal interface of the AVX-512 kernels: the entry points the table (avx512_table.cc) collects.
//
// The kernel files are compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni (and AVX2, FMA,
// F16C); avx512_table.cc is not (it only takes addresses), so building the table never executes an AVX-512
// instruction on a CPU without them.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace glassbox::kernels::avx512 {

// Int16 prompt product (gemm_i16.cc): KernelTable::gemm_i16.
void gemm_i16(int64_t rows, int64_t k_len, int block, const int16_t* w_q, const float* w_scale, const float* w_min,
              int64_t n_tokens, const int16_t* xq, const float* xs, const int32_t* xsum16, float* y, int64_t ldy);

// K-major float tile product (gemm_kmajor.cc): KernelTable::gemm_f32_kmajor.
void gemm_f32_kmajor(int64_t cols, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
                     int64_t ldx, float* y, int64_t ldy, bool accumulate);

// Weight rows as int16 + per-sub-block scales (decode_i16.cc): TypeKernels::decode_row_i16.
void decode_row_i16_f16(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_bf16(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q4_0(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q4_1(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q5_0(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q5_1(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q8_0(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q4_k(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q5_k(const void* src, int64_t n, int16_t* q, float* scale, float* min);
void decode_row_i16_q6_k(const void* src, int64_t n, int16_t* q, float* scale, float* min);

float vec_dot_q4_0_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q4_1_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q5_0_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q5_1_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q2_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q3_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q4_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q5_k_i16(int64_t n, const void* w, const ActivationI16& x);
float vec_dot_q6_k_i16(int64_t n, const void* w, const ActivationI16& x);

}  // namespace glassbox::kernels::avx512
