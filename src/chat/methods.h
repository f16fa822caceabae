// Methods: the Python str, dict and list methods that chat templates call (`s.strip()`, `d.get(k)`).
#pragma once

#include <string>

#include "base/status.h"
#include "chat/value.h"

namespace glassbox::chat {

// `obj.name` as a bound method, or undefined when `obj` has no such method. Methods that would mutate a
// list or dict (append, pop, update...) are refused as Jinja2's ImmutableSandboxedEnvironment refuses them.
Result<Value> bind_method(const Value& obj, const std::string& name);

// Python's str.strip/lstrip/rstrip: `chars` null strips whitespace.
std::string python_strip(const std::string& s, const Value* chars, bool left, bool right);
// Python's str.split(sep=None, maxsplit=-1).
std::vector<std::string> python_split(const std::string& s, const Value* sep, int64_t maxsplit);
// ASCII-and-Latin case mapping as Python's str.upper/lower/title/capitalize do for common text.
std::string to_upper(const std::string& s);
std::string to_lower(const std::string& s);
std::string to_title(const std::string& s);
std::string to_capitalized(const std::string& s);
// Python's str.replace(old, new, count).
std::string python_replace(const std::string& s, const std::string& old, const std::string& repl, int64_t count);

}  // namespace glassbox::chat
