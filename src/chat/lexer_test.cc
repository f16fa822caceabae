// Lexer tests: tag boundaries, whitespace control and literals.
#include "chat/lexer.h"

#include <gtest/gtest.h>

namespace glassbox::chat {
namespace {

std::string texts(const std::vector<Token>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (t.kind == TokenKind::kText) out += "[" + t.value + "]";
  }
  return out;
}

TEST(LexerTest, TrimBlocksDropsOneNewlineAfterABlockTag) {
  auto tokens = tokenize("{% if x %}\n\nA{% endif %}\nB");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[\nA][B]");
}

TEST(LexerTest, LstripBlocksRemovesIndentBeforeBlockTagsOnly) {
  auto tokens = tokenize("a\n   {% if x %}b\n   {{ y }}");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[a\n][b\n   ]");
}

TEST(LexerTest, DashStripsAllWhitespaceOnThatSide) {
  auto tokens = tokenize("a \n {{- x -}} \n b");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[a][b]");
}

TEST(LexerTest, OptionsCanTurnTrimmingOff) {
  LexerOptions o;
  o.trim_blocks = false;
  o.lstrip_blocks = false;
  o.keep_trailing_newline = true;
  auto tokens = tokenize("  {% if x %}\n", o);
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[  ][\n]");
}

TEST(LexerTest, StringLiteralsDecodePythonEscapes) {
  auto tokens = tokenize(R"({{ 'a\n\'b\u00e9\x41' "q\"" }})");
  ASSERT_TRUE(tokens.ok());
  ASSERT_GE(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kString);
  EXPECT_EQ((*tokens)[1].value, "a\n'béA");
  EXPECT_EQ((*tokens)[2].value, "q\"");
}

TEST(LexerTest, NestedDictBracesDoNotCloseTheTag) {
  auto tokens = tokenize("{{ {'a': {'b': 1}} }}x");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[x]");
}

TEST(LexerTest, RawBlocksAreText) {
  auto tokens = tokenize("{% raw %}{{ not a tag }}{% endraw %}");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(texts(*tokens), "[{{ not a tag }}]");
}

TEST(LexerTest, ErrorsNameLineAndColumn) {
  auto tokens = tokenize("ab\ncd {{ 'open }}");
  ASSERT_FALSE(tokens.ok());
  EXPECT_NE(tokens.status().message().find("line 2, column 7"), std::string::npos) << tokens.status().message();
}

}  // namespace
}  // namespace glassbox::chat
