// Value: the dynamic value of the Jinja interpreter, with Python's semantics for printing and equality.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace glassbox::chat {

class Value;

// Arguments of a call: positional first, then keyword arguments in source order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument named `name`, or positional `index` when there is no keyword of that name; nullptr if neither.
  const Value* get(const std::string& name, size_t index) const;
};

using NativeFunction = std::function<Result<Value>(const CallArgs&)>;

// Containers tear down iteratively (see value.cc), so a deeply nested value cannot overflow the stack when
// it is destroyed.
struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;
  std::string generator_name;   // generators: the Python function that made it, for printing
  std::string deferred_error;   // generators: the error that iterating raises (filters are lazy in Jinja2)
  ~ListData();
};

// A dict that keeps insertion order, like Python's. Lookups are linear: chat dicts are small.
struct DictData {
  std::vector<std::pair<Value, Value>> items;
  bool is_namespace = false;  // Jinja's namespace(): allows `{% set ns.attr = ... %}`

  const Value* find(const Value& key) const;
  void set(Value key, Value value);
  ~DictData();
};

struct FunctionData {
  std::string name;
  NativeFunction fn;
};

// Lists, dicts and functions are shared by reference, as in Python; scalars and strings by value.
// Undefined carries the message Jinja2 would raise if it were used where a value is required.
class Value {
 public:
  // kGenerator: what Jinja2's lazy filters return (select, map, unique, items, batch, reverse...): always
  // true, iterable, but no len(), no indexing, not JSON.
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kFunction, kGenerator };

  Value() = default;  // undefined
  Value(bool b) : kind_(Kind::kBool), int_(b) {}              // NOLINT
  Value(int i) : kind_(Kind::kInt), int_(i) {}                // NOLINT
  Value(int64_t i) : kind_(Kind::kInt), int_(i) {}            // NOLINT
  Value(double d) : kind_(Kind::kFloat), float_(d) {}         // NOLINT
  Value(std::string s) : kind_(Kind::kString), str_(std::move(s)) {}  // NOLINT
  Value(const char* s) : kind_(Kind::kString), str_(s) {}     // NOLINT

  static Value undefined(std::string message = "");
  static Value none();
  static Value safe_string(std::string s);  // markupsafe.Markup: `+` with a plain string escapes the other side
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  static Value dict();
  static Value make_namespace();
  static Value function(std::string name, NativeFunction fn);
  static Value generator(std::string name, std::vector<Value> items, std::string deferred_error = "");

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_safe() const { return kind_ == Kind::kString && safe_; }
  bool is_list() const { return kind_ == Kind::kList; }  // lists and tuples
  bool is_tuple() const { return kind_ == Kind::kList && list_->is_tuple; }
  bool is_dict() const { return kind_ == Kind::kDict; }  // dicts and namespaces
  bool is_namespace() const { return kind_ == Kind::kDict && dict_->is_namespace; }
  bool is_function() const { return kind_ == Kind::kFunction; }
  bool is_generator() const { return kind_ == Kind::kGenerator; }

  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return int_; }  // also a bool's 0/1
  double as_double() const { return kind_ == Kind::kFloat ? float_ : static_cast<double>(int_); }
  const std::string& as_string() const { return str_; }   // a string's text, or undefined's message
  ListData& list_data() const { return *list_; }
  DictData& dict_data() const { return *dict_; }
  const FunctionData& function_data() const { return *fn_; }
  const std::vector<Value>& items() const { return list_->items; }  // lists, tuples and generators

  // Python's truth value (undefined is false).
  bool truthy() const;
  // Python's str(): what `{{ v }}` prints. Undefined prints "".
  std::string to_str() const;
  // Python's repr(), as used inside printed lists and dicts.
  std::string repr() const;
  // Python's type name, for error messages: 'str', 'int', 'list', 'dict', 'NoneType'...
  std::string type_name() const;
  // Python ==, with 1 == 1.0 == True. Containers nested deeper than kMaxCompareDepth compare unequal.
  bool equals(const Value& other) const;
  static constexpr int kMaxCompareDepth = 200;

  // Dict/namespace lookup by string key; nullptr when absent or not a dict.
  const Value* get(const std::string& key) const;

 private:
  std::string repr_at(int depth) const;
  bool equals_at(const Value& other, int depth) const;
  friend void release_children(std::vector<Value>& values);

  Kind kind_ = Kind::kUndefined;
  bool safe_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string str_;
  std::shared_ptr<ListData> list_;
  std::shared_ptr<DictData> dict_;
  std::shared_ptr<FunctionData> fn_;
};

// Python's repr() of a float: shortest round-trip digits, "1.0", "1e-05", "1e+16", "inf", "nan".
std::string format_python_float(double value);
// Python's repr() of a str: single quotes unless the text holds ' and no ".
std::string python_string_repr(const std::string& text);
// markupsafe.escape of a plain string: & < > ' " become entities.
std::string html_escape(const std::string& text);

}  // namespace glassbox::chat
