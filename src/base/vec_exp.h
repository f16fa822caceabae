// exp over arrays, vectorized: the softmax, cross-entropy and SwiGLU hot loops call it.
#pragma once

#include <cstdint>

namespace glassbox {

// x[i] = e^x[i] for i < n. Float: 8 lanes at a time (one code path for every element, tails
// included, so a value never depends on its position), relative error below 3e-7 for x in
// [-86.9, 88.7]; below that the result is 0 (e^x < 2^-125), above +inf; NaN stays NaN. Double:
// std::exp.
void exp_inplace(float* x, int64_t n);
void exp_inplace(double* x, int64_t n);

}  // namespace glassbox
