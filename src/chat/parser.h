// Parser: turns the lexer's tokens into the statement and expression tree of ast.h (Jinja2's grammar).
#pragma once

#include <vector>

#include "base/status.h"
#include "chat/ast.h"
#include "chat/lexer.h"

namespace glassbox::chat {

// Parses a whole template. Errors name the line and column of the offending token and what was expected.
// Nesting deeper than 200 levels (statements or expressions) is an error rather than a stack overflow.
Result<NodeList> parse_template(const std::vector<Token>& tokens);

}  // namespace glassbox::chat
