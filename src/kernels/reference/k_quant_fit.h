// Scale search for the K-format quantizers: fits sub-block scales (and mins), then codes them per
// super-block.
//
// Used only by the reference quantize_row kernels (quant_k.cc). Everything here is plain least squares on
// the values being quantized; the fits minimize the unweighted squared error of each sub-block.
#pragma once

namespace glassbox::kernels::reference {

// x ~ scale * q - min with q in [0, max_q], scale >= 0 and min >= 0 (so the range always covers zero).
struct AffineFit {
  float scale = 0;
  float min = 0;
};

// Fits scale and min of one sub-block of n values: four starting scales around (max - min) / max_q, each
// refined three times by rounding and a least-squares solve for (scale, min). Cost ~12 passes over x.
AffineFit fit_affine(const float* x, int n, int max_q);

// Super-block coding of affine sub-block fits: scale[s] ~ d * scale_code[s], min[s] ~ dmin * min_code[s],
// codes in [0, max_code]; d and dmin are rounded to f16 (returned as the f16 values, in f32).
struct AffineScales {
  float d = 0;
  float dmin = 0;
  int scale[16] = {};
  int min[16] = {};
};
AffineScales quantize_affine_scales(const AffineFit* fit, int n_sub, int max_code);

// Quant of one value for x ~ step * q - offset: round((x + offset) / step) clamped to [0, max_q].
int quantize_affine_value(float x, float step, float offset, int max_q);

// Signed scale s of one sub-block for x ~ s * q with q in [min_q, max_q] (min_q < 0 < max_q): tries
// mapping the largest-magnitude value to 7 points around either end of the range (+-30%), refits s by
// least squares for each rounding (twice), and keeps the best. Cost ~28 passes over x. Returns 0 for an
// all-zero sub-block.
float fit_symmetric(const float* x, int n, int min_q, int max_q);

// Super-block coding of signed sub-block scales: scale[s] ~ d * code[s], code in [min_code, max_code], the
// largest-magnitude scale mapped to min_code. Returns d rounded to f16 (in f32).
float quantize_symmetric_scales(const float* scale, int n_sub, int min_code, int max_code, int* code);

// Quant of one value for x ~ step * q: round(x / step) clamped to [min_q, max_q]; 0 when step is 0.
int quantize_symmetric_value(float x, float step, int min_q, int max_q);

}  // namespace glassbox::kernels::reference
