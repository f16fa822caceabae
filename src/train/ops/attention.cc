// Scaled dot-product attention (Vaswani et al. 2017, eq. 1) with a causal mask and shared K/V heads.
#include "train/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace glassbox::train {

template <typename T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* probs, const AttentionShape& s,
                       ThreadPool* pool) {
  const int64_t hd = s.head_dim, seq = s.seq_len;
  const int64_t group = s.n_heads / s.n_kv_heads;
  const int64_t q_stride = s.n_heads * hd, kv_stride = s.n_kv_heads * hd;
  const T scale = T(1) / std::sqrt(T(hd));
  auto body = [&](int64_t i0, int64_t i1) {
    for (int64_t idx = i0; idx < i1; ++idx) {
      const int64_t b = idx / s.n_heads, h = idx % s.n_heads, kvh = h / group;
      const T* qb = q + b * seq * q_stride + h * hd;
      const T* kb = k + b * seq * kv_stride + kvh * hd;
      const T* vb = v + b * seq * kv_stride + kvh * hd;
      T* ob = out + b * seq * q_stride + h * hd;
      T* pb = probs + (b * s.n_heads + h) * seq * seq;
      for (int64_t t = 0; t < seq; ++t) {
        const T* qt = qb + t * q_stride;
        T* p = pb + t * seq;
        T mx = -INFINITY;
        for (int64_t u = 0; u <= t; ++u) {
          const T* ku = kb + u * kv_stride;
          T dot = 0;
          for (int64_t i = 0; i < hd; ++i) dot += qt[i] * ku[i];
          p[u] = dot * scale;
          mx = std::max(mx, p[u]);
        }
        T sum = 0;
        for (int64_t u = 0; u <= t; ++u) {
          p[u] = std::exp(p[u] - mx);
          sum += p[u];
        }
        const T inv = T(1) / sum;
        for (int64_t u = 0; u <= t; ++u) p[u] *= inv;
        std::fill(p + t + 1, p + seq, T(0));
        T* ot = ob + t * q_stride;
        std::fill(ot, ot + hd, T(0));
        for (int64_t u = 0; u <= t; ++u) {
          const T* vu = vb + u * kv_stride;
          const T pu = p[u];
          for (int64_t i = 0; i < hd; ++i) ot[i] += pu * vu[i];
        }
      }
    }
  };
  if (pool) pool->parallel_for(s.batch * s.n_heads, 1, body); else body(0, s.batch * s.n_heads);
}

// With P = softmax(S): dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS·K·scale, dK += dSᵀ·Q·scale.
template <typename T>
void attention_backward(const T* q, const T* k, const T* v, const T* probs, const T* dout, T* dq, T* dk, T* dv,
                        const AttentionShape& s, ThreadPool* pool) {
  const int64_t hd = s.head_dim, seq = s.seq_len;
  const int64_t group = s.n_heads / s.n_kv_heads;
  const int64_t q_stride = s.n_heads * hd, kv_stride = s.n_kv_heads * hd;
  const T scale = T(1) / std::sqrt(T(hd));
  auto body = [&](int64_t i0, int64_t i1) {
    std::vector<T> ds(seq);
    for (int64_t idx = i0; idx < i1; ++idx) {
      const int64_t b = idx / s.n_kv_heads, kvh = idx % s.n_kv_heads;
      const T* kb = k + b * seq * kv_stride + kvh * hd;
      const T* vb = v + b * seq * kv_stride + kvh * hd;
      T* dkb = dk + b * seq * kv_stride + kvh * hd;
      T* dvb = dv + b * seq * kv_stride + kvh * hd;
      for (int64_t u = 0; u < seq; ++u) {
        std::fill(dkb + u * kv_stride, dkb + u * kv_stride + hd, T(0));
        std::fill(dvb + u * kv_stride, dvb + u * kv_stride + hd, T(0));
      }
      for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h) {
        const T* qb = q + b * seq * q_stride + h * hd;
        const T* dob = dout + b * seq * q_stride + h * hd;
        T* dqb = dq + b * seq * q_stride + h * hd;
        const T* pb = probs + (b * s.n_heads + h) * seq * seq;
        for (int64_t t = 0; t < seq; ++t) {
          const T* p = pb + t * seq;
          const T* dot_ = dob + t * q_stride;
          const T* qt = qb + t * q_stride;
          T rowsum = 0;
          for (int64_t u = 0; u <= t; ++u) {
            const T* vu = vb + u * kv_stride;
            T dp = 0;
            for (int64_t i = 0; i < hd; ++i) dp += dot_[i] * vu[i];
            ds[u] = dp;
            rowsum += p[u] * dp;
            T* dvu = dvb + u * kv_stride;
            const T pu = p[u];
            for (int64_t i = 0; i < hd; ++i) dvu[i] += pu * dot_[i];
          }
          T* dqt = dqb + t * q_stride;
          std::fill(dqt, dqt + hd, T(0));
          for (int64_t u = 0; u <= t; ++u) {
            const T g = p[u] * (ds[u] - rowsum) * scale;
            const T* ku = kb + u * kv_stride;
            T* dku = dkb + u * kv_stride;
            for (int64_t i = 0; i < hd; ++i) {
              dqt[i] += g * ku[i];
              dku[i] += g * qt[i];
            }
          }
        }
      }
    }
  };
  if (pool) pool->parallel_for(s.batch * s.n_kv_heads, 1, body); else body(0, s.batch * s.n_kv_heads);
}

template void attention_forward<float>(const float*, const float*, const float*, float*, float*,
                                       const AttentionShape&, ThreadPool*);
template void attention_forward<double>(const double*, const double*, const double*, double*, double*,
                                        const AttentionShape&, ThreadPool*);
template void attention_backward<float>(const float*, const float*, const float*, const float*, const float*, float*,
                                        float*, float*, const AttentionShape&, ThreadPool*);
template void attention_backward<double>(const double*, const double*, const double*, const double*, const double*,
                                         double*, double*, double*, const AttentionShape&, ThreadPool*);

}  // namespace glassbox::train
