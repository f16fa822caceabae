// Scale search for the K-format quantizers (see k_quant_fit.h).
#include "kernels/reference/k_quant_fit.h"

#include <algorithm>
#include <cmath>

#include "base/fp16.h"
#include "kernels/reference/reference_kernels.h"

namespace glassbox::kernels::reference {
namespace {

inline float f16_round(float v) { return fp16_to_fp32(fp32_to_fp16(v)); }

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
  double sx = 0, sxx = 0;
  for (int k = 0; k < n; ++k) {
    lo = std::min(lo, x[k]);
    hi = std::max(hi, x[k]);
    sx += x[k];
    sxx += static_cast<double>(x[k]) * x[k];
  }
  if (hi <= lo) return {0, -lo};  // constant sub-block (then lo == hi <= 0)

  // Model x ~ scale * q + bias with bias <= 0; the result's min is -bias. Each iteration rounds with the
  // current (scale, bias) and solves least squares for (scale, bias) with those quants fixed. The residual
  // of that solve bounds the error of the new parameters (re-rounding to nearest can only lower it), so
  // no second pass is needed to score it.
  float best_scale = (hi - lo) / static_cast<float>(max_q), best_bias = lo;
  double best_err = sxx + 1;
  for (int t = -2; t <= 4; t += 2) {
    float scale = (hi - lo) / (static_cast<float>(max_q) + 0.25f * static_cast<float>(t));
    float bias = lo;
    for (int iter = 0; iter < 3; ++iter) {
      const float inv_scale = 1.0f / scale;
      double sq = 0, sqq = 0, sxq = 0;
      for (int k = 0; k < n; ++k) {
        const int q = std::clamp(nearest_int((x[k] - bias) * inv_scale), 0, max_q);
        sq += q;
        sqq += static_cast<double>(q) * q;
        sxq += static_cast<double>(x[k]) * q;
      }
      // Normal equations [sqq sq; sq n] [scale; bias] = [sxq; sx].
      const double det = sqq * n - sq * sq;
      if (det <= 0) break;
      double new_scale = (sxq * n - sq * sx) / det;
      double new_bias = (sqq * sx - sq * sxq) / det;
      if (new_bias > 0) {  // the min must stay >= 0: refit the scale alone with bias 0
        new_bias = 0;
        new_scale = sxq / sqq;
      }
      if (new_scale <= 0) break;
      // Residual at the solution: sum x^2 - scale * sum xq - bias * sum x.
      const double err = sxx - new_scale * sxq - new_bias * sx;
      scale = static_cast<float>(new_scale);
      bias = static_cast<float>(new_bias);
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
    for (int t = -3; t <= 3; ++t) {
      float scale = max / (static_cast<float>(end) * (1.0f + 0.1f * static_cast<float>(t)));
      for (int iter = 0; iter < 2; ++iter) {
        const float inv_scale = 1.0f / scale;
        double sxq = 0, sqq = 0;
        for (int k = 0; k < n; ++k) {
          const int q = std::clamp(nearest_int(x[k] * inv_scale), min_q, max_q);
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
