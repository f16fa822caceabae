// SwiGLU: silu(g) = g·σ(g), d silu/dg = σ(g)·(1 + g·(1 − σ(g))).
#include "train/ops/swiglu.h"

#include <cmath>

namespace glassbox::train {

template <typename T>
void swiglu_forward(const T* gate, const T* up, T* h, int64_t n, ThreadPool* pool) {
  auto body = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T g = gate[i];
      const T sig = T(1) / (T(1) + std::exp(-g));
      h[i] = g * sig * up[i];
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
    for (int64_t i = i0; i < i1; ++i) {
      const T g = gate[i];
      const T sig = T(1) / (T(1) + std::exp(-g));
      dup[i] = dh[i] * g * sig;
      dgate[i] = dh[i] * up[i] * sig * (T(1) + g * (T(1) - sig));
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
