// Site names of the observation points.
#include "model/observer.h"

namespace glassbox::model {

std::string site_name(SiteKind kind, int layer_idx) {
  const std::string b = "blk." + std::to_string(layer_idx) + ".";
  switch (kind) {
    case SiteKind::kResidPre: return b + "resid_pre";
    case SiteKind::kAttnQ: return b + "attn.q";
    case SiteKind::kAttnPattern: return b + "attn.pattern";
    case SiteKind::kAttnOut: return b + "attn_out";
    case SiteKind::kResidMid: return b + "resid_mid";
    case SiteKind::kMlpIn: return b + "mlp_in";
    case SiteKind::kMlpOut: return b + "mlp_out";
    case SiteKind::kResidPost: return b + "resid_post";
    case SiteKind::kFinalNorm: return "final_norm";
    case SiteKind::kLogits: return "logits";
  }
  return "?";
}

}  // namespace glassbox::model
