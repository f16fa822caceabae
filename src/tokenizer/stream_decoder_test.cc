// Tests for streaming detokenization: whole UTF-8 characters only.
#include "tokenizer/stream_decoder.h"

#include <gtest/gtest.h>

#include "tokenizer/test_vocabs.h"

namespace glassbox::tokenizer {
namespace {

constexpr int32_t kByte0 = 3;  // <0x00> in testing::spm_spec

TEST(StreamDecoderTest, HoldsBackAnEmojiUntilItsLastByteToken) {
  auto tok = testing::build(testing::spm_spec({{" ", -9}, {"a", -5}}));
  ASSERT_TRUE(tok);
  StreamDecoder stream(*tok);
  EXPECT_EQ(stream.push(kByte0 + 0xF0), "");
  EXPECT_EQ(stream.push(kByte0 + 0x9F), "");
  EXPECT_EQ(stream.push(kByte0 + 0xA6), "");
  EXPECT_EQ(stream.push(kByte0 + 0x99), "\xF0\x9F\xA6\x99");  // 🦙
  EXPECT_EQ(stream.push(testing::kFirstSpmPiece + 1), "a");
  EXPECT_EQ(stream.flush(), "");
}

TEST(StreamDecoderTest, ReplacesBytesThatCanNeverFormACharacter) {
  auto tok = testing::build(testing::spm_spec({}));
  ASSERT_TRUE(tok);
  StreamDecoder stream(*tok);
  EXPECT_EQ(stream.push(kByte0 + 0xE2), "");
  EXPECT_EQ(stream.push(kByte0 + 'x'), "\xEF\xBF\xBDx");  // E2 then 'x': E2 is dead
  EXPECT_EQ(stream.push(kByte0 + 0xC3), "");
  EXPECT_EQ(stream.flush(), "\xEF\xBF\xBD");  // unfinished at the end
}

}  // namespace
}  // namespace glassbox::tokenizer
