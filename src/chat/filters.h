// Filters: Jinja2's builtin filters (`x|trim`, `tools|tojson(indent=4)`, `items|selectattr('type')`).
#pragma once

#include <string>

#include "base/status.h"
#include "chat/value.h"

namespace glassbox::chat {

// Applies filter `name` to `input`. `tojson` is transformers' variant: json.dumps(x, ensure_ascii=False,
// indent=None, separators=None, sort_keys=False). Unknown names are an error "No filter named 'x' found.".
Result<Value> apply_filter(const std::string& name, const Value& input, const CallArgs& args);

// Whether `name` is a filter; Jinja2 rejects unknown filter names when it compiles a template.
bool is_known_filter(const std::string& name);

}  // namespace glassbox::chat
