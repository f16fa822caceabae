// Operators: Python semantics for the operators and lookups that Jinja2 compiles to Python code.
#include "chat/operators.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>

#include "chat/methods.h"

namespace glassbox::chat {

Status undefined_error(const Value& undefined) {
  return invalid_argument(undefined.as_string().empty() ? "value is undefined" : undefined.as_string());
}

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = s.size() - i;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

namespace {

bool is_ascii(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

Status type_error(const std::string& op, const Value& a, const Value& b) {
  return invalid_argument("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" +
                          b.type_name() + "'");
}

// Python ints do not overflow; past int64 we fall back to float arithmetic rather than wrap.
Value checked(int64_t a, int64_t b, char op) {
  int64_t r;
  bool overflow = op == '+' ? __builtin_add_overflow(a, b, &r)
                  : op == '-' ? __builtin_sub_overflow(a, b, &r)
                              : __builtin_mul_overflow(a, b, &r);
  if (!overflow) return Value(r);
  double x = static_cast<double>(a), y = static_cast<double>(b);
  return Value(op == '+' ? x + y : op == '-' ? x - y : x * y);
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t py_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

Value repeat(const Value& seq, int64_t times) {
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < times && out.size() < (1u << 26); ++i) out += seq.as_string();
    return seq.is_safe() ? Value::safe_string(out) : Value(out);
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < times && items.size() < (1u << 22); ++i) {
    items.insert(items.end(), seq.items().begin(), seq.items().end());
  }
  return seq.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

// Python's `str % args` for the %s/%d/%r/%f forms templates use.
Result<Value> percent_format(const Value& format, const Value& args) {
  std::vector<Value> values = args.is_tuple() ? args.items() : std::vector<Value>{args};
  const std::string& f = format.as_string();
  std::string out;
  size_t arg_idx = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i >= f.size()) return invalid_argument("incomplete format");
    if (f[i] == '%') {
      out += '%';
      continue;
    }
    if (arg_idx >= values.size()) return invalid_argument("not enough arguments for format string");
    const Value& v = values[arg_idx++];
    switch (f[i]) {
      case 's': out += v.to_str(); break;
      case 'r': out += v.repr(); break;
      case 'd':
      case 'i':
        if (!v.is_number()) return invalid_argument("%d format: a real number is required, not " + v.type_name());
        if (v.is_float() && std::fabs(v.as_double()) >= 9.2e18) return unimplemented("%d of a huge float");
        out += std::to_string(v.is_float() ? static_cast<int64_t>(v.as_double()) : v.as_int());
        break;
      case 'f': {
        if (!v.is_number()) return invalid_argument("must be real number, not " + v.type_name());
        out += str_format("%f", v.as_double());
        break;
      }
      default:
        return unimplemented(str_format("unsupported format character '%c'", f[i]));
    }
  }
  // CPython skips this check when the argument is a mapping-like object (anything with __getitem__ that is
  // not a tuple or str): lists, dicts, Jinja2's Undefined.
  bool mapping_like = (args.is_list() && !args.is_tuple()) || args.is_dict() || args.is_undefined();
  if (arg_idx < values.size() && !mapping_like) {
    return invalid_argument("not all arguments converted during string formatting");
  }
  return Value(out);
}

}  // namespace

Result<Value> unary_minus(const Value& v) {
  if (v.is_undefined()) return undefined_error(v);
  if (v.is_float()) return Value(-v.as_double());
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) return Value(-v.as_double());
    return Value(-v.as_int());
  }
  return invalid_argument("bad operand type for unary -: '" + v.type_name() + "'");
}

Result<Value> binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") {
    return Value(a.to_str() + b.to_str());
  }
  if (op == "%" && a.is_string() && b.is_undefined()) return percent_format(a, b);
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  bool both_numbers = a.is_number() && b.is_number();
  bool any_float = a.is_float() || b.is_float();
  if (op == "+") {
    if (both_numbers) return any_float ? Value(a.as_double() + b.as_double()) : checked(a.as_int(), b.as_int(), '+');
    if (a.is_string() && b.is_string()) {
      if (a.is_safe() || b.is_safe()) {
        // markupsafe: the plain side is escaped before joining.
        std::string left = a.is_safe() ? a.as_string() : html_escape(a.as_string());
        std::string right = b.is_safe() ? b.as_string() : html_escape(b.as_string());
        return Value::safe_string(left + right);
      }
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      std::vector<Value> items = a.items();
      items.insert(items.end(), b.items().begin(), b.items().end());
      return a.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.is_string() && !a.is_safe()) {
      return invalid_argument("can only concatenate str (not \"" + b.type_name() + "\") to str");
    }
    if (a.is_list() && !a.is_tuple()) {
      return invalid_argument("can only concatenate list (not \"" + b.type_name() + "\") to list");
    }
    return type_error("+", a, b);
  }
  if (op == "-") {
    if (both_numbers) return any_float ? Value(a.as_double() - b.as_double()) : checked(a.as_int(), b.as_int(), '-');
    return type_error("-", a, b);
  }
  if (op == "*") {
    if (both_numbers) return any_float ? Value(a.as_double() * b.as_double()) : checked(a.as_int(), b.as_int(), '*');
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, b.as_int());
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, a.as_int());
    return type_error("*", a, b);
  }
  if (op == "/") {
    if (!both_numbers) return type_error("/", a, b);
    if (b.as_double() == 0) return invalid_argument("division by zero");
    return Value(a.as_double() / b.as_double());
  }
  if (op == "//") {
    if (!both_numbers) return type_error("//", a, b);
    if (b.as_double() == 0) return invalid_argument("integer division or modulo by zero");
    if (any_float || (a.as_int() == INT64_MIN && b.as_int() == -1)) {
      return Value(std::floor(a.as_double() / b.as_double()));
    }
    return Value(floor_div(a.as_int(), b.as_int()));
  }
  if (op == "%") {
    if (a.is_string()) return percent_format(a, b);
    if (!both_numbers) return type_error("%", a, b);
    if (b.as_double() == 0) return invalid_argument("integer division or modulo by zero");
    if (any_float) {
      double r = std::fmod(a.as_double(), b.as_double());
      if (r != 0 && ((r < 0) != (b.as_double() < 0))) r += b.as_double();
      if (r == 0) r = std::copysign(0.0, b.as_double());  // Python: the result takes the divisor's sign
      return Value(r);
    }
    if (b.as_int() == -1) return Value(int64_t{0});
    return Value(py_mod(a.as_int(), b.as_int()));
  }
  if (op == "**") {
    if (!both_numbers) return type_error("** or pow()", a, b);
    if (!any_float && b.as_int() >= 0) {
      int64_t result = 1;
      for (int64_t i = 0; i < b.as_int(); ++i) {
        if (__builtin_mul_overflow(result, a.as_int(), &result)) {
          return Value(std::pow(a.as_double(), b.as_double()));
        }
        if (result == 0 || result == 1) break;
      }
      if (result == 1 && a.as_int() == -1 && b.as_int() % 2 == 1) result = -1;
      return Value(result);
    }
    return Value(std::pow(a.as_double(), b.as_double()));
  }
  return internal_error("unknown operator " + op);
}

namespace {

// Python's ordering for <, <=, >, >=: numbers, strings and sequences.
Result<int> order(const std::string& op, const Value& a, const Value& b, int depth = 0) {
  if (depth > Value::kMaxCompareDepth) return invalid_argument("maximum recursion depth exceeded in comparison");
  if (a.is_number() && b.is_number()) {
    double x = a.as_double(), y = b.as_double();
    if (!a.is_float() && !b.is_float()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
    size_t n = std::min(a.items().size(), b.items().size());
    for (size_t i = 0; i < n; ++i) {
      if (a.items()[i].equals(b.items()[i])) continue;
      return order(op, a.items()[i], b.items()[i], depth + 1);
    }
    return a.items().size() < b.items().size() ? -1 : a.items().size() > b.items().size() ? 1 : 0;
  }
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  return invalid_argument("'" + op + "' not supported between instances of '" + a.type_name() + "' and '" +
                          b.type_name() + "'");
}

}  // namespace

Result<bool> contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) {
      if (item.is_undefined()) return undefined_error(item);
      return invalid_argument("'in <string>' requires string as left operand, not " + item.type_name());
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    for (const auto& v : container.items()) {
      if (v.equals(item)) return true;
    }
    return false;
  }
  if (container.is_generator()) {
    if (!container.list_data().deferred_error.empty()) return invalid_argument(container.list_data().deferred_error);
    for (const auto& v : container.items()) {
      if (v.equals(item)) return true;
    }
    return false;
  }
  if (container.is_dict() && !container.is_namespace()) {
    if (item.is_dict() || (item.is_list() && !item.is_tuple())) {
      return invalid_argument("unhashable type: '" + item.type_name() + "'");
    }
    return container.dict_data().find(item) != nullptr;
  }
  if (container.is_undefined()) return false;
  return invalid_argument("argument of type '" + container.type_name() + "' is not iterable");
}

Result<bool> compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return a.equals(b);
  if (op == "!=") return !a.equals(b);
  if (op == "in") return contains(b, a);
  if (op == "notin") {
    GB_ASSIGN_OR_RETURN(bool in, contains(b, a));
    return !in;
  }
  GB_ASSIGN_OR_RETURN(int c, order(op, a, b));
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  if (op == ">=") return c >= 0;
  return internal_error("unknown comparison " + op);
}

namespace {

std::string object_name(const Value& obj) {
  if (obj.is_none()) return "None";
  return obj.type_name() + " object";
}

}  // namespace

Result<Value> get_attr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (!name.empty() && name[0] == '_') {
    return Value::undefined("access to attribute '" + name + "' of '" + obj.type_name() + "' object is unsafe.");
  }
  GB_ASSIGN_OR_RETURN(Value method, bind_method(obj, name));
  if (!method.is_undefined()) return method;
  if (obj.is_dict()) {
    if (const Value* v = obj.get(name)) return *v;
  }
  return Value::undefined("'" + object_name(obj) + "' has no attribute '" + name + "'");
}

Result<Value> get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (obj.is_dict()) {
    if (const Value* v = obj.dict_data().find(key)) return *v;
  } else if (obj.is_list() && (key.is_int() || key.is_bool())) {
    int64_t n = static_cast<int64_t>(obj.items().size());
    int64_t i = key.as_int() < 0 ? key.as_int() + n : key.as_int();
    if (i >= 0 && i < n) return obj.items()[i];
    return Value::undefined(obj.type_name() + " object has no element " + std::to_string(key.as_int()));
  } else if (obj.is_string() && (key.is_int() || key.is_bool())) {
    const std::string& s = obj.as_string();
    if (is_ascii(s)) {
      int64_t n = static_cast<int64_t>(s.size());
      int64_t i = key.as_int() < 0 ? key.as_int() + n : key.as_int();
      if (i >= 0 && i < n) return Value(std::string(1, s[i]));
    } else {
      auto chars = utf8_chars(s);
      int64_t n = static_cast<int64_t>(chars.size());
      int64_t i = key.as_int() < 0 ? key.as_int() + n : key.as_int();
      if (i >= 0 && i < n) return Value(chars[i]);
    }
    return Value::undefined("str object has no element " + std::to_string(key.as_int()));
  }
  if (key.is_string()) {
    GB_ASSIGN_OR_RETURN(Value attr, get_attr(obj, key.as_string()));
    if (!attr.is_undefined()) return attr;
    return Value::undefined("'" + object_name(obj) + "' has no attribute '" + key.as_string() + "'");
  }
  return Value::undefined("'" + object_name(obj) + "' has no attribute " + key.repr());
}

Result<Value> slice_value(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.is_undefined()) return undefined_error(obj);
  auto as_index = [](const Value& v, bool& present, int64_t& out) -> Status {
    present = !(v.is_undefined() || v.is_none());
    if (!present) return ok_status();
    if (!v.is_int() && !v.is_bool()) {
      return invalid_argument("slice indices must be integers or None or have an __index__ method");
    }
    out = v.as_int();
    return ok_status();
  };
  bool has_start, has_stop, has_step;
  int64_t i_start = 0, i_stop = 0, i_step = 1;
  GB_RETURN_IF_ERROR(as_index(start, has_start, i_start));
  GB_RETURN_IF_ERROR(as_index(stop, has_stop, i_stop));
  GB_RETURN_IF_ERROR(as_index(step, has_step, i_step));
  if (!has_step) i_step = 1;
  if (i_step == 0) return invalid_argument("slice step cannot be zero");
  std::vector<std::string> chars;
  int64_t n;
  if (obj.is_string()) {
    chars = utf8_chars(obj.as_string());
    n = static_cast<int64_t>(chars.size());
  } else if (obj.is_list()) {
    n = static_cast<int64_t>(obj.items().size());
  } else if (obj.is_dict()) {
    return invalid_argument("unhashable type: 'slice'");
  } else {
    return invalid_argument("'" + obj.type_name() + "' object is not subscriptable");
  }
  // Python's slice.indices().
  auto clamp = [&](bool present, int64_t v, int64_t def) {
    if (!present) return def;
    if (v < 0) {
      v += n;
      if (v < 0) v = i_step < 0 ? -1 : 0;
    } else if (v >= n) {
      v = i_step < 0 ? n - 1 : n;
    }
    return v;
  };
  int64_t lo = clamp(has_start, i_start, i_step < 0 ? n - 1 : 0);
  int64_t hi = clamp(has_stop, i_stop, i_step < 0 ? -1 : n);
  std::vector<int64_t> picks;
  if (i_step > 0) {
    for (int64_t i = lo; i < hi; i += i_step) picks.push_back(i);
  } else {
    for (int64_t i = lo; i > hi; i += i_step) picks.push_back(i);
  }
  if (obj.is_string()) {
    std::string out;
    for (int64_t i : picks) out += chars[i];
    return Value(out);
  }
  std::vector<Value> items;
  for (int64_t i : picks) items.push_back(obj.items()[i]);
  return obj.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

Result<std::vector<Value>> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return std::vector<Value>{};
    case Value::Kind::kList:
      return v.items();
    case Value::Kind::kGenerator:
      if (!v.list_data().deferred_error.empty()) return invalid_argument(v.list_data().deferred_error);
      return v.items();
    case Value::Kind::kDict: {
      if (v.is_namespace()) return invalid_argument("'Namespace' object is not iterable");
      std::vector<Value> keys;
      for (const auto& item : v.dict_data().items) keys.push_back(item.first);
      return keys;
    }
    case Value::Kind::kString: {
      std::vector<Value> out;
      for (auto& c : utf8_chars(v.as_string())) out.emplace_back(std::move(c));
      return out;
    }
    default:
      return invalid_argument("'" + v.type_name() + "' object is not iterable");
  }
}

Result<int64_t> length_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return int64_t{0};
    case Value::Kind::kString: {
      int64_t n = 0;
      for (char c : v.as_string()) {
        if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
      }
      return n;
    }
    case Value::Kind::kList: return static_cast<int64_t>(v.items().size());
    case Value::Kind::kDict:
      if (v.is_namespace()) break;
      return static_cast<int64_t>(v.dict_data().items.size());
    default: break;
  }
  return invalid_argument("object of type '" + v.type_name() + "' has no len()");
}

}  // namespace glassbox::chat
