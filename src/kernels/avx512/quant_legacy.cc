// AVX-512 VNNI dot products of the legacy 32-element block formats with int16 activations (ActivationI16):
// Q4_0, Q4_1, Q5_0, Q5_1 (TypeKernels::vec_dot_i16). Q8_0 keeps avx2's: the same scheme measured ~15% slower
// than avx2's per-block loop on it (both near a core's read bandwidth).
//
// Per block: the 16 quant bytes are zero-extended to 16 int16 (vpmovzxbw ymm), so the low nibbles are
// elements 0-15 (an and) and the high nibbles elements 16-31 (a 4-bit word shift, no mask), exactly the
// activation's order; two vpdpwssd (the first a vpmaddwd) give 8 int32 partial sums, converted and added
// with one FMA by d * scale_x. The zero points (8 and 16) and the mins of the _1 formats are not applied per
// element: sum (q - z) x = sum q x - z sum x, and sum x per block comes from ActivationI16::sum16, so those
// terms cost one FMA per 8 blocks. The f16 scales (and mins) of 8 blocks are loaded into one vector and
// multiplied by the activation scales at once; each block then broadcasts its product from the stack.
// ymm rather than zmm: Zen 4 runs a zmm op as two 256-bit halves, and a 32-element block fits a ymm pair
// exactly, so zmm would only add shuffles. Layouts: tensor/quant_blocks.h.
#include "kernels/avx512/avx512_kernels.h"
#include "kernels/avx512/simd.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels::avx512 {
namespace {

// The 32 quants of a nibble block at qs as int16 in element order: lo = elements 0-15, hi = 16-31.
struct Nibbles {
  __m256i lo, hi;
};
inline Nibbles nibbles(const uint8_t* qs) {
  const __m256i q = _mm256_cvtepu8_epi16(load128(qs));
  return {_mm256_and_si256(q, _mm256_set1_epi16(0x0F)), _mm256_srli_epi16(q, 4)};
}
// Adds 16 to each element whose bit is set in the 32 high bits at qh (bit j: element j).
inline Nibbles with_high_bits(Nibbles v, const uint8_t* qh) {
  const uint32_t bits = load_u32(qh);
  const __m256i sixteen = _mm256_set1_epi16(16);
  return {_mm256_mask_add_epi16(v.lo, static_cast<__mmask16>(bits), v.lo, sixteen),
          _mm256_mask_add_epi16(v.hi, static_cast<__mmask16>(bits >> 16), v.hi, sixteen)};
}
inline __m256i dot32(Nibbles v, __m256i x0, __m256i x1) {
  return _mm256_dpwssd_epi32(_mm256_madd_epi16(v.lo, x0), v.hi, x1);
}

// Per format: bytes per block, the zero point z (value = d (q - z)) or a min (value = d q + m, f16 after d),
// and the 8 int32 partial sums of q * x for one block.
struct Q4_0 {
  static constexpr int kBytes = sizeof(tensor::BlockQ4_0);
  static constexpr int kZero = 8;
  static constexpr bool kHasMin = false;
  static __m256i dot(const uint8_t* b, __m256i x0, __m256i x1) { return dot32(nibbles(b + 2), x0, x1); }
};
struct Q4_1 {
  static constexpr int kBytes = sizeof(tensor::BlockQ4_1);
  static constexpr int kZero = 0;
  static constexpr bool kHasMin = true;
  static __m256i dot(const uint8_t* b, __m256i x0, __m256i x1) { return dot32(nibbles(b + 4), x0, x1); }
};
struct Q5_0 {
  static constexpr int kBytes = sizeof(tensor::BlockQ5_0);
  static constexpr int kZero = 16;
  static constexpr bool kHasMin = false;
  static __m256i dot(const uint8_t* b, __m256i x0, __m256i x1) {
    return dot32(with_high_bits(nibbles(b + 6), b + 2), x0, x1);
  }
};
struct Q5_1 {
  static constexpr int kBytes = sizeof(tensor::BlockQ5_1);
  static constexpr int kZero = 0;
  static constexpr bool kHasMin = true;
  static __m256i dot(const uint8_t* b, __m256i x0, __m256i x1) {
    return dot32(with_high_bits(nibbles(b + 8), b + 4), x0, x1);
  }
};

// The first 4 bytes of 8 blocks `stride` bytes apart, lane j = block j. Spelled as vmovd + vpinsrd so the
// compiler keeps it in vector registers (a _mm256_setr_epi32 of the loads became GPR shifts and stack
// stores read back as one vector: a failed store forward every 8 blocks, Q4_1 1.8x slower than Q4_0).
inline __m256i headers8(const uint8_t* blk, int stride) {
  auto four = [&](const uint8_t* p) {
    __m128i v = _mm_cvtsi32_si128(static_cast<int>(load_u32(p)));
    v = _mm_insert_epi32(v, static_cast<int>(load_u32(p + stride)), 1);
    v = _mm_insert_epi32(v, static_cast<int>(load_u32(p + 2 * stride)), 2);
    return _mm_insert_epi32(v, static_cast<int>(load_u32(p + 3 * stride)), 3);
  };
  return _mm256_inserti128_si256(_mm256_castsi128_si256(four(blk)), four(blk + 4 * stride), 1);
}

// How far ahead of the blocks being read the row is prefetched (see simd.h prefetch).
constexpr int kPrefetchBytes = 1024;

// Blocks go in groups of 8: the 8 block headers (d, and m for the _1 formats) are loaded into one vector and
// multiplied by the 8 activation scales at once; the last group of a row may be shorter (masked loads and a
// masked gather, so nothing past the row is read).
template <typename F>
float dot_row(int64_t n, const void* w, const ActivationI16& x) {
  const auto* row = static_cast<const uint8_t*>(w);
  const int64_t nb = n / tensor::kQK;
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  __m256 extra = _mm256_setzero_ps();  // zero-point or min term: sum over blocks of (d or m) * scale_x * sum(x_q)
  const __m256i header_at = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(F::kBytes));
  alignas(32) float scale[8];
  for (int64_t b0 = 0; b0 < nb; b0 += 8) {
    const int count = nb - b0 < 8 ? static_cast<int>(nb - b0) : 8;
    const __mmask8 live = static_cast<__mmask8>((1u << count) - 1);
    const uint8_t* blk = row + b0 * F::kBytes;
    if constexpr (kPrefetchBytes > 0) prefetch(blk + kPrefetchBytes, 8 * F::kBytes);
    const __m256 sx = _mm256_maskz_loadu_ps(live, x.scale + b0);
    // Eight scalar loads beat vpgatherdd on Zen 4 (the gather cost ~30% of the Q4_0 dot); the tail gathers.
    __m256i header;
    if (count == 8) {
      header = headers8(blk, F::kBytes);
    } else {
      header = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), live, header_at, blk, 1);
    }
    const __m256 ds = _mm256_mul_ps(_mm256_cvtph_ps(_mm256_cvtepi32_epi16(header)), sx);
    _mm256_store_ps(scale, ds);
    if constexpr (F::kHasMin) {
      const __m256 m = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(_mm256_srli_epi32(header, 16)));
      extra = _mm256_fmadd_ps(_mm256_mul_ps(m, sx), block_sums8(x.sum16 + 2 * b0, count), extra);
    } else if constexpr (F::kZero != 0) {
      extra = _mm256_fmadd_ps(ds, block_sums8(x.sum16 + 2 * b0, count), extra);
    }
    const int16_t* xq = x.q + b0 * tensor::kQK;
    auto block = [&](int j) {
      const __m256i p = F::dot(blk + j * F::kBytes, load_x16(xq + 32 * j), load_x16(xq + 32 * j + 16));
      acc[j % 4] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcast_ss(&scale[j]), acc[j % 4]);
    };
    // Unrolled with constant j in both branches, so the accumulators stay in registers.
    if (count == 8) {
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) block(j);
    } else {
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) {
        if (j < count) block(j);
      }
    }
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
  if constexpr (F::kHasMin) {
    s = _mm256_add_ps(s, extra);
  } else if constexpr (F::kZero != 0) {
    s = _mm256_fnmadd_ps(_mm256_set1_ps(static_cast<float>(F::kZero)), extra, s);
  }
  return hsum(s);
}

}  // namespace

float vec_dot_q4_0_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row<Q4_0>(n, w, x); }
float vec_dot_q4_1_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row<Q4_1>(n, w, x); }
float vec_dot_q5_0_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row<Q5_0>(n, w, x); }
float vec_dot_q5_1_i16(int64_t n, const void* w, const ActivationI16& x) { return dot_row<Q5_1>(n, w, x); }

}  // namespace glassbox::kernels::avx512
