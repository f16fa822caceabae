// SwiGLU: silu(g) = g·σ(g), d silu/dg = σ(g)·(1 + g·(1 − σ(g))).
#include "train/ops/swiglu.h"

#include <algorithm>

#include "base/vec_exp.h"

namespace glassbox::train {
namespace {

constexpr int64_t kChunk = 512;  // elements per exp batch, on the stack

}  // namespace

template <typename T>
void swiglu_forward(const T* gate, const T* up, T* h, int64_t n, ThreadPool* pool) {
  auto body = [&](int64_t i0, int64_t i1) {
    T e[kChunk];
    for (int64_t c0 = i0; c0 < i1; c0 += kChunk) {
      const int64_t len = std::min(kChunk, i1 - c0);
      for (int64_t i = 0; i < len; ++i) e[i] = -gate[c0 + i];
      exp_inplace(e, len);
      for (int64_t i = 0; i < len; ++i) {
        const T g = gate[c0 + i];
        const T sig = T(1) / (T(1) + e[i]);
        h[c0 + i] = g * sig * up[c0 + i];
      }
    }
  };
  if (pool)
    pool->parallel_for(n, 4096, body);
  else
    body(0, n);
}

template <typename T>
void swiglu_backward(const T* gate, const T* up, const T* dh, T* dgate, T* dup, int64_t n,
                     ThreadPool* pool) {
  auto body = [&](int64_t i0, int64_t i1) {
    T e[kChunk];
    for (int64_t c0 = i0; c0 < i1; c0 += kChunk) {
      const int64_t len = std::min(kChunk, i1 - c0);
      for (int64_t i = 0; i < len; ++i) e[i] = -gate[c0 + i];
      exp_inplace(e, len);
      for (int64_t i = 0; i < len; ++i) {
        const int64_t k = c0 + i;
        const T g = gate[k];
        const T sig = T(1) / (T(1) + e[i]);
        dup[k] = dh[k] * g * sig;
        dgate[k] = dh[k] * up[k] * sig * (T(1) + g * (T(1) - sig));
      }
    }
  };
  if (pool)
    pool->parallel_for(n, 4096, body);
  else
    body(0, n);
}

template void swiglu_forward<float>(const float*, const float*, float*, int64_t, ThreadPool*);
template void swiglu_forward<double>(const double*, const double*, double*, int64_t, ThreadPool*);
template void swiglu_backward<float>(const float*, const float*, const float*, float*, float*,
                                     int64_t, ThreadPool*);
template void swiglu_backward<double>(const double*, const double*, const double*, double*, double*,
                                      int64_t, ThreadPool*);

}  // namespace glassbox::train
