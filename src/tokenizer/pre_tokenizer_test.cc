// Tests for regex pre-tokenization.
#include "tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

#include <random>

namespace glassbox::tokenizer {
namespace {

std::vector<std::string> split(const PreTokenizer& pre, std::string_view text) {
  std::vector<std::string_view> pieces;
  pre.split(text, &pieces);
  return {pieces.begin(), pieces.end()};
}

std::vector<std::string> split(std::string_view name, std::string_view text) {
  auto pre = PreTokenizer::from_name(name);
  EXPECT_TRUE(pre.ok()) << pre.status().to_string();
  return pre.ok() ? split(*pre, text) : std::vector<std::string>{};
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizerTest, Gpt2SplitsContractionsWordsAndSpaceRuns) {
  EXPECT_EQ(split("gpt-2", "Hello world's  end!!"), (Pieces{"Hello", " world", "'s", " ", " end", "!!"}));
  EXPECT_EQ(split("gpt-2", "\t\tx"), (Pieces{"\t", "\t", "x"}));
}

TEST(PreTokenizerTest, Llama3GroupsDigitsByThreeAndKeepsNewlineRuns) {
  EXPECT_EQ(split("llama-bpe", "12345 ok\n\n  x"), (Pieces{"123", "45", " ok", "\n\n", " ", " x"}));
  EXPECT_EQ(split("llama-bpe", "I'M here"), (Pieces{"I", "'M", " here"}));
}

TEST(PreTokenizerTest, Qwen2SplitsEveryDigit) {
  EXPECT_EQ(split("qwen2", "x2024"), (Pieces{"x", "2", "0", "2", "4"}));
}

TEST(PreTokenizerTest, StarcoderIsolatesDigitsBeforeGpt2) {
  EXPECT_EQ(split("starcoder", " 33 a1"), (Pieces{" ", "3", "3", " a", "1"}));
}

TEST(PreTokenizerTest, FalconCutsPunctuationRunsAndDigitTriples) {
  EXPECT_EQ(split("falcon", "a+=b 12345"), (Pieces{"a", "+=", "b", " ", "123", "45"}));
}

TEST(PreTokenizerTest, DeepseekCoderSeparatesLettersPunctuationAndDigits) {
  EXPECT_EQ(split("deepseek-coder", "int x=42;\n"), (Pieces{"int", " x", "=", "4", "2", ";", "\n"}));
}

TEST(PreTokenizerTest, DeepseekLlmKeepsCjkRunsTogether) {
  EXPECT_EQ(split("deepseek-llm", "ab 我想在 12"), (Pieces{"ab", " ", "我想在", " ", "12"}));
}

TEST(PreTokenizerTest, UnknownNameIsAnErrorListingTheSupportedNames) {
  auto pre = PreTokenizer::from_name("no-such-pre");
  ASSERT_FALSE(pre.ok());
  EXPECT_EQ(pre.status().code(), StatusCode::kUnimplemented);
  for (const char* name : {"'no-such-pre'", "default", "gpt-2", "llama-bpe", "qwen2", "falcon", "starcoder",
                           "deepseek-llm", "deepseek-coder", "mpt", "refact", "smollm"}) {
    EXPECT_NE(pre.status().message().find(name), std::string::npos) << name;
  }
}

TEST(PreTokenizerTest, EverySupportedNameCompiles) {
  for (std::string_view name : PreTokenizer::supported_names()) {
    auto pre = PreTokenizer::from_name(name);
    EXPECT_TRUE(pre.ok()) << name << ": " << pre.status().to_string();
  }
}

TEST(PreTokenizerTest, PiecesCoverAnyInputExactly) {
  std::mt19937 rng(7);
  const std::vector<std::string> atoms = {"a", "Z", " ", "  ", "\n", "\t", "7", "'s", "!", "\xC3\xA9", "\xE4\xB8\xAD",
                                          "\xF0\x9F\xA6\x99", "\x80", "\xC3", "\xFF", "\xE2\x80\xA8"};
  for (std::string_view name : PreTokenizer::supported_names()) {
    auto pre = PreTokenizer::from_name(name);
    ASSERT_TRUE(pre.ok());
    for (int round = 0; round < 40; ++round) {
      std::string text;
      for (int k = 0; k < 12; ++k) text += atoms[rng() % atoms.size()];
      std::string joined;
      for (const auto& piece : split(*pre, text)) {
        EXPECT_FALSE(piece.empty());
        joined += piece;
      }
      EXPECT_EQ(joined, text) << name;
    }
  }
}

TEST(PreTokenizerTest, EmptyMatchesSplitWithoutAddingPieces) {
  auto pre = PreTokenizer::from_regexes({"(?=b)"});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(split(*pre, "abab"), (Pieces{"a", "ba", "b"}));
}

TEST(PreTokenizerTest, PatternThatDoesNotCompileIsAClearError) {
  auto pre = PreTokenizer::from_regexes({"(unclosed"});
  ASSERT_FALSE(pre.ok());
  EXPECT_EQ(pre.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pre.status().message().find("(unclosed"), std::string::npos);
}

TEST(PreTokenizerTest, RecognisesHuggingFaceSpellingsOfBuiltInSequences) {
  const std::string llama3 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
      "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  EXPECT_EQ(PreTokenizer::name_for_patterns({llama3}), "llama-bpe");
  EXPECT_EQ(PreTokenizer::name_for_patterns({"\\p{N}", std::string(PreTokenizer::gpt2_pattern())}), "starcoder");
  EXPECT_EQ(PreTokenizer::name_for_patterns({"x+"}), "");
}

}  // namespace
}  // namespace glassbox::tokenizer
