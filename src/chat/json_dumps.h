// JsonDumps: Python's json.dumps over interpreter values, as Hugging Face's `tojson` filter calls it.
#pragma once

#include <string>

#include "base/status.h"
#include "chat/value.h"

namespace glassbox::chat {

struct JsonDumpOptions {
  bool ensure_ascii = false;     // transformers' tojson default (Jinja2's own escapes HTML instead)
  bool has_indent = false;       // indent=None: one line
  std::string indent;            // the indent unit when has_indent (indent=2 -> "  ")
  std::string item_separator;    // empty: ", " on one line, "," when indenting
  std::string key_separator;     // empty: ": "
  bool has_separators = false;
  bool sort_keys = false;
};

// Errors as Python's: "Object of type Undefined is not JSON serializable".
Result<std::string> python_json_dumps(const Value& value, const JsonDumpOptions& options);

// A JSON string literal of `text` with Python's escaping (ensure_ascii as given).
std::string json_quote(const std::string& text, bool ensure_ascii);

}  // namespace glassbox::chat
