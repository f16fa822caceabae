// Tests for the half / bfloat16 conversions.
#include "base/fp16.h"

#include <cmath>

#include <gtest/gtest.h>

namespace glassbox {
namespace {

TEST(Fp16Test, RoundTripsEveryHalfValue) {
  for (uint32_t h = 0; h < 65536; ++h) {
    uint16_t v = static_cast<uint16_t>(h);
    float f = fp16_to_fp32(v);
    if (std::isnan(f)) continue;
    EXPECT_EQ(fp32_to_fp16(f), v) << h;
  }
}

TEST(Fp16Test, RoundsToNearestEven) {
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(1.0f + 1.0f / 2048)), 1.0f);            // tie -> even (down)
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(1.0f + 3.0f / 2048)), 1.0f + 4.0f / 2048);  // tie -> even (up)
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(65520.0f)), INFINITY);
  EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(0.1f)), 0.0999755859375f);
}

TEST(Fp16Test, Bf16RoundsToNearestEven) {
  EXPECT_EQ(bf16_to_fp32(fp32_to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(bf16_to_fp32(fp32_to_bf16(1.00390625f)), 1.0f);   // tie -> even
  EXPECT_EQ(bf16_to_fp32(fp32_to_bf16(1.01171875f)), 1.015625f);  // tie -> even (up)
}

}  // namespace
}  // namespace glassbox
