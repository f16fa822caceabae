// Int16 prompt product (KernelTable::gemm_i16) with AVX-512 VNNI.
//
// Weight rows arrive decoded to int16 (decode_row_i16). Groups of 16 rows are repacked so that one zmm holds
// one pair of columns (k, k+1) of all 16 rows: [k/2][16 rows][2] int16. Then vpdpwssd with the token's pair
// (x[k], x[k+1]) broadcast from memory adds w[r][k] x[k] + w[r][k+1] x[k+1] into lane r: 32 multiply-adds per
// instruction, each lane one output row, so no horizontal sums. The int32 sums of one sub-block (16 or 32
// columns) are converted and scaled once per (sub-block, token) by weight scale x activation scale, and the
// mins of the affine formats are taken off with the activation block sums. A tile is two groups (32 rows) x 6
// tokens, so each weight vector feeds 6 multiply-adds and each broadcast pair 2; the packed panel stays in
// L2 while every token tile passes over it.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/avx512/avx512_kernels.h"

namespace glassbox::kernels::avx512 {
namespace {

constexpr int kGroupRows = 16;

// One zmm of packed weights: column pair (k, k+1) of a group's 16 rows.
struct alignas(64) PairColumn {
  int32_t lanes[kGroupRows];
};

// In-register transpose of a 16 x 16 matrix of 32-bit elements: row i of r becomes column i.
inline void transpose16x16(__m512i r[16]) {
  __m512i a[16], b[16];
  for (int i = 0; i < 8; ++i) {
    a[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // b[4i + j]: rows 4i..4i+3, element 4L + j in 128-bit lane L.
  for (int i = 0; i < 4; ++i) {
    b[4 * i + 0] = _mm512_unpacklo_epi64(a[4 * i + 0], a[4 * i + 2]);
    b[4 * i + 1] = _mm512_unpackhi_epi64(a[4 * i + 0], a[4 * i + 2]);
    b[4 * i + 2] = _mm512_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
    b[4 * i + 3] = _mm512_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    const __m512i c0 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0x88);
    const __m512i c1 = _mm512_shuffle_i32x4(b[j], b[4 + j], 0xDD);
    const __m512i c2 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0x88);
    const __m512i c3 = _mm512_shuffle_i32x4(b[8 + j], b[12 + j], 0xDD);
    r[j] = _mm512_shuffle_i32x4(c0, c2, 0x88);
    r[8 + j] = _mm512_shuffle_i32x4(c0, c2, 0xDD);
    r[4 + j] = _mm512_shuffle_i32x4(c1, c3, 0x88);
    r[12 + j] = _mm512_shuffle_i32x4(c1, c3, 0xDD);
  }
}

// Rows [0, nr) (nr <= 16) of w_q [.][k_len] into dst [k_len / 2] zmm of column pairs; missing rows are zero.
void pack_group(const int16_t* w_q, int64_t k_len, int nr, PairColumn* dst) {
  for (int64_t p0 = 0; p0 < k_len / 2; p0 += 16) {
    __m512i r[16];
    for (int i = 0; i < 16; ++i) r[i] = i < nr ? _mm512_loadu_si512(w_q + i * k_len + 2 * p0) : _mm512_setzero_si512();
    transpose16x16(r);
    for (int j = 0; j < 16; ++j) _mm512_store_si512(dst[p0 + j].lanes, r[j]);
  }
}

// Per-sub-block factors of rows [0, nr) into dst [nb][16] (zero for missing rows).
void pack_factors(const float* src, int64_t nb, int nr, float* dst) {
  for (int64_t b = 0; b < nb; ++b) {
    for (int i = 0; i < kGroupRows; ++i) dst[b * kGroupRows + i] = i < nr ? src[i * nb + b] : 0.0f;
  }
}

struct Tokens {
  const int16_t* xq;
  const float* xs;
  const int32_t* xsum16;
  int64_t k_len;
};

// kG packed groups (16 rows each, consecutive in `wq`, `pairs` columns apart) x kT tokens starting at token t0:
// each weight vector loaded feeds kT multiply-adds and each broadcast token pair kG.
template <int kG, int kT, int kBlock, bool kMin>
void tile(const PairColumn* wq, int64_t pairs, const float* sc, const float* mn, int64_t factor_stride,
          const Tokens& x, int64_t t0, float* y, int64_t ldy, const __mmask16* rows_mask) {
  const int64_t k_len = x.k_len;
  const int64_t nb = k_len / kBlock;
  const int32_t* xp[kT];
  for (int t = 0; t < kT; ++t) xp[t] = reinterpret_cast<const int32_t*>(x.xq + (t0 + t) * k_len);
  __m512 facc[kG][kT];
  for (int g = 0; g < kG; ++g) {
    for (int t = 0; t < kT; ++t) facc[g][t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < nb; ++b) {
    __m512i iacc[kG][kT];
    for (int g = 0; g < kG; ++g) {
      for (int t = 0; t < kT; ++t) iacc[g][t] = _mm512_setzero_si512();
    }
    const PairColumn* wb = wq + b * (kBlock / 2);
    const int64_t pair0 = b * (kBlock / 2);
#pragma GCC unroll 16
    for (int p = 0; p < kBlock / 2; ++p) {
      __m512i w[kG];
      for (int g = 0; g < kG; ++g) w[g] = _mm512_load_si512(wb[g * pairs + p].lanes);
#pragma GCC unroll 12
      for (int t = 0; t < kT; ++t) {
        const __m512i xv = _mm512_set1_epi32(xp[t][pair0 + p]);
        for (int g = 0; g < kG; ++g) iacc[g][t] = _mm512_dpwssd_epi32(iacc[g][t], w[g], xv);
      }
    }
    const int64_t xb = b * kBlock / 32;  // the activation's 32-block
    for (int g = 0; g < kG; ++g) {
      const __m512 s = _mm512_loadu_ps(sc + g * factor_stride + b * kGroupRows);
      for (int t = 0; t < kT; ++t) {
        const float xscale = x.xs[(t0 + t) * (k_len / 32) + xb];
        facc[g][t] =
            _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[g][t]), _mm512_mul_ps(s, _mm512_set1_ps(xscale)), facc[g][t]);
        if constexpr (kMin) {
          const int32_t* sums = x.xsum16 + (t0 + t) * (k_len / 16) + b * (kBlock / 16);
          const int32_t xsum = kBlock == 32 ? sums[0] + sums[1] : sums[0];
          facc[g][t] = _mm512_fnmadd_ps(_mm512_loadu_ps(mn + g * factor_stride + b * kGroupRows),
                                        _mm512_set1_ps(xscale * static_cast<float>(xsum)), facc[g][t]);
        }
      }
    }
  }
  for (int g = 0; g < kG; ++g) {
    for (int t = 0; t < kT; ++t) _mm512_mask_storeu_ps(y + (t0 + t) * ldy + g * kGroupRows, rows_mask[g], facc[g][t]);
  }
}

using TileFn = void (*)(const PairColumn*, int64_t, const float*, const float*, int64_t, const Tokens&, int64_t,
                        float*, int64_t, const __mmask16*);

// 2 groups x 6 tokens: 12 int32 + 12 float accumulators, 2 weight vectors and a broadcast in 32 registers.
// Measured (matmul_bench, Q4_0 5632x2048 x 128 tokens, one thread): 1x8 148, 2x4 159, 2x6 168, 2x7 166, 3x4 147,
// 1x12 (spills) 123 GOP/s.
constexpr int kTileGroups = 2;
constexpr int kTileTokens = 6;

template <int kG, int kBlock, bool kMin>
TileFn tile_for(int n) {
  return n >= kTileTokens ? &tile<kG, kTileTokens, kBlock, kMin>
         : n >= 4         ? &tile<kG, 4, kBlock, kMin>
         : n >= 2         ? &tile<kG, 2, kBlock, kMin>
                          : &tile<kG, 1, kBlock, kMin>;
}

template <int kG>
TileFn tile_for(int n, int block, bool has_min) {
  if (block == 16) return has_min ? tile_for<kG, 16, true>(n) : tile_for<kG, 16, false>(n);
  return has_min ? tile_for<kG, 32, true>(n) : tile_for<kG, 32, false>(n);
}

int tokens_taken(int n) { return n >= kTileTokens ? kTileTokens : n >= 4 ? 4 : n >= 2 ? 2 : 1; }

}  // namespace

void gemm_i16(int64_t rows, int64_t k_len, int block, const int16_t* w_q, const float* w_scale, const float* w_min,
              int64_t n_tokens, const int16_t* xq, const float* xs, const int32_t* xsum16, float* y, int64_t ldy) {
  const int64_t n_groups = (rows + kGroupRows - 1) / kGroupRows;
  const int64_t nb = k_len / block;
  const int64_t pairs = k_len / 2;
  thread_local std::vector<PairColumn> packed;
  thread_local std::vector<float> scales, mins;
  packed.resize(static_cast<size_t>(n_groups * pairs));
  scales.resize(static_cast<size_t>(n_groups * nb * kGroupRows));
  mins.resize(w_min != nullptr ? static_cast<size_t>(n_groups * nb * kGroupRows) : 0);
  for (int64_t g = 0; g < n_groups; ++g) {
    const int nr = static_cast<int>(std::min<int64_t>(kGroupRows, rows - g * kGroupRows));
    pack_group(w_q + g * kGroupRows * k_len, k_len, nr, packed.data() + g * pairs);
    pack_factors(w_scale + g * kGroupRows * nb, nb, nr, scales.data() + g * nb * kGroupRows);
    if (w_min != nullptr) pack_factors(w_min + g * kGroupRows * nb, nb, nr, mins.data() + g * nb * kGroupRows);
  }
  const Tokens x{xq, xs, xsum16, k_len};
  const float* mins_base = w_min != nullptr ? mins.data() : nullptr;
  const int64_t factor_stride = nb * kGroupRows;
  for (int64_t t0 = 0; t0 < n_tokens;) {
    const int n = static_cast<int>(std::min<int64_t>(kTileTokens, n_tokens - t0));
    const TileFn wide = tile_for<kTileGroups>(n, block, w_min != nullptr);
    const TileFn single = tile_for<1>(n, block, w_min != nullptr);
    for (int64_t g = 0; g < n_groups;) {
      const int ng = n_groups - g >= kTileGroups ? kTileGroups : 1;
      __mmask16 masks[kTileGroups];
      for (int i = 0; i < ng; ++i) {
        const int nr = static_cast<int>(std::min<int64_t>(kGroupRows, rows - (g + i) * kGroupRows));
        masks[i] = static_cast<__mmask16>((1u << nr) - 1u);
      }
      (ng == kTileGroups ? wide : single)(packed.data() + g * pairs, pairs, scales.data() + g * factor_stride,
                                          mins_base != nullptr ? mins_base + g * factor_stride : nullptr, factor_stride,
                                          x, t0, y + g * kGroupRows, ldy, masks);
      g += ng;
    }
    t0 += tokens_taken(n);
  }
}

}  // namespace glassbox::kernels::avx512
