// RoPE (Su et al. 2021, eq. 34) with the adjacent-pair layout; forward and backward.
#include "train/ops/rope.h"

#include <cmath>

namespace glassbox::train {

template <typename T>
RopeTable<T>::RopeTable(int64_t n_positions, int64_t head_dim_, double theta)
    : head_dim(head_dim_) {
  const int64_t half = head_dim / 2;
  cos.resize(n_positions * half);
  sin.resize(n_positions * half);
  for (int64_t p = 0; p < n_positions; ++p)
    for (int64_t i = 0; i < half; ++i) {
      const double freq =
          std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
      const double angle = static_cast<double>(p) * freq;
      cos[p * half + i] = static_cast<T>(std::cos(angle));
      sin[p * half + i] = static_cast<T>(std::sin(angle));
    }
}

namespace {

template <typename T>
void rotate(T* x, const RopeTable<T>& table, int64_t batch, int64_t seq_len, int64_t n_heads,
            T sign, ThreadPool* pool) {
  const int64_t hd = table.head_dim;
  const int64_t half = hd / 2;
  auto body = [&](int64_t t0, int64_t t1) {
    for (int64_t token = t0; token < t1; ++token) {
      const int64_t s = token % seq_len;
      const T* c = table.cos.data() + s * half;
      const T* sn = table.sin.data() + s * half;
      T* row = x + token * n_heads * hd;
      for (int64_t h = 0; h < n_heads; ++h) {
        T* v = row + h * hd;
        for (int64_t i = 0; i < half; ++i) {
          const T x0 = v[2 * i], x1 = v[2 * i + 1];
          const T si = sign * sn[i];
          v[2 * i] = x0 * c[i] - x1 * si;
          v[2 * i + 1] = x0 * si + x1 * c[i];
        }
      }
    }
  };
  if (pool)
    pool->parallel_for(batch * seq_len, 16, body);
  else
    body(0, batch * seq_len);
}

}  // namespace

template <typename T>
void rope_forward(T* x, const RopeTable<T>& table, int64_t batch, int64_t seq_len, int64_t n_heads,
                  ThreadPool* pool) {
  rotate<T>(x, table, batch, seq_len, n_heads, T(1), pool);
}

template <typename T>
void rope_backward(T* dx, const RopeTable<T>& table, int64_t batch, int64_t seq_len,
                   int64_t n_heads, ThreadPool* pool) {
  rotate<T>(dx, table, batch, seq_len, n_heads, T(-1), pool);
}

template struct RopeTable<float>;
template struct RopeTable<double>;
template void rope_forward<float>(float*, const RopeTable<float>&, int64_t, int64_t, int64_t,
                                  ThreadPool*);
template void rope_forward<double>(double*, const RopeTable<double>&, int64_t, int64_t, int64_t,
                                   ThreadPool*);
template void rope_backward<float>(float*, const RopeTable<float>&, int64_t, int64_t, int64_t,
                                   ThreadPool*);
template void rope_backward<double>(double*, const RopeTable<double>&, int64_t, int64_t, int64_t,
                                    ThreadPool*);

}  // namespace glassbox::train
