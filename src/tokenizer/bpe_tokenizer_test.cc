// Tests for byte-level BPE merging.
#include "tokenizer/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include "tokenizer/test_vocabs.h"

namespace glassbox::tokenizer {
namespace {

using testing::build;
using testing::byte_level_spec;
using Ids = std::vector<int32_t>;

TEST(BpeTokenizerTest, MergesLowestRankPairFirst) {
  // 256 "he", 257 "ll", 258 "hell", 259 "hello"
  auto tok = build(byte_level_spec({"he", "ll", "hell", "hello"},
                                   {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("hello", false, false), Ids{259});
  EXPECT_EQ(tok->encode("hell", false, false), Ids{258});
  EXPECT_EQ(tok->encode("hel", false, false), (Ids{256, 'l'}));
}

TEST(BpeTokenizerTest, RankDecidesBetweenOverlappingPairs) {
  // 256 "ab", 257 "bc"
  auto bc_first = build(byte_level_spec({"ab", "bc"}, {{"b", "c"}, {"a", "b"}}));
  auto ab_first = build(byte_level_spec({"ab", "bc"}, {{"a", "b"}, {"b", "c"}}));
  ASSERT_TRUE(bc_first && ab_first);
  EXPECT_EQ(bc_first->encode("abc", false, false), (Ids{'a', 257}));
  EXPECT_EQ(ab_first->encode("abc", false, false), (Ids{256, 'c'}));
}

TEST(BpeTokenizerTest, EqualPairsMergeLeftmostFirst) {
  auto tok = build(byte_level_spec({"aa"}, {{"a", "a"}}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("aaa", false, false), (Ids{256, 'a'}));
}

TEST(BpeTokenizerTest, MergesThroughTextsThatAreNoToken) {
  // "xy" is merged but is no token; "xyz" is. A lone "xy" falls back to its bytes.
  auto tok = build(byte_level_spec({"xyz"}, {{"x", "y"}, {"xy", "z"}}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("xyz", false, false), Ids{256});
  EXPECT_EQ(tok->encode("xy", false, false), (Ids{'x', 'y'}));
}

TEST(BpeTokenizerTest, IgnoreMergesTakesWholeWordTokens) {
  auto spec = byte_level_spec({"abc"}, {});
  spec.ignore_merges = true;
  auto whole = build(spec);
  auto merged = build(byte_level_spec({"abc"}, {}));
  ASSERT_TRUE(whole && merged);
  EXPECT_EQ(whole->encode("abc", false, false), Ids{256});
  EXPECT_EQ(merged->encode("abc", false, false), (Ids{'a', 'b', 'c'}));
}

TEST(BpeTokenizerTest, SpacesAndNewlinesUseTheByteAlphabet) {
  auto tok = build(byte_level_spec({" a"}, {{" ", "a"}}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode(" a\n", false, false), (Ids{256, '\n'}));
  EXPECT_EQ(tok->token_piece(256), " a");
  EXPECT_EQ(tok->decode({256, '\n'}), " a\n");
}

TEST(BpeTokenizerTest, InvalidUtf8BecomesReplacementCharacterBytes) {
  auto tok = build(byte_level_spec({}, {}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("a\x80", false, false), (Ids{'a', 0xEF, 0xBF, 0xBD}));
}

TEST(BpeTokenizerTest, ControlTokensSplitOnlyWhenParsingSpecials) {
  auto spec = byte_level_spec({}, {});
  spec.tokens.push_back({"<|end|>", 0.0f, kAttrControl});
  auto tok = build(spec);
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("a<|end|>", false, true), (Ids{'a', 256}));
  EXPECT_EQ(tok->encode("a<|end|>", false, false), (Ids{'a', '<', '|', 'e', 'n', 'd', '|', '>'}));
  EXPECT_TRUE(tok->is_end_of_generation(256));
}

}  // namespace
}  // namespace glassbox::tokenizer
