// Template: the public face of the Jinja interpreter: parse once, render many times.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "chat/ast.h"
#include "chat/interpreter.h"
#include "chat/lexer.h"
#include "chat/value.h"

namespace glassbox::chat {

// A parsed template. Copies share the immutable tree; render() may run concurrently on one Template.
class Template {
 public:
  // Parses `source` with Hugging Face's settings by default (trim_blocks, lstrip_blocks, no trailing newline).
  // Syntax errors read "template syntax error at line L, column C: <what was expected>".
  static Result<Template> parse(std::string_view source, const LexerOptions& options = {});

  // Renders with `context`, a dict whose entries become template variables. `raise_exception(msg)` fails
  // with status message exactly `msg`; other errors carry Python's/Jinja2's message and the source position.
  Result<std::string> render(const Value& context, const RenderLimits& limits = {}) const;

 private:
  std::shared_ptr<const NodeList> nodes_;
  std::vector<std::string> root_undefined_;  // see frames.h
};

}  // namespace glassbox::chat
