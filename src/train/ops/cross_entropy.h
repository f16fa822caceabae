// Mean cross-entropy over tokens with a numerically stable log-softmax; forward and backward.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace glassbox::train {

// logits: [n_tokens, vocab]; targets: [n_tokens], each in [0, vocab) (checked by the caller).
// lse[n_tokens] = logsumexp of each row, saved for the backward. Returns the mean of lse −
// logit[target], summed in double in token order (deterministic).
template <typename T>
double cross_entropy_forward(const T* logits, const int32_t* targets, T* lse, int64_t n_tokens,
                             int64_t vocab, ThreadPool* pool);

// Overwrites logits in place with dL/dlogits = (softmax − onehot(target)) · loss_scale / n_tokens,
// where loss_scale is the upstream gradient of the mean loss (1, or 1/accum_steps under gradient
// accumulation).
template <typename T>
void cross_entropy_backward(T* logits, const int32_t* targets, const T* lse, int64_t n_tokens,
                            int64_t vocab, T loss_scale, ThreadPool* pool);

}  // namespace glassbox::train
