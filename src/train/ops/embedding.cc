// Token embedding forward and backward.
#include "train/ops/embedding.h"

#include <algorithm>

namespace glassbox::train {

template <typename T>
void embedding_forward(const T* table, const int32_t* tokens, T* y, int64_t n_tokens, int64_t dim) {
  for (int64_t t = 0; t < n_tokens; ++t)
    std::copy_n(table + int64_t{tokens[t]} * dim, dim, y + t * dim);
}

template <typename T>
void embedding_backward(const int32_t* tokens, const T* dy, T* dtable, int64_t n_tokens,
                        int64_t dim) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    T* row = dtable + int64_t{tokens[t]} * dim;
    const T* g = dy + t * dim;
    for (int64_t i = 0; i < dim; ++i) row[i] += g[i];
  }
}

template void embedding_forward<float>(const float*, const int32_t*, float*, int64_t, int64_t);
template void embedding_forward<double>(const double*, const int32_t*, double*, int64_t, int64_t);
template void embedding_backward<float>(const int32_t*, const float*, float*, int64_t, int64_t);
template void embedding_backward<double>(const int32_t*, const double*, double*, int64_t, int64_t);

}  // namespace glassbox::train
