// Tests for the GPT-2 byte alphabet.
#include "tokenizer/byte_level.h"

#include <gtest/gtest.h>

namespace glassbox::tokenizer::byte_level {
namespace {

TEST(ByteLevelTest, SpaceAndNewlineTakeTheShiftedCodePoints) {
  EXPECT_EQ(encode_byte(' '), "\xC4\xA0");   // Ġ U+0120
  EXPECT_EQ(encode_byte('\n'), "\xC4\x8A");  // Ċ U+010A
  EXPECT_EQ(encode_byte('a'), "a");
  EXPECT_EQ(encode_byte(0xAD), "\xC5\x83");  // soft hyphen is the 68th shifted byte: U+0143
}

TEST(ByteLevelTest, EveryByteStringRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string spelled, back;
  encode(all, &spelled);
  EXPECT_TRUE(decode(spelled, &back));
  EXPECT_EQ(back, all);
}

TEST(ByteLevelTest, DecodeKeepsCharactersOutsideTheAlphabet) {
  std::string out;
  EXPECT_FALSE(decode("a\xE2\x82\xAC", &out));
  EXPECT_EQ(out, "a\xE2\x82\xAC");
}

}  // namespace
}  // namespace glassbox::tokenizer::byte_level
