// SwiGLU activation h = silu(gate) · up (Shazeer 2020); forward and backward.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace glassbox::train {

// gate, up, h: [n] elementwise; pool may be null.
template <typename T>
void swiglu_forward(const T* gate, const T* up, T* h, int64_t n, ThreadPool* pool);

// dgate, dup (written, not accumulated) from dh.
template <typename T>
void swiglu_backward(const T* gate, const T* up, const T* dh, T* dgate, T* dup, int64_t n,
                     ThreadPool* pool);

}  // namespace glassbox::train
