// Token embedding lookup; forward and backward (scatter-add into the table).
#pragma once

#include <cstdint>

namespace glassbox::train {

// y[n_tokens, dim] = table[tokens[t]]; token ids must be in [0, vocab_size) (checked by the
// caller).
template <typename T>
void embedding_forward(const T* table, const int32_t* tokens, T* y, int64_t n_tokens, int64_t dim);

// dtable[tokens[t]] += dy[t], in token order (deterministic).
template <typename T>
void embedding_backward(const int32_t* tokens, const T* dy, T* dtable, int64_t n_tokens,
                        int64_t dim);

}  // namespace glassbox::train
