// Scale search for the K-format quantizers (see k_quant_fit.h).
#include "kernels/reference/k_quant_fit.h"

#include <algorithm>
#include <cmath>

#include "base/fp16.h"
#include "kernels/reference/reference_kernels.h"

namespace glassbox::kernels::reference {
namespace {

inline float f16_round(float v) { return fp16_to_fp32(fp32_to_fp16(v)); }

// Squared error of x ~ scale * q + bias for the quants q given by rounding with (scale, bias).
double affine_error(const float* x, int n, int max_q, float scale, float bias) {
  double err = 0;
  for (int k = 0; k < n; ++k) {
    const int q = quantize_affine_value(x[k], scale, -bias, max_q);
    const double e = static_cast<double>(scale) * q + bias - x[k];
    err += e * e;
  }
  return err;
}

}  // namespace

int quantize_affine_value(float x, float step, float offset, int max_q) {
  if (step <= 0) return 0;
  return std::clamp(nearest_int((x + offset) / step), 0, max_q);
}

int quantize_symmetric_value(float x, float step, int min_q, int max_q) {
  if (step == 0) return 0;
  return std::clamp(nearest_int(x / step), min_q, max_q);
}

AffineFit fit_affine(const float* x, int n, int max_q) {
  float lo = 0, hi = x[0];
  for (int k = 0; k < n; ++k) {
    lo = std::min(lo, x[k]);
    hi = std::max(hi, x[k]);
  }
  if (hi <= lo) return {0, -lo};  // constant sub-block (then lo == hi <= 0)

  // Model x ~ scale * q + bias with bias <= 0; the result's min is -bias.
  float best_scale = (hi - lo) / static_cast<float>(max_q), best_bias = lo;
  double best_err = affine_error(x, n, max_q, best_scale, best_bias);
  for (int t = -4; t <= 6; ++t) {
    float scale = (hi - lo) / (static_cast<float>(max_q) + 0.25f * static_cast<float>(t));
    float bias = lo;
    for (int iter = 0; iter < 3; ++iter) {
      // Least squares for (scale, bias) with the quants fixed: [sqq sq; sq n] [scale; bias] = [sxq; sx].
      double sq = 0, sqq = 0, sx = 0, sxq = 0;
      for (int k = 0; k < n; ++k) {
        const int q = quantize_affine_value(x[k], scale, -bias, max_q);
        sq += q;
        sqq += static_cast<double>(q) * q;
        sx += x[k];
        sxq += static_cast<double>(x[k]) * q;
      }
      const double det = sqq * n - sq * sq;
      if (det <= 0) break;
      double new_scale = (sxq * n - sq * sx) / det;
      double new_bias = (sqq * sx - sq * sxq) / det;
      if (new_bias > 0) {  // the min must stay >= 0: refit the scale alone with bias 0
        new_bias = 0;
        new_scale = sxq / sqq;
      }
      if (new_scale <= 0) break;
      scale = static_cast<float>(new_scale);
      bias = static_cast<float>(new_bias);
      const double err = affine_error(x, n, max_q, scale, bias);
      if (err < best_err) {
        best_err = err;
        best_scale = scale;
        best_bias = bias;
      }
    }
  }
  return {best_scale, -best_bias};
}

AffineScales quantize_affine_scales(const AffineFit* fit, int n_sub, int max_code) {
  AffineScales out;
  float max_scale = 0, max_min = 0;
  for (int s = 0; s < n_sub; ++s) {
    max_scale = std::max(max_scale, fit[s].scale);
    max_min = std::max(max_min, fit[s].min);
  }
  out.d = f16_round(max_scale / static_cast<float>(max_code));
  out.dmin = f16_round(max_min / static_cast<float>(max_code));
  for (int s = 0; s < n_sub; ++s) {
    out.scale[s] = out.d > 0 ? std::clamp(nearest_int(fit[s].scale / out.d), 0, max_code) : 0;
    out.min[s] = out.dmin > 0 ? std::clamp(nearest_int(fit[s].min / out.dmin), 0, max_code) : 0;
  }
  return out;
}

float fit_symmetric(const float* x, int n, int min_q, int max_q) {
  float amax = 0, max = 0;
  for (int k = 0; k < n; ++k) {
    if (std::fabs(x[k]) > amax) {
      amax = std::fabs(x[k]);
      max = x[k];
    }
  }
  if (amax == 0) return 0;

  float best_scale = max / static_cast<float>(min_q);
  double best_score = -1;  // (sum x q)^2 / sum q^2: the squared error is sum x^2 minus this
  const int ends[2] = {min_q, max_q};
  for (int end : ends) {
    for (int t = -6; t <= 6; ++t) {
      float scale = max / (static_cast<float>(end) * (1.0f + 0.05f * static_cast<float>(t)));
      for (int iter = 0; iter < 2; ++iter) {
        double sxq = 0, sqq = 0;
        for (int k = 0; k < n; ++k) {
          const int q = quantize_symmetric_value(x[k], scale, min_q, max_q);
          sxq += static_cast<double>(x[k]) * q;
          sqq += static_cast<double>(q) * q;
        }
        if (sqq == 0) break;
        const double score = sxq * sxq / sqq;
        if (score > best_score) {
          best_score = score;
          best_scale = static_cast<float>(sxq / sqq);
        }
        scale = static_cast<float>(sxq / sqq);  // refine: re-round with the least-squares scale
      }
    }
  }
  return best_scale;
}

float quantize_symmetric_scales(const float* scale, int n_sub, int min_code, int max_code, int* code) {
  float amax = 0, max = 0;
  for (int s = 0; s < n_sub; ++s) {
    if (std::fabs(scale[s]) > amax) {
      amax = std::fabs(scale[s]);
      max = scale[s];
    }
  }
  const float d = f16_round(max / static_cast<float>(min_code));
  for (int s = 0; s < n_sub; ++s) {
    code[s] = d != 0 ? std::clamp(nearest_int(scale[s] / d), min_code, max_code) : 0;
  }
  return d;
}

}  // namespace glassbox::kernels::reference
