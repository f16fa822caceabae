// TrainModel: the llama architecture's forward pass, mean cross-entropy loss and backward pass, for
// training.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "train/ops/attention.h"
#include "train/ops/rope.h"
#include "train/params.h"

namespace glassbox::train {

// The architecture of ../shared/reference/README.md: embedding; per layer RMSNorm → Q, K, V → RoPE
// (adjacent pairs) → causal GQA attention → O → residual, RMSNorm → down(silu(gate) · up) →
// residual; final RMSNorm; tied logits. T is float (training) or double (gradient checks).
// Activations for one (batch, seq_len) are kept between forward and backward: about n_layers ·
// n_tokens · (6·d_model + 2·kv_dim + 3·d_ff + n_heads·seq_len) elements, plus n_tokens ·
// (vocab_size + 6·d_model + 2·kv_dim + 3·d_ff) for the logits and the gradient scratch (d384L8 at
// 4×256 tokens: about 290 MB). One thread drives it; ops fan out over `pool` (not owned, may be
// null), and the results are bit-identical for every thread count.
template <typename T>
class TrainModel {
 public:
  static Result<TrainModel> create(const TrainConfig& config, ThreadPool* pool);

  const TrainConfig& config() const { return params_.config(); }
  ParamStore<T>& params() { return params_; }
  const ParamStore<T>& params() const { return params_; }

  // inputs, targets: [batch, seq_len] token ids. Returns the mean cross-entropy over all
  // batch·seq_len tokens. Errors: seq_len > ctx, a token outside the vocabulary.
  Result<double> forward(const int32_t* inputs, const int32_t* targets, int64_t batch,
                         int64_t seq_len);
  // Adds the gradient of loss_scale · (mean loss of the last forward) to params().grads() (call
  // zero_grad first unless accumulating; pass 1/accum_steps when accumulating micro-batches).
  // Consumes the logits.
  void backward(T loss_scale = T(1));
  // [batch · seq_len, vocab_size], valid after forward and until backward.
  const T* logits() const { return logits_.data(); }

 private:
  struct LayerActs {
    std::vector<T> x_in;         // [n_tokens, d_model], the residual stream entering the layer
    std::vector<T> xn1, rstd1;   // attention RMSNorm output and its 1/rms [n_tokens]
    std::vector<T> q, k, v;      // after RoPE (q, k): [n_tokens, n_heads|n_kv_heads, head_dim]
    std::vector<T> probs;        // [batch, n_heads, seq_len, seq_len]
    std::vector<T> att;          // attention output before O [n_tokens, d_model]
    std::vector<T> mid;          // residual stream after attention
    std::vector<T> xn2, rstd2;   // FFN RMSNorm
    std::vector<T> gate, up, h;  // [n_tokens, d_ff]
  };

  TrainModel(const TrainConfig& config, ThreadPool* pool);
  void resize(int64_t batch, int64_t seq_len);

  ParamStore<T> params_;
  ThreadPool* pool_;
  RopeTable<T> rope_;
  int64_t batch_ = 0, seq_len_ = 0;
  bool have_forward_ = false;
  std::vector<int32_t> inputs_, targets_;
  std::vector<LayerActs> layers_;
  std::vector<T> x_final_, xnf_, rstdf_, logits_, lse_;
  // Gradient scratch.
  std::vector<T> dresid_, dxn_, dtmp_, dq_, dk_, dv_, dh_, dgate_, dup_;
};

}  // namespace glassbox::train
