// Scaled dot-product attention (Vaswani et al. 2017, eq. 1) with a causal mask and shared K/V
// heads.
#include "train/ops/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "train/ops/linear.h"
#include "base/vec_exp.h"

namespace glassbox::train {

// Per (batch, head) the products run as single-threaded GEMMs over the whole [seq_len, seq_len]
// square (the masked upper triangle is computed and discarded: simpler, and still far faster than
// scalar loops). Each GEMM element is one k-ordered sum, so results do not depend on the thread
// count.
template <typename T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* probs,
                       const AttentionShape& s, ThreadPool* pool) {
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
      // S = Q·Kᵀ: B(i, u) = k[u][i].
      gemm<T>(seq, seq, hd, qb, q_stride, 1, kb, 1, kv_stride, pb, seq, false, nullptr);
      for (int64_t t = 0; t < seq; ++t) {
        T* p = pb + t * seq;
        T mx = -INFINITY;
        for (int64_t u = 0; u <= t; ++u) {
          p[u] *= scale;
          mx = std::max(mx, p[u]);
        }
        for (int64_t u = 0; u <= t; ++u) p[u] -= mx;
        exp_inplace(p, t + 1);
        T sum = 0;
        for (int64_t u = 0; u <= t; ++u) sum += p[u];
        const T inv = T(1) / sum;
        for (int64_t u = 0; u <= t; ++u) p[u] *= inv;
        std::fill(p + t + 1, p + seq, T(0));
      }
      // O = P·V.
      gemm<T>(seq, hd, seq, pb, seq, 1, vb, kv_stride, 1, ob, q_stride, false, nullptr);
    }
  };
  if (pool)
    pool->parallel_for(s.batch * s.n_heads, 1, body);
  else
    body(0, s.batch * s.n_heads);
}

// With P = softmax(S): dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)),
// dQ = dS·K·scale, dK += dSᵀ·Q·scale.
template <typename T>
void attention_backward(const T* q, const T* k, const T* v, const T* probs, const T* dout, T* dq,
                        T* dk, T* dv, const AttentionShape& s, ThreadPool* pool) {
  const int64_t hd = s.head_dim, seq = s.seq_len;
  const int64_t group = s.n_heads / s.n_kv_heads;
  const int64_t q_stride = s.n_heads * hd, kv_stride = s.n_kv_heads * hd;
  const T scale = T(1) / std::sqrt(T(hd));
  auto body = [&](int64_t i0, int64_t i1) {
    std::vector<T> ds(seq * seq);
    for (int64_t idx = i0; idx < i1; ++idx) {
      const int64_t b = idx / s.n_kv_heads, kvh = idx % s.n_kv_heads;
      const T* kb = k + b * seq * kv_stride + kvh * hd;
      const T* vb = v + b * seq * kv_stride + kvh * hd;
      T* dkb = dk + b * seq * kv_stride + kvh * hd;
      T* dvb = dv + b * seq * kv_stride + kvh * hd;
      for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h) {
        const bool first = h == kvh * group;
        const T* qb = q + b * seq * q_stride + h * hd;
        const T* dob = dout + b * seq * q_stride + h * hd;
        T* dqb = dq + b * seq * q_stride + h * hd;
        const T* pb = probs + (b * s.n_heads + h) * seq * seq;
        // dV (+)= Pᵀ·dO: A(u, t) = P[t][u].
        gemm<T>(seq, hd, seq, pb, 1, seq, dob, q_stride, 1, dvb, kv_stride, !first, nullptr);
        // dP = dO·Vᵀ, then dS in place.
        gemm<T>(seq, seq, hd, dob, q_stride, 1, vb, 1, kv_stride, ds.data(), seq, false, nullptr);
        for (int64_t t = 0; t < seq; ++t) {
          const T* p = pb + t * seq;
          T* d = ds.data() + t * seq;
          T rowsum = 0;
          for (int64_t u = 0; u <= t; ++u) rowsum += p[u] * d[u];
          for (int64_t u = 0; u <= t; ++u) d[u] = p[u] * (d[u] - rowsum) * scale;
          std::fill(d + t + 1, d + seq, T(0));
        }
        // dQ = dS·K; dK (+)= dSᵀ·Q.
        gemm<T>(seq, hd, seq, ds.data(), seq, 1, kb, kv_stride, 1, dqb, q_stride, false, nullptr);
        gemm<T>(seq, hd, seq, ds.data(), 1, seq, qb, q_stride, 1, dkb, kv_stride, !first, nullptr);
      }
    }
  };
  if (pool)
    pool->parallel_for(s.batch * s.n_kv_heads, 1, body);
  else
    body(0, s.batch * s.n_kv_heads);
}

template void attention_forward<float>(const float*, const float*, const float*, float*, float*,
                                       const AttentionShape&, ThreadPool*);
template void attention_forward<double>(const double*, const double*, const double*, double*,
                                        double*, const AttentionShape&, ThreadPool*);
template void attention_backward<float>(const float*, const float*, const float*, const float*,
                                        const float*, float*, float*, float*, const AttentionShape&,
                                        ThreadPool*);
template void attention_backward<double>(const double*, const double*, const double*, const double*,
                                         const double*, double*, double*, double*,
                                         const AttentionShape&, ThreadPool*);

}  // namespace glassbox::train
