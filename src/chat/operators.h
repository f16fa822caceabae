// Operators: Jinja2's arithmetic, comparison, membership, attribute and item access, with Python's rules.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "chat/value.h"

namespace glassbox::chat {

// The error Jinja2 raises when an undefined value is used: "'x' is undefined".
Status undefined_error(const Value& undefined);

// `+ - * / // % **` and `~`. Errors carry Python's TypeError text.
Result<Value> binary_op(const std::string& op, const Value& left, const Value& right);
Result<Value> unary_minus(const Value& operand);
// `== != < <= > >= in notin`.
Result<bool> compare_op(const std::string& op, const Value& left, const Value& right);
Result<bool> contains(const Value& container, const Value& item);

// `obj.name`: a method or attribute first, then obj['name']; missing gives an undefined with Jinja2's message.
Result<Value> get_attr(const Value& obj, const std::string& name);
// `obj[key]`: the item first, then a string key as attribute.
Result<Value> get_item(const Value& obj, const Value& key);
// `obj[start:stop:step]` on lists, tuples and strings; absent parts are undefined values.
Result<Value> slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step);

// What `for x in v` visits: list items, dict keys, the characters of a string; undefined is empty.
Result<std::vector<Value>> iterate(const Value& v);
// len(): code points of a string, items of a list or dict.
Result<int64_t> length_of(const Value& v);

// UTF-8 code points of a string, one string each.
std::vector<std::string> utf8_chars(const std::string& s);

}  // namespace glassbox::chat
