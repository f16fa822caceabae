// Quantized block formats of GGUF files: the byte layout of one block of each ggml quant type.
//
// These structs mirror the on-disk layout byte for byte (little-endian, no padding), because tensors in a
// GGUF file made by llama-quantize are read as they are. Half-precision fields are raw IEEE binary16 bits
// (decode with base/fp16.h). A block inside a mapped tensor row has no alignment guarantee (a row of Q4_0
// is 18-byte blocks end to end), so kernels copy a block out with load_block() before reading fields.
//
// Element order and bit packing (the part a struct cannot show) are written next to each struct; the
// reference kernels in kernels/reference/ implement exactly these comments.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace glassbox::tensor {

// Fields are read by memcpy into host integers, which is the file's byte order only on little-endian hosts.
static_assert(std::endian::native == std::endian::little, "quant blocks assume a little-endian host");

// Elements per block of the legacy formats (Q4_0 ... Q8_1) and per super-block of the K formats.
inline constexpr int kQK = 32;
inline constexpr int kQKK = 256;

// ---- Legacy formats: 32 elements per block, one scale (and a min for the _1 variants). ----

// Q4_0: x = d * (q - 8), q in [0, 15].
// Element j < 16 is the low nibble of qs[j]; element j + 16 is the high nibble of qs[j].
struct BlockQ4_0 {
  uint16_t d;      // f16 scale
  uint8_t qs[16];  // 4-bit quants, two per byte
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_1: x = d * q + m, q in [0, 15]. Nibble order as Q4_0.
struct BlockQ4_1 {
  uint16_t d;  // f16 scale
  uint16_t m;  // f16 min (added)
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_1) == 20);

// Q5_0: x = d * (q - 16), q in [0, 31]. Low 4 bits as Q4_0; the 5th bit of element j is bit j of qh read
// as a little-endian uint32 (so qh[j / 8] bit j % 8).
struct BlockQ5_0 {
  uint16_t d;      // f16 scale
  uint8_t qh[4];   // high bits, element j at bit j
  uint8_t qs[16];  // low 4 bits, as Q4_0
};
static_assert(sizeof(BlockQ5_0) == 22);

// Q5_1: x = d * q + m, q in [0, 31]. Bits as Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_1) == 24);

// Q8_0: x = d * q, q in [-127, 127] (element j is qs[j]).
struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_1: activation format of Q4_1 / Q5_1. x = d * q; s = d * sum(qs) (f16) so the dot product's min
// term needs no pass over the quants.
struct BlockQ8_1 {
  uint16_t d;  // f16 scale
  uint16_t s;  // f16 d * sum(qs)
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_1) == 36);

// ---- K formats: 256-element super-blocks of 16 or 8 sub-blocks with quantized sub-block scales. ----

// Q2_K: 16 sub-blocks of 16. x = d * (scales[s] & 0xF) * q - dmin * (scales[s] >> 4), q in [0, 3],
// s = element / 16. Element i: half h = i / 128, shift group g = (i % 128) / 32, l = i % 32;
// q = (qs[32 h + l] >> 2g) & 3.
struct BlockQ2_K {
  uint8_t scales[16];  // low nibble: scale, high nibble: min, per sub-block
  uint8_t qs[64];      // 2-bit quants, four per byte
  uint16_t d;          // f16 super-block scale of the scales
  uint16_t dmin;       // f16 super-block scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84);

// Q3_K: 16 sub-blocks of 16. x = d * (sc[s] - 32) * q, q in [-4, 3], s = element / 16.
// Element i: low 2 bits as Q2_K ((qs[32 h + l] >> 2g) & 3); high bit is bit (i / 32) of hmask[i % 32];
// q = low2 - (high bit set ? 0 : 4).
// The 6-bit scales sc[0..15] are packed in 12 bytes: low 4 bits of sc[s] are scales[s] & 0xF for s < 8
// and scales[s - 8] >> 4 for s >= 8; high 2 bits are (scales[8 + s % 4] >> (2 * (s / 4))) & 3.
struct BlockQ3_K {
  uint8_t hmask[32];   // high bit of each quant
  uint8_t qs[64];      // low 2 bits
  uint8_t scales[12];  // 16 six-bit scales, offset by 32
  uint16_t d;          // f16 super-block scale
};
static_assert(sizeof(BlockQ3_K) == 110);

// The 12-byte packing of eight 6-bit scales and eight 6-bit mins shared by Q4_K and Q5_K, sub-block j:
//   j < 4:  scale = scales[j] & 63,                              min = scales[j + 4] & 63
//   j >= 4: scale = (scales[j + 4] & 0xF) | (scales[j - 4] >> 6) << 4,
//           min   = (scales[j + 4] >> 4)  | (scales[j] >> 6) << 4
inline constexpr int kKScaleBytes = 12;

// Q4_K: 8 sub-blocks of 32. x = d * scale[s] * q - dmin * min[s], q in [0, 15], s = element / 32.
// Element i: chunk c = i / 64, w = i % 64; q is the low nibble of qs[32 c + w] for w < 32 and the high
// nibble of qs[32 c + w - 32] otherwise.
struct BlockQ4_K {
  uint16_t d;                    // f16 super-block scale of the scales
  uint16_t dmin;                 // f16 super-block scale of the mins
  uint8_t scales[kKScaleBytes];  // 6-bit scales and mins, packed as above
  uint8_t qs[128];               // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K: as Q4_K with q in [0, 31]; the 5th bit of element i is bit (i / 32) of qh[i % 32].
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[32];   // high bits
  uint8_t qs[128];  // low 4 bits, as Q4_K
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K: 16 sub-blocks of 16. x = d * scales[s] * (q - 32), q in [0, 63], s = element / 16.
// Element i: half h = i / 128, quarter g = (i % 128) / 32, l = i % 32. Low 4 bits are in
// ql[64 h + l + 32 (g & 1)], low nibble for g < 2, high nibble for g >= 2; high 2 bits are
// (qh[32 h + l] >> 2g) & 3.
struct BlockQ6_K {
  uint8_t ql[128];    // low 4 bits
  uint8_t qh[64];     // high 2 bits
  int8_t scales[16];  // 8-bit signed sub-block scales
  uint16_t d;         // f16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K: activation format of every K type. x = d * q (d is f32); bsums[k] = sum of qs[16 k .. 16 k + 15],
// so the min term of Q2_K / Q4_K / Q5_K is a dot of sub-block mins with bsums.
struct BlockQ8_K {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
};
static_assert(sizeof(BlockQ8_K) == 292);

// Copies block `idx` of a packed row (any alignment) into a local struct.
template <typename Block>
inline Block load_block(const void* row, int64_t idx) {
  Block b;
  std::memcpy(&b, static_cast<const uint8_t*>(row) + idx * static_cast<int64_t>(sizeof(Block)),
              sizeof(Block));
  return b;
}

// Writes a local block into position `idx` of a packed row (any alignment).
template <typename Block>
inline void store_block(void* row, int64_t idx, const Block& b) {
  std::memcpy(static_cast<uint8_t*>(row) + idx * static_cast<int64_t>(sizeof(Block)), &b, sizeof(Block));
}

}  // namespace glassbox::tensor
