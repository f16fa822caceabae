// Tests for the UTF-8 byte-level helpers.
#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

namespace glassbox::tokenizer::utf8 {
namespace {

TEST(Utf8Test, SequenceLengthFollowsTheLeadByte) {
  EXPECT_EQ(sequence_length('a'), 1u);
  EXPECT_EQ(sequence_length(0x80), 1u);  // a stray continuation byte is a symbol of its own
  EXPECT_EQ(sequence_length(0xC3), 2u);
  EXPECT_EQ(sequence_length(0xE2), 3u);
  EXPECT_EQ(sequence_length(0xF0), 4u);
}

TEST(Utf8Test, ValidSequenceLengthTellsCompleteInvalidAndUnfinished) {
  EXPECT_EQ(valid_sequence_length("\xE2\x82\xAC"), 3);  // €
  EXPECT_EQ(valid_sequence_length("\xF0\x9F\xA6\x99"), 4);
  EXPECT_EQ(valid_sequence_length("\xE2\x82"), -1);       // wait for the last byte
  EXPECT_EQ(valid_sequence_length("\xC0\x80"), 0);        // overlong
  EXPECT_EQ(valid_sequence_length("\xED\xA0\x80"), 0);    // surrogate
  EXPECT_EQ(valid_sequence_length("\xF4\x90\x80\x80"), 0);  // past U+10FFFF
  EXPECT_EQ(valid_sequence_length("\x80"), 0);
  EXPECT_EQ(valid_sequence_length("\xE2\x28\xA1"), 0);    // broken continuation
}

TEST(Utf8Test, LenientReencodeReplacesOnlyUndecodableBytes) {
  EXPECT_EQ(lenient_reencode("h\xC3\xA9llo"), "h\xC3\xA9llo");
  EXPECT_EQ(lenient_reencode("a\x80" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(lenient_reencode("\xC3"), "\xEF\xBF\xBD");
  EXPECT_EQ(lenient_reencode("\xE2\x82" "x"), "\xEF\xBF\xBD\xEF\xBF\xBD" "x");
}

TEST(Utf8Test, AppendCodePointEncodesEveryLength) {
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F999u}) append_code_point(cp, &out);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\xA6\x99");
  EXPECT_TRUE(is_valid(out));
}

}  // namespace
}  // namespace glassbox::tokenizer::utf8
