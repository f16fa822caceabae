// TrainModel: the forward and backward graph over the ops in ops/.
#include "train/train_model.h"

#include "base/check.h"
#include "train/ops/cross_entropy.h"
#include "train/ops/embedding.h"
#include "train/ops/linear.h"
#include "train/ops/rmsnorm.h"
#include "train/ops/swiglu.h"

namespace glassbox::train {
namespace {

// Residual add y += x; its backward passes the gradient to both operands unchanged, so it needs no
// op of its own.
template <typename T>
void add_inplace(T* y, const T* x, int64_t n, ThreadPool* pool) {
  auto body = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] += x[i];
  };
  if (pool)
    pool->parallel_for(n, 1 << 14, body);
  else
    body(0, n);
}

}  // namespace

template <typename T>
Result<TrainModel<T>> TrainModel<T>::create(const TrainConfig& config, ThreadPool* pool) {
  GB_RETURN_IF_ERROR(config.validate());
  return TrainModel(config, pool);
}

template <typename T>
TrainModel<T>::TrainModel(const TrainConfig& config, ThreadPool* pool)
    : params_(config), pool_(pool), rope_(config.ctx, config.head_dim(), config.rope_theta) {}

template <typename T>
void TrainModel<T>::resize(int64_t batch, int64_t seq_len) {
  if (batch == batch_ && seq_len == seq_len_) return;
  const TrainConfig& c = config();
  const int64_t n = batch * seq_len, d = c.d_model, kv = c.n_kv_heads * c.head_dim(), ff = c.d_ff;
  layers_.assign(c.n_layers, LayerActs{});
  for (auto& a : layers_) {
    a.x_in.resize(n * d);
    a.xn1.resize(n * d);
    a.rstd1.resize(n);
    a.q.resize(n * d);
    a.k.resize(n * kv);
    a.v.resize(n * kv);
    a.probs.resize(batch * c.n_heads * seq_len * seq_len);
    a.att.resize(n * d);
    a.mid.resize(n * d);
    a.xn2.resize(n * d);
    a.rstd2.resize(n);
    a.gate.resize(n * ff);
    a.up.resize(n * ff);
    a.h.resize(n * ff);
  }
  x_final_.resize(n * d);
  xnf_.resize(n * d);
  rstdf_.resize(n);
  logits_.resize(n * c.vocab_size);
  lse_.resize(n);
  dresid_.resize(n * d);
  dxn_.resize(n * d);
  dtmp_.resize(n * d);
  dq_.resize(n * d);
  dk_.resize(n * kv);
  dv_.resize(n * kv);
  dh_.resize(n * ff);
  dgate_.resize(n * ff);
  dup_.resize(n * ff);
  batch_ = batch;
  seq_len_ = seq_len;
}

template <typename T>
Result<double> TrainModel<T>::forward(const int32_t* inputs, const int32_t* targets, int64_t batch,
                                      int64_t seq_len) {
  const TrainConfig& c = config();
  if (batch <= 0 || seq_len <= 0 || seq_len > c.ctx)
    return invalid_argument(
        str_format("train: batch %lld × seq_len %lld: need batch > 0 and 0 < seq_len <= ctx %lld",
                   (long long)batch, (long long)seq_len, (long long)c.ctx));
  const int64_t n = batch * seq_len;
  for (int64_t i = 0; i < n; ++i) {
    if (inputs[i] < 0 || inputs[i] >= c.vocab_size || targets[i] < 0 || targets[i] >= c.vocab_size)
      return invalid_argument(
          str_format("train: token %lld: input %d / target %d outside vocabulary [0, %lld)",
                     (long long)i, inputs[i], targets[i], (long long)c.vocab_size));
  }
  resize(batch, seq_len);
  inputs_.assign(inputs, inputs + n);
  targets_.assign(targets, targets + n);
  const int64_t d = c.d_model, kv = c.n_kv_heads * c.head_dim(), ff = c.d_ff;
  const T eps = static_cast<T>(c.rms_eps);
  const AttentionShape shape{batch, seq_len, c.n_heads, c.n_kv_heads, c.head_dim()};
  auto W = [&](int64_t l, LayerParam p) { return params_.value(params_.layer(l, p)); };

  embedding_forward(params_.value(params_.emb()), inputs, layers_[0].x_in.data(), n, d);
  for (int64_t l = 0; l < c.n_layers; ++l) {
    LayerActs& a = layers_[l];
    rmsnorm_forward(a.x_in.data(), W(l, LayerParam::kAttnNorm), a.xn1.data(), a.rstd1.data(), n, d,
                    eps, pool_);
    linear_forward(a.xn1.data(), W(l, LayerParam::kQ), a.q.data(), n, d, d, pool_);
    linear_forward(a.xn1.data(), W(l, LayerParam::kK), a.k.data(), n, d, kv, pool_);
    linear_forward(a.xn1.data(), W(l, LayerParam::kV), a.v.data(), n, d, kv, pool_);
    rope_forward(a.q.data(), rope_, batch, seq_len, c.n_heads, pool_);
    rope_forward(a.k.data(), rope_, batch, seq_len, c.n_kv_heads, pool_);
    attention_forward(a.q.data(), a.k.data(), a.v.data(), a.att.data(), a.probs.data(), shape,
                      pool_);
    linear_forward(a.att.data(), W(l, LayerParam::kO), a.mid.data(), n, d, d, pool_);
    add_inplace(a.mid.data(), a.x_in.data(), n * d, pool_);
    rmsnorm_forward(a.mid.data(), W(l, LayerParam::kFfnNorm), a.xn2.data(), a.rstd2.data(), n, d,
                    eps, pool_);
    linear_forward(a.xn2.data(), W(l, LayerParam::kGate), a.gate.data(), n, d, ff, pool_);
    linear_forward(a.xn2.data(), W(l, LayerParam::kUp), a.up.data(), n, d, ff, pool_);
    swiglu_forward(a.gate.data(), a.up.data(), a.h.data(), n * ff, pool_);
    T* out = l + 1 < c.n_layers ? layers_[l + 1].x_in.data() : x_final_.data();
    linear_forward(a.h.data(), W(l, LayerParam::kDown), out, n, ff, d, pool_);
    add_inplace(out, a.mid.data(), n * d, pool_);
  }
  rmsnorm_forward(x_final_.data(), params_.value(params_.out_norm()), xnf_.data(), rstdf_.data(), n,
                  d, eps, pool_);
  linear_forward(xnf_.data(), params_.value(params_.emb()), logits_.data(), n, d, c.vocab_size,
                 pool_);
  have_forward_ = true;
  return cross_entropy_forward(logits_.data(), targets, lse_.data(), n, c.vocab_size, pool_);
}

template <typename T>
void TrainModel<T>::backward(T loss_scale) {
  GB_CHECK_MSG(have_forward_, "TrainModel::backward needs a forward first");
  have_forward_ = false;
  const TrainConfig& c = config();
  const int64_t n = batch_ * seq_len_, d = c.d_model, kv = c.n_kv_heads * c.head_dim(), ff = c.d_ff;
  const AttentionShape shape{batch_, seq_len_, c.n_heads, c.n_kv_heads, c.head_dim()};
  auto W = [&](int64_t l, LayerParam p) { return params_.value(params_.layer(l, p)); };
  auto G = [&](int64_t l, LayerParam p) { return params_.grad(params_.layer(l, p)); };

  cross_entropy_backward(logits_.data(), targets_.data(), lse_.data(), n, c.vocab_size, loss_scale,
                         pool_);
  linear_backward(xnf_.data(), params_.value(params_.emb()), logits_.data(), dxn_.data(),
                  params_.grad(params_.emb()), n, d, c.vocab_size, false, pool_);
  rmsnorm_backward(x_final_.data(), params_.value(params_.out_norm()), rstdf_.data(), dxn_.data(),
                   dresid_.data(), params_.grad(params_.out_norm()), n, d, false, pool_);
  for (int64_t l = c.n_layers - 1; l >= 0; --l) {
    LayerActs& a = layers_[l];
    // FFN: x_out = mid + down(silu(gate(xn2)) · up(xn2)); dresid holds ∂L/∂x_out.
    linear_backward(a.h.data(), W(l, LayerParam::kDown), dresid_.data(), dh_.data(),
                    G(l, LayerParam::kDown), n, ff, d, false, pool_);
    swiglu_backward(a.gate.data(), a.up.data(), dh_.data(), dgate_.data(), dup_.data(), n * ff,
                    pool_);
    linear_backward(a.xn2.data(), W(l, LayerParam::kGate), dgate_.data(), dxn_.data(),
                    G(l, LayerParam::kGate), n, d, ff, false, pool_);
    linear_backward(a.xn2.data(), W(l, LayerParam::kUp), dup_.data(), dxn_.data(),
                    G(l, LayerParam::kUp), n, d, ff, true, pool_);
    rmsnorm_backward(a.mid.data(), W(l, LayerParam::kFfnNorm), a.rstd2.data(), dxn_.data(),
                     dresid_.data(), G(l, LayerParam::kFfnNorm), n, d, true, pool_);
    // Attention: mid = x_in + o(attention(rope(q(xn1)), rope(k(xn1)), v(xn1))); dresid now holds
    // ∂L/∂mid.
    linear_backward(a.att.data(), W(l, LayerParam::kO), dresid_.data(), dtmp_.data(),
                    G(l, LayerParam::kO), n, d, d, false, pool_);
    attention_backward(a.q.data(), a.k.data(), a.v.data(), a.probs.data(), dtmp_.data(), dq_.data(),
                       dk_.data(), dv_.data(), shape, pool_);
    rope_backward(dq_.data(), rope_, batch_, seq_len_, c.n_heads, pool_);
    rope_backward(dk_.data(), rope_, batch_, seq_len_, c.n_kv_heads, pool_);
    linear_backward(a.xn1.data(), W(l, LayerParam::kQ), dq_.data(), dxn_.data(),
                    G(l, LayerParam::kQ), n, d, d, false, pool_);
    linear_backward(a.xn1.data(), W(l, LayerParam::kK), dk_.data(), dxn_.data(),
                    G(l, LayerParam::kK), n, d, kv, true, pool_);
    linear_backward(a.xn1.data(), W(l, LayerParam::kV), dv_.data(), dxn_.data(),
                    G(l, LayerParam::kV), n, d, kv, true, pool_);
    rmsnorm_backward(a.x_in.data(), W(l, LayerParam::kAttnNorm), a.rstd1.data(), dxn_.data(),
                     dresid_.data(), G(l, LayerParam::kAttnNorm), n, d, true, pool_);
  }
  embedding_backward(inputs_.data(), dresid_.data(), params_.grad(params_.emb()), n, d);
}

template class TrainModel<float>;
template class TrainModel<double>;

}  // namespace glassbox::train
