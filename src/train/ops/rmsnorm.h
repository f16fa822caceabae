// RMSNorm with a weight and no bias: y = x / sqrt(mean(x²) + eps) · w; forward and backward.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace glassbox::train {

// x, y: [n_tokens, dim]; w: [dim]; rstd: [n_tokens], saved for the backward (1 / sqrt(mean(x²) +
// eps)).
template <typename T>
void rmsnorm_forward(const T* x, const T* w, T* y, T* rstd, int64_t n_tokens, int64_t dim, T eps,
                     ThreadPool* pool);

// dx[n_tokens, dim] (+)= ∂L/∂x given dy (accumulate_dx selects += or =); dw[dim] += Σ_tokens dy · x
// · rstd. dw is summed over tokens in order on one thread (deterministic).
template <typename T>
void rmsnorm_backward(const T* x, const T* w, const T* rstd, const T* dy, T* dx, T* dw,
                      int64_t n_tokens, int64_t dim, bool accumulate_dx, ThreadPool* pool);

}  // namespace glassbox::train
