// Lexer: splits a Jinja template into text and tag tokens, applying whitespace control.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace glassbox::chat {

enum class TokenKind {
  kText,        // literal template text (whitespace control already applied)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // value holds the decoded string
  kInt,
  kFloat,
  kOperator,    // value holds the operator: "+", "//", "==", "(", ...
  kEof,
};

struct Token {
  TokenKind kind;
  std::string value;
  int line = 1;
  int column = 1;
};

// How the text around tags is trimmed. Hugging Face renders chat templates with both on.
struct LexerOptions {
  bool trim_blocks = true;     // drop the first newline after a block or comment tag
  bool lstrip_blocks = true;   // drop spaces and tabs before a block or comment tag at the start of a line
  bool keep_trailing_newline = false;  // Jinja2's default drops one trailing newline of the source
};

// Tokenizes `source`. Errors name the line and column: "line 3, column 7: unterminated string".
Result<std::vector<Token>> tokenize(std::string_view source, const LexerOptions& options = {});

}  // namespace glassbox::chat
