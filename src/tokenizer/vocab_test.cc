// Tests for the vocabulary: lookup, end-of-generation detection, special-token splitting.
#include "tokenizer/vocab.h"

#include <gtest/gtest.h>

namespace glassbox::tokenizer {
namespace {

Vocab make_vocab(std::vector<TokenData> tokens, std::string_view model_name = "") {
  Vocab vocab(std::move(tokens));
  vocab.finalize(model_name);
  return vocab;
}

// Fragments as readable strings: raw text in quotes, tokens as #id.
std::vector<std::string> show(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<std::string> out;
  for (const Fragment& f : vocab.split_special(text, parse_special)) {
    out.push_back(f.token >= 0 ? "#" + std::to_string(f.token) : "'" + std::string(text.substr(f.offset, f.length)) + "'");
  }
  return out;
}

using Shown = std::vector<std::string>;

TEST(VocabTest, FindsTokensByExactText) {
  Vocab vocab({{"a"}, {"bb"}, {""}});
  EXPECT_EQ(vocab.find("bb"), 1);
  EXPECT_EQ(vocab.find("b"), -1);
  EXPECT_EQ(vocab.token(2).text, "[EMPTY_2]");
}

TEST(VocabTest, ControlTokensSplitOnlyWhenParsingSpecials) {
  const Vocab vocab = make_vocab({{"x"}, {"<|im_start|>", 0, kAttrControl}});
  EXPECT_EQ(show(vocab, "a<|im_start|>b<|im_start|>", true), (Shown{"'a'", "#1", "'b'", "#1"}));
  EXPECT_EQ(show(vocab, "a<|im_start|>b", false), (Shown{"'a<|im_start|>b'"}));
}

TEST(VocabTest, UserDefinedTokensAlwaysSplit) {
  const Vocab vocab = make_vocab({{"x"}, {"<think>", 0, kAttrUserDefined}, {"   ", 0, kAttrUserDefined}});
  EXPECT_EQ(show(vocab, "a<think>    b", false), (Shown{"'a'", "#1", "#2", "' b'"}));
}

TEST(VocabTest, LongerSpecialTokensWinOverTheirPrefixes) {
  const Vocab vocab = make_vocab({{"<s>", 0, kAttrControl}, {"<s>x", 0, kAttrControl}});
  EXPECT_EQ(show(vocab, "<s>x<s>", true), (Shown{"#1", "#0"}));
}

TEST(VocabTest, StripFlagsEatNeighbouringWhitespace) {
  const Vocab vocab = make_vocab({{"<l>", 0, kAttrControl | kAttrLstrip}, {"<r>", 0, kAttrControl | kAttrRstrip}});
  EXPECT_EQ(show(vocab, "a  <l>  b", true), (Shown{"'a'", "#0", "'  b'"}));
  EXPECT_EQ(show(vocab, "a  <r>  b", true), (Shown{"'a  '", "#1", "'b'"}));
}

TEST(VocabTest, Phi3SpecialTokensStripWhitespaceOnTheRight) {
  const Vocab vocab = make_vocab({{"<unk>", 0, kAttrUnknown}, {"<s>", 0, kAttrControl}, {"</s>", 0, kAttrControl},
                                  {"<|user|>", 0, kAttrUserDefined}},
                                 "Phi3");
  EXPECT_TRUE(vocab.attr(3) & kAttrRstrip);
  EXPECT_TRUE(vocab.attr(2) & kAttrRstrip);
  EXPECT_FALSE(vocab.attr(1) & kAttrRstrip);
  EXPECT_EQ(show(vocab, "<|user|>\nhi", false), (Shown{"#3", "'hi'"}));
}

TEST(VocabTest, EndOfGenerationComesFromIdsAndKnownTexts) {
  Vocab vocab({{"a"}, {"</s>", 0, kAttrControl}, {"<|eot_id|>", 0, kAttrNormal}, {"<|im_start|>", 0, kAttrControl}});
  vocab.special().eos = 1;
  vocab.finalize("");
  EXPECT_TRUE(vocab.is_end_of_generation(1));
  EXPECT_TRUE(vocab.is_end_of_generation(2));
  EXPECT_FALSE(vocab.is_end_of_generation(3));
  EXPECT_FALSE(vocab.is_end_of_generation(0));
  EXPECT_EQ(vocab.special().eot, 2);
  EXPECT_TRUE(vocab.attr(2) & kAttrControl) << "end-of-turn texts are control tokens whatever their type";
}

TEST(VocabTest, GgufTokenTypesMapToAttributes) {
  EXPECT_EQ(attr_from_gguf_token_type(1), kAttrNormal);
  EXPECT_EQ(attr_from_gguf_token_type(3), kAttrControl);
  EXPECT_EQ(attr_from_gguf_token_type(6), kAttrByte);
  EXPECT_EQ(attr_from_gguf_token_type(42), kAttrUndefined);
}

}  // namespace
}  // namespace glassbox::tokenizer
