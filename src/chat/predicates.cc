// Predicates: Jinja2's builtin tests with Python's type model (bool is a number, undefined is iterable).
#include "chat/predicates.h"

#include <cctype>

#include "chat/methods.h"
#include "chat/operators.h"

namespace glassbox::chat {
namespace {

Result<const Value*> arg(const CallArgs& args, const std::string& test) {
  if (args.positional.empty()) return invalid_argument("test '" + test + "' needs an argument");
  return &args.positional[0];
}

bool same_as(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kGenerator: return &a.list_data() == &b.list_data();
    case Value::Kind::kDict: return &a.dict_data() == &b.dict_data();
    default: return a.equals(b);
  }
}

}  // namespace

bool is_known_test(const std::string& name) {
  static const char* kNames[] = {"defined", "undefined", "none", "boolean", "true", "false", "integer", "float",
                                 "number", "string", "mapping", "iterable", "sequence", "callable", "escaped",
                                 "lower", "upper", "odd", "even", "divisibleby", "sameas", "in", "eq",
                                 "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt",
                                 "greaterthan", ">", "ge", ">="};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

Result<bool> apply_test(const std::string& name, const Value& v, const CallArgs& args) {
  static const char* kUnary[] = {"defined", "undefined", "none", "boolean", "true", "false", "integer", "float",
                                 "number", "string", "mapping", "iterable", "sequence", "callable", "escaped",
                                 "lower", "upper", "odd", "even"};
  for (const char* unary : kUnary) {
    if (name == unary && (!args.positional.empty() || !args.keyword.empty())) {
      return invalid_argument(str_format("test_%s() takes 1 positional argument but %zu were given", unary,
                                         1 + args.positional.size() + args.keyword.size()));
    }
  }
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "number") return v.is_number();
  if (name == "string") return v.is_string();
  if (name == "mapping") return v.is_dict() && !v.is_namespace();
  if (name == "iterable") return v.is_generator() || v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
  if (name == "sequence") return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && !v.is_namespace());
  if (name == "callable") return v.is_function() || v.is_undefined();  // Undefined defines __call__
  if (name == "escaped") return v.is_safe();
  if (name == "lower" || name == "upper") {  // str.islower()/isupper(): all cased letters, at least one
    std::string s = v.to_str();
    std::string lower = to_lower(s), upper = to_upper(s);
    if (lower == upper) return false;
    return name == "lower" ? s == lower : s == upper;
  }
  if (name == "odd" || name == "even" || name == "divisibleby") {
    if (v.is_undefined()) return undefined_error(v);
    if (v.is_float() && name != "divisibleby") {
      GB_ASSIGN_OR_RETURN(Value r, binary_op("%", v, Value(int64_t{2})));
      return r.as_double() == (name == "odd" ? 1.0 : 0.0);
    }
    if (name == "divisibleby" && !v.is_int() && !v.is_bool()) {  // value % num == 0, whatever the types
      GB_ASSIGN_OR_RETURN(const Value* d, arg(args, name));
      GB_ASSIGN_OR_RETURN(Value r, binary_op("%", v, *d));
      return r.equals(Value(int64_t{0}));
    }
    if (!v.is_int() && !v.is_bool()) {
      if (v.is_float() && name == "divisibleby") {
        GB_ASSIGN_OR_RETURN(const Value* d, arg(args, name));
        GB_ASSIGN_OR_RETURN(Value r, binary_op("%", v, *d));
        return r.as_double() == 0;
      }
      return invalid_argument("unsupported operand type(s) for %: '" + v.type_name() + "' and 'int'");
    }
    if (name == "odd") return (v.as_int() % 2) != 0;
    if (name == "even") return (v.as_int() % 2) == 0;
    GB_ASSIGN_OR_RETURN(const Value* d, arg(args, name));
    GB_ASSIGN_OR_RETURN(Value r, binary_op("%", v, *d));
    return r.equals(Value(int64_t{0}));
  }
  if (name == "sameas") {
    GB_ASSIGN_OR_RETURN(const Value* other, arg(args, name));
    return same_as(v, *other);
  }
  if (name == "in") {
    GB_ASSIGN_OR_RETURN(const Value* container, arg(args, name));
    return contains(*container, v);
  }
  static const std::pair<const char*, const char*> kCompare[] = {
      {"eq", "=="}, {"equalto", "=="}, {"==", "=="}, {"ne", "!="}, {"!=", "!="},
      {"lt", "<"},  {"lessthan", "<"}, {"<", "<"},   {"le", "<="}, {"<=", "<="},
      {"gt", ">"},  {"greaterthan", ">"}, {">", ">"}, {"ge", ">="}, {">=", ">="}};
  for (const auto& [test, op] : kCompare) {
    if (name == test) {
      GB_ASSIGN_OR_RETURN(const Value* other, arg(args, name));
      return compare_op(op, v, *other);
    }
  }
  return invalid_argument("No test named '" + name + "' found.");
}

}  // namespace glassbox::chat
