#include "chat_cli/input_assembler.h"

#include <gtest/gtest.h>

namespace glassbox::chat_cli {
namespace {

TEST(InputAssemblerTest, PlainLineIsOneMessage) {
  InputAssembler in;
  EXPECT_EQ(in.feed("hello there"), "hello there");
  EXPECT_FALSE(in.pending());
}

TEST(InputAssemblerTest, BackslashContinuesOnTheNextLine) {
  InputAssembler in;
  EXPECT_EQ(in.feed("first\\"), std::nullopt);
  EXPECT_TRUE(in.pending());
  EXPECT_EQ(in.feed("second\\"), std::nullopt);
  EXPECT_EQ(in.feed("third"), "first\nsecond\nthird");
  EXPECT_FALSE(in.pending());
}

TEST(InputAssemblerTest, TripleQuoteBlockKeepsLinesVerbatim) {
  InputAssembler in;
  EXPECT_EQ(in.feed("\"\"\""), std::nullopt);
  EXPECT_EQ(in.feed("def f():\\"), std::nullopt);
  EXPECT_EQ(in.feed("    return 1"), std::nullopt);
  EXPECT_EQ(in.feed("/not a command"), std::nullopt);
  EXPECT_EQ(in.feed("\"\"\""), "def f():\\\n    return 1\n/not a command");
  EXPECT_FALSE(in.pending());
}

TEST(InputAssemblerTest, BlockMayStartAndEndOnTextLines) {
  InputAssembler in;
  EXPECT_EQ(in.feed("\"\"\"one"), std::nullopt);
  EXPECT_EQ(in.feed("two\"\"\""), "one\ntwo");
  EXPECT_EQ(in.feed("\"\"\"inline\"\"\""), "inline");
}

TEST(InputAssemblerTest, PartialInputIsReturnedAtEndOfInput) {
  InputAssembler in;
  EXPECT_EQ(in.feed("half\\"), std::nullopt);
  EXPECT_EQ(in.take_partial(), "half");
  EXPECT_FALSE(in.pending());
}

}  // namespace
}  // namespace glassbox::chat_cli
