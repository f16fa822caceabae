// Observer: named activation sites a caller can read (and, where it asks, modify) during a forward pass.
//
// Sites, for layer L (0-based) and a forward over n_tokens tokens, all row-major float32:
//   blk.L.resid_pre    [n_tokens, d_model]   residual stream entering block L
//   blk.L.attn.q       [n_tokens, n_heads * head_dim]     queries after bias, norm and RoPE
//   blk.L.attn.pattern [n_heads, n_tokens, n_kv]  softmax weights over the n_kv cached positions
//   blk.L.attn_out     [n_tokens, d_model]   attention output (after the output projection)
//   blk.L.resid_mid    [n_tokens, d_model]   residual stream after attention
//   blk.L.mlp_in       [n_tokens, d_model]   normalized input of the MLP
//   blk.L.mlp_out      [n_tokens, d_model]   MLP output (after the down projection)
//   blk.L.resid_post   [n_tokens, d_model]   residual stream leaving block L
//   final_norm         [n_tokens, d_model]   output of the final RMSNorm
//   logits             [n_tokens, vocab_size] (only rows for which logits were requested)
// Writes made in on_activation() to a site's data flow into the rest of the pass (steering, patching),
// except for attn.pattern, which is a copy. With no observer attached the forward pass only tests a
// null pointer per site.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glassbox::model {

enum class SiteKind {
  kResidPre,
  kAttnQ,
  kAttnPattern,
  kAttnOut,
  kResidMid,
  kMlpIn,
  kMlpOut,
  kResidPost,
  kFinalNorm,
  kLogits,
};

// "blk.3.resid_pre", "final_norm", ...
std::string site_name(SiteKind kind, int layer_idx);

struct Activation {
  SiteKind kind;
  int layer_idx;                 // -1 for final_norm and logits
  const std::string* name;       // site_name(kind, layer_idx)
  float* data;                   // valid during on_activation() only
  std::vector<int64_t> shape;    // see the table above
  const int32_t* positions;      // [n_tokens] absolute position of each row's token
  int64_t n_tokens;
};

class Observer {
 public:
  virtual ~Observer() = default;
  // Asked before computing optional data (attention patterns) and before each call; cheap.
  virtual bool wants(SiteKind kind, int layer_idx) const = 0;
  virtual void on_activation(const Activation& activation) = 0;
};

}  // namespace glassbox::model
