// Predicates: Jinja's tests, the right-hand side of `x is defined`, `x is not none`, `select('odd')`.
#pragma once

#include <string>

#include "base/status.h"
#include "chat/value.h"

namespace glassbox::chat {

// Applies test `name` to `value`. Unknown names are an error "No test named 'x' found.".
Result<bool> apply_test(const std::string& name, const Value& value, const CallArgs& args);

// Whether `name` is a test; Jinja2 rejects unknown test names when it compiles a template.
bool is_known_test(const std::string& name);

}  // namespace glassbox::chat
