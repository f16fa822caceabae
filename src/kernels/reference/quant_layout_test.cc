// Bit-layout tests: hand-built blocks of each format decode to values worked out by hand from the spec.
//
// Each test sets a few chosen bits (scales, mins, quants, high bits) in an otherwise zero block and
// checks the whole decoded block, so a field read from the wrong byte, nibble or bit fails.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "base/fp16.h"
#include "kernels/kernel_table.h"
#include "tensor/dtype.h"
#include "tensor/quant_blocks.h"

namespace glassbox::kernels {
namespace {

using namespace tensor;  // NOLINT

// IEEE binary16 bit patterns used below.
constexpr uint16_t kHalfQuarter = 0x3400;  // 0.25
constexpr uint16_t kHalfHalf = 0x3800;     // 0.5
constexpr uint16_t kHalfOne = 0x3C00;      // 1.0
constexpr uint16_t kHalfTwo = 0x4000;      // 2.0

template <typename Block>
std::vector<float> decode(DType dtype, const Block& blk, int n) {
  // Decode from an odd address to check the kernels do not assume alignment.
  std::vector<uint8_t> bytes(sizeof(Block) + 1);
  std::memcpy(bytes.data() + 1, &blk, sizeof(Block));
  std::vector<float> out(static_cast<size_t>(n));
  reference_table().of(dtype).dequantize_row(bytes.data() + 1, out.data(), n);
  return out;
}

TEST(QuantLayoutTest, Q4_0LowNibblesAreFirstHalfHighNibblesSecondHalf) {
  BlockQ4_0 blk{};
  blk.d = kHalfHalf;
  for (auto& b : blk.qs) b = 0x88;  // every quant 8 -> 0
  blk.qs[0] = 0x3A;                 // element 0: q 10 -> 0.5 * 2 = 1; element 16: q 3 -> 0.5 * -5
  blk.qs[15] = 0xF0;                // element 15: q 0 -> -4; element 31: q 15 -> 3.5
  std::vector<float> want(32, 0.0f);
  want[0] = 1.0f;
  want[16] = -2.5f;
  want[15] = -4.0f;
  want[31] = 3.5f;
  EXPECT_EQ(decode(DType::kQ4_0, blk, 32), want);
}

TEST(QuantLayoutTest, Q4_1AddsMinToScaledNibble) {
  BlockQ4_1 blk{};
  blk.d = kHalfHalf;
  blk.m = kHalfOne;
  blk.qs[2] = 0x51;  // element 2: 0.5 * 1 + 1; element 18: 0.5 * 5 + 1
  std::vector<float> want(32, 1.0f);
  want[2] = 1.5f;
  want[18] = 3.5f;
  EXPECT_EQ(decode(DType::kQ4_1, blk, 32), want);
}

TEST(QuantLayoutTest, Q5_0HighBitOfElementJIsBitJOfQh) {
  BlockQ5_0 blk{};
  blk.d = kHalfOne;
  blk.qh[0] = 0x01;                     // bit 0: element 0
  blk.qh[2] = 0x02;                     // bit 17: element 17
  blk.qs[0] = 0x21;                     // element 0: 1 | 16 -> 17 - 16 = 1; element 16: 2 -> -14
  std::vector<float> want(32, -16.0f);  // q 0 everywhere else
  want[0] = 1.0f;
  want[16] = -14.0f;
  want[17] = 0.0f;  // 0 | 16 -> 0
  EXPECT_EQ(decode(DType::kQ5_0, blk, 32), want);
}

TEST(QuantLayoutTest, Q5_1CombinesHighBitNibbleAndMin) {
  BlockQ5_1 blk{};
  blk.d = kHalfTwo;
  blk.m = kHalfHalf;
  blk.qh[3] = 0x80;   // bit 31: element 31
  blk.qs[15] = 0x70;  // element 31: 7 | 16 = 23 -> 2 * 23 + 0.5; element 15: 0 -> 0.5
  blk.qs[4] = 0x0C;   // element 4: 12 -> 24.5
  std::vector<float> want(32, 0.5f);
  want[31] = 46.5f;
  want[4] = 24.5f;
  EXPECT_EQ(decode(DType::kQ5_1, blk, 32), want);
}

TEST(QuantLayoutTest, Q8_0AndQ8_1AreScaledSignedBytes) {
  BlockQ8_0 b0{};
  b0.d = kHalfQuarter;
  b0.qs[5] = -7;
  b0.qs[31] = 127;
  std::vector<float> want(32, 0.0f);
  want[5] = -1.75f;
  want[31] = 31.75f;
  EXPECT_EQ(decode(DType::kQ8_0, b0, 32), want);

  BlockQ8_1 b1{};
  b1.d = kHalfQuarter;
  b1.s = kHalfTwo;  // the sum field does not enter the decoded values
  b1.qs[5] = -7;
  b1.qs[31] = 127;
  EXPECT_EQ(decode(DType::kQ8_1, b1, 32), want);
}

TEST(QuantLayoutTest, Q2_KScaleNibbleMinNibbleAndTwoBitGroups) {
  BlockQ2_K blk{};
  blk.d = kHalfOne;
  blk.dmin = kHalfHalf;
  blk.scales[5] = 0x32;   // sub-block 5 (elements 80..95): scale 2, min 3
  blk.scales[12] = 0x01;  // sub-block 12 (elements 192..207): scale 1, min 0
  blk.qs[17] = 0x30;      // element 81 = 128*0 + 32*2 + 17: bits 4-5 of byte 17 -> q 3
  blk.qs[40] = 0x20;      // element 200 = 128*1 + 32*2 + 8: bits 4-5 of byte 32 + 8 -> q 2
  std::vector<float> want(256, 0.0f);
  for (int i = 80; i < 96; ++i) want[i] = -1.5f;  // 0 * 2 - 0.5 * 3
  want[81] = 4.5f;                                // 1 * 2 * 3 - 1.5
  want[200] = 2.0f;                               // 1 * 1 * 2
  EXPECT_EQ(decode(DType::kQ2_K, blk, 256), want);
}

TEST(QuantLayoutTest, Q3_KSixBitScalesHighMaskAndTwoBitGroups) {
  BlockQ3_K blk{};
  blk.d = kHalfTwo;
  // Sub-block 9: stored scale 0b10'0101 = 37 -> 5. Low 4 bits in the high nibble of scales[1],
  // high 2 bits at bits 4-5 (2 * (9 / 4)) of scales[8 + 9 % 4].
  blk.scales[1] = 0x50;
  blk.scales[9] = 0x20;
  // Sub-block 2: stored scale 0b11'1010 = 58 -> 26. Low nibble of scales[2], bits 0-1 of scales[10].
  blk.scales[2] = 0x0A;
  blk.scales[10] = 0x03;
  // Element 150 (sub-block 9; half 1, group 0, l 22): low 2 bits in byte 32 + 22 bits 0-1, high bit in
  // hmask[22] bit 4 (150 / 32): low 1, high set -> q 1.
  blk.qs[54] = 0x01;
  blk.hmask[22] = 0x10;
  // Element 151: low 3, high clear -> q 3 - 4 = -1.
  blk.qs[55] = 0x03;
  // Element 32 (sub-block 2; half 0, group 1, l 0): bits 2-3 of byte 0 = 2, hmask[0] bit 1 set -> q 2.
  blk.qs[0] = 0x08;
  blk.hmask[0] = 0x02;
  std::vector<float> want(256, 256.0f);              // stored scale 0 -> -32, quant 0 with no high bit -> -4
  for (int i = 144; i < 160; ++i) want[i] = -40.0f;  // 2 * 5 * -4
  for (int i = 32; i < 48; ++i) want[i] = -208.0f;   // 2 * 26 * -4
  want[150] = 10.0f;
  want[151] = -10.0f;
  want[32] = 104.0f;
  // hmask[0] bit 1 belongs to element 32 only; byte 0 bits 2-3 likewise.
  EXPECT_EQ(decode(DType::kQ3_K, blk, 256), want);
}

// Sub-block 1 (j < 4): scale 10 in scales[1] & 63, min 4 in scales[5] & 63.
// Sub-block 6 (j >= 4): scale 0b11'0011 = 51: low 4 bits in scales[10] & 0xF, high 2 in scales[2] >> 6;
// min 0b01'0111 = 23: low 4 bits in scales[10] >> 4, high 2 in scales[6] >> 6.
template <typename Block>
void set_q45k_test_scales(Block& blk) {
  blk.d = kHalfOne;
  blk.dmin = kHalfQuarter;
  blk.scales[1] = 10;
  blk.scales[5] = 4;
  blk.scales[10] = 0x73;
  blk.scales[2] = 0xC0;
  blk.scales[6] = 0x40;
}

TEST(QuantLayoutTest, Q4_KPackedScalesMinsAndNibbleChunks) {
  BlockQ4_K blk{};
  set_q45k_test_scales(blk);
  blk.qs[8] = 0x70;    // element 40 (chunk 0, second half): high nibble of byte 8 -> q 7
  blk.qs[104] = 0x0B;  // element 200 (chunk 3, first half): low nibble of byte 96 + 8 -> q 11
  std::vector<float> want(256, 0.0f);
  for (int i = 32; i < 64; ++i) want[i] = -1.0f;     // 0.25 * 4
  for (int i = 192; i < 224; ++i) want[i] = -5.75f;  // 0.25 * 23
  want[40] = 69.0f;                                  // 10 * 7 - 1
  want[200] = 555.25f;                               // 51 * 11 - 5.75
  EXPECT_EQ(decode(DType::kQ4_K, blk, 256), want);
}

TEST(QuantLayoutTest, Q5_KHighBitOfElementIIsBitIOver32OfQhIMod32) {
  BlockQ5_K blk{};
  set_q45k_test_scales(blk);
  blk.qs[8] = 0x70;
  blk.qs[104] = 0x0B;
  blk.qh[8] = 0x40;  // bit 6 of byte 8: element 6 * 32 + 8 = 200 -> q 11 + 16 = 27
  blk.qh[9] = 0x02;  // bit 1 of byte 9: element 41 -> q 16
  std::vector<float> want(256, 0.0f);
  for (int i = 32; i < 64; ++i) want[i] = -1.0f;
  for (int i = 192; i < 224; ++i) want[i] = -5.75f;
  want[40] = 69.0f;
  want[41] = 159.0f;     // 10 * 16 - 1
  want[200] = 1371.25f;  // 51 * 27 - 5.75
  EXPECT_EQ(decode(DType::kQ5_K, blk, 256), want);
}

TEST(QuantLayoutTest, Q6_KLowNibblesHighPairsAndInt8Scales) {
  BlockQ6_K blk{};
  blk.d = kHalfHalf;
  blk.scales[3] = -3;  // elements 48..63
  blk.scales[13] = 7;  // elements 208..223
  // Element 50 (half 0, quarter 1, l 18): low nibble of ql[18 + 32], bits 2-3 of qh[18]: 5 | 2 << 4 = 37.
  blk.ql[50] = 0x05;
  blk.qh[18] = 0x08;
  // Element 210 (half 1, quarter 2, l 18): high nibble of ql[64 + 18], bits 4-5 of qh[32 + 18]: 12 | 3 << 4.
  blk.ql[82] = 0xC0;
  blk.qh[50] = 0x30;
  std::vector<float> want(256, 0.0f);
  for (int i = 48; i < 64; ++i) want[i] = 48.0f;      // 0.5 * -3 * (0 - 32)
  for (int i = 208; i < 224; ++i) want[i] = -112.0f;  // 0.5 * 7 * (0 - 32)
  want[50] = -7.5f;                                   // 0.5 * -3 * (37 - 32)
  want[210] = 98.0f;                                  // 0.5 * 7 * (60 - 32)
  EXPECT_EQ(decode(DType::kQ6_K, blk, 256), want);
}

TEST(QuantLayoutTest, Q8_KIsFloatScaleTimesSignedBytes) {
  BlockQ8_K blk{};
  blk.d = 0.5f;
  blk.qs[100] = -9;
  blk.qs[255] = 3;
  blk.bsums[6] = 1000;  // not part of the decoded values
  std::vector<float> want(256, 0.0f);
  want[100] = -4.5f;
  want[255] = 1.5f;
  EXPECT_EQ(decode(DType::kQ8_K, blk, 256), want);
}

// The quantizers write the same layout the decoders read: a known row encodes to known bits.
TEST(QuantLayoutTest, Q8_KQuantizeMapsSignedMaxToMinus127AndFillsBsums) {
  std::vector<float> x(256, 0.1f);
  x[7] = 2.54f;  // iscale = -127 / 2.54 = -50
  x[20] = -0.3f;
  BlockQ8_K blk;
  reference_table().of(DType::kQ8_K).quantize_row(x.data(), &blk, 256);
  EXPECT_FLOAT_EQ(blk.d, -0.02f);
  EXPECT_EQ(blk.qs[7], -127);
  EXPECT_EQ(blk.qs[0], -5);
  EXPECT_EQ(blk.qs[20], 15);
  EXPECT_EQ(blk.bsums[0], -127 + 15 * -5);
  EXPECT_EQ(blk.bsums[1], 15 + 15 * -5);
  EXPECT_EQ(blk.bsums[15], 16 * -5);
}

TEST(QuantLayoutTest, Q8_1QuantizeStoresScaleTimesQuantSum) {
  std::vector<float> x(32, 0.0f);
  x[0] = 12.7f;  // d = 0.1
  x[1] = -2.0f;  // q -20
  x[2] = 0.5f;   // q 5
  BlockQ8_1 blk;
  reference_table().of(DType::kQ8_1).quantize_row(x.data(), &blk, 32);
  EXPECT_EQ(blk.qs[0], 127);
  EXPECT_EQ(blk.qs[1], -20);
  EXPECT_EQ(blk.qs[2], 5);
  EXPECT_NEAR(fp16_to_fp32(blk.d), 0.1f, 1e-4f);
  EXPECT_NEAR(fp16_to_fp32(blk.s), 0.1f * (127 - 20 + 5), 1e-2f);
}

}  // namespace
}  // namespace glassbox::kernels
