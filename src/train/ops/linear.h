// Linear layer y = x · Wᵀ (no bias) and the blocked GEMM under it; forward and backward.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace glassbox::train {

// C[M, N] (+)= A · B, where A(m, k) = a[m * a_rs + k * a_cs] and B(k, n) = b[k * b_rs + n * b_cs];
// C is row-major with leading dimension ldc. Each C element is one sum over k in increasing order,
// computed by one thread, so the result does not depend on the thread count. `pool` may be null
// (runs on the caller). T is float or double. Packs B into a per-thread scratch buffer of about N *
// K elements that is kept for later calls.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b,
          int64_t b_rs, int64_t b_cs, T* c, int64_t ldc, bool accumulate, ThreadPool* pool);

// y[n_tokens, d_out] = x[n_tokens, d_in] · W[d_out, d_in]ᵀ (PyTorch nn.Linear layout).
template <typename T>
void linear_forward(const T* x, const T* w, T* y, int64_t n_tokens, int64_t d_in, int64_t d_out,
                    ThreadPool* pool);

// dx[n_tokens, d_in] (+)= dy · W (accumulate_dx selects += or =); dw[d_out, d_in] += dyᵀ · x.
// Either of dx, dw may be null to skip it.
template <typename T>
void linear_backward(const T* x, const T* w, const T* dy, T* dx, T* dw, int64_t n_tokens,
                     int64_t d_in, int64_t d_out, bool accumulate_dx, ThreadPool* pool);

}  // namespace glassbox::train
