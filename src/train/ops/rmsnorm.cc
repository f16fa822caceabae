// RMSNorm (Zhang & Sennrich 2019, eq. 4) forward and backward.
#include "train/ops/rmsnorm.h"

#include <cmath>

namespace glassbox::train {

template <typename T>
void rmsnorm_forward(const T* x, const T* w, T* y, T* rstd, int64_t n_tokens, int64_t dim, T eps,
                     ThreadPool* pool) {
  auto body = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const T* xr = x + t * dim;
      T* yr = y + t * dim;
      T ss = 0;
      for (int64_t i = 0; i < dim; ++i) ss += xr[i] * xr[i];
      const T r = T(1) / std::sqrt(ss / T(dim) + eps);
      rstd[t] = r;
      for (int64_t i = 0; i < dim; ++i) yr[i] = xr[i] * r * w[i];
    }
  };
  if (pool)
    pool->parallel_for(n_tokens, 16, body);
  else
    body(0, n_tokens);
}

// With x̂ = x·r and g = dy·w: ∂L/∂x = r · (g − x̂ · mean(g · x̂)).
template <typename T>
void rmsnorm_backward(const T* x, const T* w, const T* rstd, const T* dy, T* dx, T* dw,
                      int64_t n_tokens, int64_t dim, bool accumulate_dx, ThreadPool* pool) {
  auto body = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const T* xr = x + t * dim;
      const T* dyr = dy + t * dim;
      T* dxr = dx + t * dim;
      const T r = rstd[t];
      T dot = 0;
      for (int64_t i = 0; i < dim; ++i) dot += dyr[i] * w[i] * xr[i] * r;
      const T mean = dot / T(dim);
      for (int64_t i = 0; i < dim; ++i) {
        const T g = r * (dyr[i] * w[i] - xr[i] * r * mean);
        dxr[i] = accumulate_dx ? dxr[i] + g : g;
      }
    }
  };
  if (dx) {
    if (pool)
      pool->parallel_for(n_tokens, 16, body);
    else
      body(0, n_tokens);
  }
  if (dw) {
    for (int64_t t = 0; t < n_tokens; ++t) {
      const T* xr = x + t * dim;
      const T* dyr = dy + t * dim;
      const T r = rstd[t];
      for (int64_t i = 0; i < dim; ++i) dw[i] += dyr[i] * xr[i] * r;
    }
  }
}

template void rmsnorm_forward<float>(const float*, const float*, float*, float*, int64_t, int64_t,
                                     float, ThreadPool*);
template void rmsnorm_forward<double>(const double*, const double*, double*, double*, int64_t,
                                      int64_t, double, ThreadPool*);
template void rmsnorm_backward<float>(const float*, const float*, const float*, const float*,
                                      float*, float*, int64_t, int64_t, bool, ThreadPool*);
template void rmsnorm_backward<double>(const double*, const double*, const double*, const double*,
                                       double*, double*, int64_t, int64_t, bool, ThreadPool*);

}  // namespace glassbox::train
