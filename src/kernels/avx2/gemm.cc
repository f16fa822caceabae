// Register-blocked float tile product (KernelTable::gemm_f32): 4 weight rows x 3 tokens of accumulators
// (12 ymm), so each weight vector loaded feeds 3 FMAs and each activation vector 4; 16 registers in all.
// On Zen 1 (one ymm FMA per cycle, one ymm load per cycle) this is FMA-bound: 12 FMAs per 7 loads.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd.h"

namespace glassbox::kernels::avx2 {
namespace {

constexpr int kRows = 4;
constexpr int kTokens = 3;

template <int kR, int kT>
void tile(int64_t k_len, const float* w, int64_t ldw, const float* x, int64_t ldx, float* y, int64_t ldy) {
  __m256 acc[kR][kT];
#pragma GCC unroll 4
  for (int i = 0; i < kR; ++i) {
#pragma GCC unroll 3
    for (int j = 0; j < kT; ++j) acc[i][j] = _mm256_setzero_ps();
  }
  int64_t k = 0;
  for (; k + 8 <= k_len; k += 8) {
    __m256 xv[kT];
#pragma GCC unroll 3
    for (int j = 0; j < kT; ++j) xv[j] = _mm256_loadu_ps(x + j * ldx + k);
#pragma GCC unroll 4
    for (int i = 0; i < kR; ++i) {
      const __m256 wv = _mm256_loadu_ps(w + i * ldw + k);
#pragma GCC unroll 3
      for (int j = 0; j < kT; ++j) acc[i][j] = _mm256_fmadd_ps(wv, xv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < kR; ++i) {
    for (int j = 0; j < kT; ++j) {
      float s = hsum(acc[i][j]);
      for (int64_t kk = k; kk < k_len; ++kk) s += w[i * ldw + kk] * x[j * ldx + kk];
      y[j * ldy + i] = s;
    }
  }
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t);

template <int kR>
constexpr TileFn tile_for_tokens(int t) {
  return t == 1 ? &tile<kR, 1> : t == 2 ? &tile<kR, 2> : &tile<kR, 3>;
}

TileFn tile_for(int r, int t) {
  switch (r) {
    case 1:
      return tile_for_tokens<1>(t);
    case 2:
      return tile_for_tokens<2>(t);
    case 3:
      return tile_for_tokens<3>(t);
    default:
      return tile_for_tokens<4>(t);
  }
}

}  // namespace

void gemm_f32(int64_t rows, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
              int64_t ldx, float* y, int64_t ldy) {
  for (int64_t t = 0; t < n_tokens; t += kTokens) {
    const int nt = static_cast<int>(n_tokens - t < kTokens ? n_tokens - t : kTokens);
    const float* xt = x + t * ldx;
    float* yt = y + t * ldy;
    int64_t r = 0;
    if (nt == kTokens) {
      for (; r + kRows <= rows; r += kRows) tile<kRows, kTokens>(k_len, w + r * ldw, ldw, xt, ldx, yt + r, ldy);
    }
    for (; r < rows; r += kRows) {
      const int nr = static_cast<int>(rows - r < kRows ? rows - r : kRows);
      tile_for(nr, nt)(k_len, w + r * ldw, ldw, xt, ldx, yt + r, ldy);
    }
  }
}

}  // namespace glassbox::kernels::avx2
