// Tests for SentencePiece-style BPE through the Tokenizer front end (dummy prefix, byte fallback).
#include "tokenizer/spm_tokenizer.h"

#include <gtest/gtest.h>

#include "tokenizer/test_vocabs.h"

namespace glassbox::tokenizer {
namespace {

using testing::build;
using testing::kFirstSpmPiece;
using testing::spm_spec;
using Ids = std::vector<int32_t>;

constexpr int32_t kByte0 = 3;  // <0x00>

TEST(SpmTokenizerTest, MergesTheHighestScoringPairFirst) {
  // ids: a=259 b=260 c=261 ab=262 bc=263
  auto prefer_ab = build(spm_spec({{"a", -5}, {"b", -5}, {"c", -5}, {"ab", -1}, {"bc", -2}}));
  auto prefer_bc = build(spm_spec({{"a", -5}, {"b", -5}, {"c", -5}, {"ab", -2}, {"bc", -1}}));
  ASSERT_TRUE(prefer_ab && prefer_bc);
  const int32_t a = kFirstSpmPiece, c = kFirstSpmPiece + 2, ab = kFirstSpmPiece + 3, bc = kFirstSpmPiece + 4;
  // No "▁" piece and no "▁a" token: the dummy prefix space falls back to its bytes.
  EXPECT_EQ(prefer_ab->encode("abc", false, false), (Ids{kByte0 + 0xE2, kByte0 + 0x96, kByte0 + 0x81, ab, c}));
  EXPECT_EQ(prefer_bc->encode("abc", false, false), (Ids{kByte0 + 0xE2, kByte0 + 0x96, kByte0 + 0x81, a, bc}));
}

TEST(SpmTokenizerTest, EqualScoresMergeTheLeftmostPair) {
  auto tok = build(spm_spec({{" ", -9}, {"a", -5}, {"aa", -1}}));
  ASSERT_TRUE(tok);
  const int32_t space = kFirstSpmPiece, a = kFirstSpmPiece + 1, aa = kFirstSpmPiece + 2;
  EXPECT_EQ(tok->encode("aaa", false, false), (Ids{space, aa, a}));
}

TEST(SpmTokenizerTest, AddsADummyPrefixAndEscapesSpaces) {
  auto tok = build(spm_spec({{" ", -9}, {"h", -5}, {"i", -5}, {"hi", -3}, {" hi", -1}}));
  ASSERT_TRUE(tok);
  const int32_t space = kFirstSpmPiece, space_hi = kFirstSpmPiece + 4;
  EXPECT_EQ(tok->encode("hi hi", false, false), (Ids{space_hi, space_hi}));
  EXPECT_EQ(tok->encode(" hi", false, false), (Ids{space, space_hi}));
  EXPECT_EQ(tok->encode("hi", true, false), (Ids{1, space_hi}));
  EXPECT_EQ(tok->encode("", false, false), Ids{});
  EXPECT_EQ(tok->decode(tok->encode("hi hi", false, false)), "hi hi");
}

TEST(SpmTokenizerTest, MergesAcrossSpacesWhenAPieceSpansThem) {
  // "a b" is one piece, so the text may not be cut into words at the second '▁'.
  auto tok = build(spm_spec({{" ", -9}, {"a", -5}, {"b", -5}, {"a ", -2}, {"a b", -1}, {" b", -3}}));
  ASSERT_TRUE(tok);
  const int32_t space = kFirstSpmPiece, a_space_b = kFirstSpmPiece + 4, space_b = kFirstSpmPiece + 5;
  EXPECT_EQ(tok->encode("a b", false, false), (Ids{space, a_space_b}));
  EXPECT_EQ(tok->encode("b b", false, false), (Ids{space_b, space_b}));
}

TEST(SpmTokenizerTest, FallsBackToByteTokensForUnknownCharacters) {
  auto tok = build(spm_spec({{" ", -9}}));
  ASSERT_TRUE(tok);
  const int32_t space = kFirstSpmPiece;
  // "é" is not a piece: its two UTF-8 bytes become <0xC3> <0xA9>.
  EXPECT_EQ(tok->encode("\xC3\xA9", false, false), (Ids{space, kByte0 + 0xC3, kByte0 + 0xA9}));
  EXPECT_EQ(tok->token_piece(kByte0 + 0xC3), "\xC3");
  EXPECT_EQ(tok->decode(tok->encode("\xC3\xA9", false, false)), "\xC3\xA9");
}

TEST(SpmTokenizerTest, ByteTokenLookupPrefersHexTokens) {
  auto spec = spm_spec({});
  Vocab vocab(spec.tokens);
  SpmTokenizer spm(vocab);
  EXPECT_EQ(spm.byte_token(0x0A), kByte0 + 0x0A);
}

TEST(SpmTokenizerTest, SpecialTokensInTextOnlyWhenParsingSpecials) {
  auto tok = build(spm_spec({{" ", -9}, {"x", -5}, {" x", -1}}));
  ASSERT_TRUE(tok);
  const int32_t space_x = kFirstSpmPiece + 2;
  // Text after a special token gets the dummy prefix again, as in llama.cpp.
  EXPECT_EQ(tok->encode("x</s>x", false, true), (Ids{space_x, 2, space_x}));
  const Ids plain = tok->encode("x</s>x", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 2), 0);
  EXPECT_EQ(tok->decode(plain), "x</s>x");
}

TEST(SpmTokenizerTest, WhitespaceEscapingRoundTrips) {
  EXPECT_EQ(escape_whitespace("a b  c"), "a\xE2\x96\x81" "b\xE2\x96\x81\xE2\x96\x81" "c");
  EXPECT_EQ(unescape_whitespace(escape_whitespace(" x y ")), " x y ");
}

}  // namespace
}  // namespace glassbox::tokenizer
