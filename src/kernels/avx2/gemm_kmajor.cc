// K-major float tile product (KernelTable::gemm_f32_kmajor): y[t][r] (+)= sum_k x[t][k] w[k][r], with w's
// rows running over the outputs. A tile is kV ymm of outputs (8 each) x kT tokens of accumulators; per k it
// loads kV vectors of w and broadcasts one x per token, so every FMA produces 8 finished lanes and nothing is
// summed horizontally. 2 x 6 = 12 accumulators + 2 w vectors + 1 broadcast of the 16 ymm. The output tail
// (cols % 8) goes through vmaskmovps, which neither reads nor writes the masked-off lanes.
#include "kernels/avx2/avx2_kernels.h"
#include "kernels/avx2/simd.h"

namespace glassbox::kernels::avx2 {
namespace {

constexpr int kVecs = 2;    // ymm of outputs per tile: 16 outputs
constexpr int kTokens = 6;  // tokens per tile

// One tile: kV vectors of outputs starting at w / y, kT tokens. kMasked: the last vector covers only the
// lanes whose `last` element is -1.
template <int kV, int kT, bool kMasked>
void tile(int64_t k_len, const float* w, int64_t ldw, const float* x, int64_t ldx, float* y, int64_t ldy,
          __m256i last, bool accumulate) {
  // Two ymm FMAs per cycle with a latency of 4 want 8 independent accumulators: with one or two tokens even
  // and odd k go to separate sets, added at the end (three tokens x 2 sets would spill the 16 registers).
  constexpr int kSets = kT <= 2 ? 2 : 1;
  __m256 acc[kSets][kT][kV];
  // Constant set indices only (no loop over sets): a variable index keeps GCC from holding acc in registers.
#pragma GCC unroll 6
  for (int j = 0; j < kT; ++j) {
#pragma GCC unroll 2
    for (int i = 0; i < kV; ++i) {
      acc[0][j][i] = _mm256_setzero_ps();
      if constexpr (kSets == 2) acc[kSets - 1][j][i] = _mm256_setzero_ps();
    }
  }
  auto step = [&](int s, int64_t k) __attribute__((always_inline)) {
    const float* wk = w + k * ldw;
    __m256 wv[kV];
#pragma GCC unroll 2
    for (int i = 0; i < kV; ++i) {
      wv[i] = (kMasked && i == kV - 1) ? _mm256_maskload_ps(wk + 8 * i, last) : _mm256_loadu_ps(wk + 8 * i);
    }
#pragma GCC unroll 6
    for (int j = 0; j < kT; ++j) {
      const __m256 xb = _mm256_broadcast_ss(x + j * ldx + k);
#pragma GCC unroll 2
      for (int i = 0; i < kV; ++i) acc[s][j][i] = _mm256_fmadd_ps(wv[i], xb, acc[s][j][i]);
    }
  };
  int64_t k = 0;
  for (; k + kSets <= k_len; k += kSets) {
    step(0, k);
    if constexpr (kSets == 2) step(kSets - 1, k + 1);
  }
  for (; k < k_len; ++k) step(0, k);
  if constexpr (kSets == 2) {
#pragma GCC unroll 2
    for (int j = 0; j < kT; ++j) {
#pragma GCC unroll 2
      for (int i = 0; i < kV; ++i) acc[0][j][i] = _mm256_add_ps(acc[0][j][i], acc[1][j][i]);
    }
  }
#pragma GCC unroll 6
  for (int j = 0; j < kT; ++j) {
    float* yj = y + j * ldy;
#pragma GCC unroll 2
    for (int i = 0; i < kV; ++i) {
      __m256 v = acc[0][j][i];
      if (kMasked && i == kV - 1) {
        if (accumulate) v = _mm256_add_ps(v, _mm256_maskload_ps(yj + 8 * i, last));
        _mm256_maskstore_ps(yj + 8 * i, last, v);
      } else {
        if (accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(yj + 8 * i));
        _mm256_storeu_ps(yj + 8 * i, v);
      }
    }
  }
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, __m256i, bool);

template <int kV, bool kMasked>
TileFn tile_for_tokens(int t) {
  switch (t) {
    case 1:
      return &tile<kV, 1, kMasked>;
    case 2:
      return &tile<kV, 2, kMasked>;
    case 3:
      return &tile<kV, 3, kMasked>;
    case 4:
      return &tile<kV, 4, kMasked>;
    case 5:
      return &tile<kV, 5, kMasked>;
    default:
      return &tile<kV, 6, kMasked>;
  }
}

}  // namespace

void gemm_f32_kmajor(int64_t cols, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
                     int64_t ldx, float* y, int64_t ldy, bool accumulate) {
  const int64_t full = cols / (8 * kVecs) * (8 * kVecs);  // outputs in whole 16-wide tiles
  const int64_t rest = cols - full;
  const int rest_vecs = static_cast<int>((rest + 7) / 8);
  const int lanes = static_cast<int>(rest % 8 == 0 ? 8 : rest % 8);
  const __m256i last = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (int64_t t = 0; t < n_tokens; t += kTokens) {
    const int nt = static_cast<int>(n_tokens - t < kTokens ? n_tokens - t : kTokens);
    const float* xt = x + t * ldx;
    float* yt = y + t * ldy;
    const TileFn whole = nt == kTokens ? &tile<kVecs, kTokens, false> : tile_for_tokens<kVecs, false>(nt);
    for (int64_t r = 0; r < full; r += 8 * kVecs) whole(k_len, w + r, ldw, xt, ldx, yt + r, ldy, last, accumulate);
    if (rest > 0) {
      const TileFn tail = rest_vecs == 1 ? tile_for_tokens<1, true>(nt) : tile_for_tokens<2, true>(nt);
      tail(k_len, w + full, ldw, xt, ldx, yt + full, ldy, last, accumulate);
    }
  }
}

}  // namespace glassbox::kernels::avx2
