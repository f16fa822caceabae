// K-major float tile product (KernelTable::gemm_f32_kmajor): y[t][r] (+)= sum_k x[t][k] w[k][r], with w's
// rows running over the outputs. A tile is kV zmm of outputs (16 each) x kT tokens of accumulators; per k it
// loads kV vectors of w and broadcasts one x per token (an embedded-broadcast FMA operand), so every FMA
// produces 16 finished lanes and nothing is summed horizontally. 4 x 6 = 24 accumulators + 4 w vectors of
// the 32 zmm; on Zen 4 (one zmm FMA per cycle, double-pumped) that is FMA-bound at 24 FMAs per 4 loads + 6
// broadcasts. The output tail (cols % 16) is a masked load and store.
#include <immintrin.h>

#include "kernels/avx512/avx512_kernels.h"

namespace glassbox::kernels::avx512 {
namespace {

constexpr int kVecs = 4;    // zmm of outputs per tile: 64 outputs
constexpr int kTokens = 6;  // tokens per tile

// One tile: kV vectors of outputs starting at w / y, kT tokens. kMasked: the last vector covers only the
// lanes in `last` (the others are neither read from w or y nor written).
template <int kV, int kT, bool kMasked>
void tile(int64_t k_len, const float* w, int64_t ldw, const float* x, int64_t ldx, float* y, int64_t ldy,
          __mmask16 last, bool accumulate) {
  // With one or two tokens there are too few accumulators to cover the FMA latency: even and odd k then go
  // to separate sets, added at the end.
  constexpr int kSets = kT <= 2 ? 2 : 1;
  __m512 acc[kSets][kT][kV];
  // Constant set indices only (no loop over sets): a variable index keeps GCC from holding acc in registers.
#pragma GCC unroll 6
  for (int j = 0; j < kT; ++j) {
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) {
      acc[0][j][i] = _mm512_setzero_ps();
      if constexpr (kSets == 2) acc[kSets - 1][j][i] = _mm512_setzero_ps();
    }
  }
  auto step = [&](int s, int64_t k) __attribute__((always_inline)) {
    const float* wk = w + k * ldw;
    __m512 wv[kV];
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) {
      wv[i] = (kMasked && i == kV - 1) ? _mm512_maskz_loadu_ps(last, wk + 16 * i) : _mm512_loadu_ps(wk + 16 * i);
      // Keep it in a register: GCC otherwise folds the load into each of the kT FMAs (kT loads of the same
      // 64 bytes), and with ~1 zmm load per cycle the tile becomes load-bound (3 tokens: 62 -> 112 GFLOP/s).
      asm("" : "+v"(wv[i]));
    }
#pragma GCC unroll 6
    for (int j = 0; j < kT; ++j) {
      const __m512 xb = _mm512_set1_ps(x[j * ldx + k]);
#pragma GCC unroll 4
      for (int i = 0; i < kV; ++i) acc[s][j][i] = _mm512_fmadd_ps(wv[i], xb, acc[s][j][i]);
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
#pragma GCC unroll 4
      for (int i = 0; i < kV; ++i) acc[0][j][i] = _mm512_add_ps(acc[0][j][i], acc[1][j][i]);
    }
  }
#pragma GCC unroll 6
  for (int j = 0; j < kT; ++j) {
    float* yj = y + j * ldy;
#pragma GCC unroll 4
    for (int i = 0; i < kV; ++i) {
      if (kMasked && i == kV - 1) {
        __m512 v = acc[0][j][i];
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(last, yj + 16 * i));
        _mm512_mask_storeu_ps(yj + 16 * i, last, v);
      } else {
        __m512 v = acc[0][j][i];
        if (accumulate) v = _mm512_add_ps(v, _mm512_loadu_ps(yj + 16 * i));
        _mm512_storeu_ps(yj + 16 * i, v);
      }
    }
  }
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, __mmask16, bool);

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

template <bool kMasked>
TileFn tile_for(int v, int t) {
  switch (v) {
    case 1:
      return tile_for_tokens<1, kMasked>(t);
    case 2:
      return tile_for_tokens<2, kMasked>(t);
    case 3:
      return tile_for_tokens<3, kMasked>(t);
    default:
      return tile_for_tokens<4, kMasked>(t);
  }
}

}  // namespace

void gemm_f32_kmajor(int64_t cols, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw, const float* x,
                     int64_t ldx, float* y, int64_t ldy, bool accumulate) {
  const int64_t full = cols / (16 * kVecs) * (16 * kVecs);  // outputs in whole 64-wide tiles
  const int64_t rest = cols - full;
  const int rest_vecs = static_cast<int>((rest + 15) / 16);
  const __mmask16 last = rest % 16 == 0 ? static_cast<__mmask16>(0xFFFF)
                                        : static_cast<__mmask16>((1u << (rest % 16)) - 1);
  for (int64_t t = 0; t < n_tokens; t += kTokens) {
    const int nt = static_cast<int>(n_tokens - t < kTokens ? n_tokens - t : kTokens);
    const float* xt = x + t * ldx;
    float* yt = y + t * ldy;
    const TileFn whole = nt == kTokens ? &tile<kVecs, kTokens, false> : tile_for<false>(kVecs, nt);
    for (int64_t r = 0; r < full; r += 16 * kVecs) whole(k_len, w + r, ldw, xt, ldx, yt + r, ldy, 0xFFFF, accumulate);
    if (rest > 0) tile_for<true>(rest_vecs, nt)(k_len, w + full, ldw, xt, ldx, yt + full, ldy, last, accumulate);
  }
}

}  // namespace glassbox::kernels::avx512
