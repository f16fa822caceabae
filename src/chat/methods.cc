// Methods: Python str/dict/list methods bound to a value, as the sandbox allows them.
#include "chat/methods.h"

#include "base/utf8_encode.h"

#include <cctype>
#include <cstdlib>

#include "chat/operators.h"

namespace glassbox::chat {
namespace {

bool is_py_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

Status arg_error(const std::string& method, const std::string& what) {
  return invalid_argument(method + "() " + what);
}

Result<std::string> string_arg(const CallArgs& args, const char* name, size_t index, const std::string& method) {
  const Value* v = args.get(name, index);
  if (!v) return arg_error(method, str_format("missing argument '%s'", name));
  if (!v->is_string()) return arg_error(method, "argument must be str, not " + v->type_name());
  return v->as_string();
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

Result<Value> affix_test(const std::string& s, const CallArgs& args, bool prefix) {
  const char* method = prefix ? "startswith" : "endswith";
  const Value* v = args.get("prefix", 0);
  if (!v) return arg_error(method, "takes at least 1 argument (0 given)");
  std::vector<Value> options = v->is_tuple() ? v->items() : std::vector<Value>{*v};
  for (const auto& option : options) {
    if (!option.is_string()) {
      return invalid_argument(std::string(method) + " first arg must be str or a tuple of str, not " +
                              option.type_name());
    }
    if (prefix ? starts_with(s, option.as_string()) : ends_with(s, option.as_string())) return Value(true);
  }
  return Value(false);
}

// str.format with {} / {0} / {name} fields (no format specs beyond plain conversion).
Result<Value> python_format(const std::string& f, const CallArgs& args) {
  std::string out;
  size_t auto_idx = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '{' && i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < f.size() && f[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      size_t end = f.find('}', i);
      if (end == std::string::npos) return invalid_argument("Single '{' encountered in format string");
      std::string field = f.substr(i + 1, end - i - 1);
      if (field.find(':') != std::string::npos || field.find('!') != std::string::npos) {
        return unimplemented("str.format: format specs are not supported");
      }
      const Value* v = nullptr;
      if (field.empty()) {
        v = auto_idx < args.positional.size() ? &args.positional[auto_idx] : nullptr;
        ++auto_idx;
      } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
        size_t idx = std::strtoul(field.c_str(), nullptr, 10);
        v = idx < args.positional.size() ? &args.positional[idx] : nullptr;
      } else {
        for (const auto& [k, kv] : args.keyword) {
          if (k == field) v = &kv;
        }
      }
      if (!v) return invalid_argument("Replacement index out of range for positional args tuple");
      out += v->to_str();
      i = end;
    } else if (c == '}') {
      return invalid_argument("Single '}' encountered in format string");
    } else {
      out += c;
    }
  }
  return Value(out);
}

Value wrap_like(const Value& self, std::string s) {
  return self.is_safe() ? Value::safe_string(std::move(s)) : Value(std::move(s));
}

Result<Value> string_method(const Value& self, const std::string& name, const CallArgs& args) {
  const std::string& s = self.as_string();
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const Value* chars = args.get("chars", 0);
    if (chars && chars->is_none()) chars = nullptr;
    return wrap_like(self, python_strip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    const Value* sep = args.get("sep", 0);
    if (sep && sep->is_none()) sep = nullptr;
    const Value* maxsplit = args.get("maxsplit", 1);
    int64_t max = maxsplit && maxsplit->is_int() ? maxsplit->as_int() : -1;
    if (name == "rsplit" && max >= 0) return unimplemented("str.rsplit with maxsplit is not supported");
    std::vector<Value> parts;
    for (auto& p : python_split(s, sep, max)) parts.push_back(wrap_like(self, std::move(p)));
    return Value::list(std::move(parts));
  }
  if (name == "splitlines") {
    std::vector<Value> parts;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\n' || s[i] == '\r') {
        parts.emplace_back(s.substr(start, i - start));
        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
        start = i + 1;
      }
    }
    if (start < s.size()) parts.emplace_back(s.substr(start));
    return Value::list(std::move(parts));
  }
  if (name == "startswith") return affix_test(s, args, true);
  if (name == "endswith") return affix_test(s, args, false);
  if (name == "upper") return wrap_like(self, to_upper(s));
  if (name == "lower") return wrap_like(self, to_lower(s));
  if (name == "title") return wrap_like(self, to_title(s));
  if (name == "capitalize") return wrap_like(self, to_capitalized(s));
  if (name == "replace") {
    GB_ASSIGN_OR_RETURN(std::string old, string_arg(args, "old", 0, name));
    GB_ASSIGN_OR_RETURN(std::string repl, string_arg(args, "new", 1, name));
    const Value* count = args.get("count", 2);
    return wrap_like(self, python_replace(s, old, repl, count && count->is_int() ? count->as_int() : -1));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    GB_ASSIGN_OR_RETURN(std::string sub, string_arg(args, "sub", 0, name));
    if (name == "count") {
      if (sub.empty()) return Value(static_cast<int64_t>(utf8_chars(s).size() + 1));
      int64_t n = 0;
      for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
      return Value(n);
    }
    size_t p = (name == "find" || name == "index") ? s.find(sub) : s.rfind(sub);
    if (p == std::string::npos) {
      if (name == "index" || name == "rindex") return invalid_argument("substring not found");
      return Value(int64_t{-1});
    }
    return Value(static_cast<int64_t>(utf8_chars(s.substr(0, p)).size()));
  }
  if (name == "join") {
    const Value* items = args.get("iterable", 0);
    if (!items) return arg_error(name, "takes exactly one argument (0 given)");
    GB_ASSIGN_OR_RETURN(std::vector<Value> values, iterate(*items));
    std::string out;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_string()) {
        return invalid_argument(str_format("sequence item %zu: expected str instance, %s found", i,
                                           values[i].type_name().c_str()));
      }
      if (i) out += s;
      out += values[i].as_string();
    }
    return Value(out);
  }
  if (name == "format") return python_format(s, args);
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal" || name == "isalpha" ||
      name == "isalnum" || name == "isspace" || name == "isupper" || name == "islower") {
    if (s.empty()) return Value(false);
    bool cased = false;
    for (unsigned char c : s) {
      if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
        if (!std::isdigit(c)) return Value(false);
      } else if (name == "isalpha") {
        if (!std::isalpha(c) && c < 0x80) return Value(false);
      } else if (name == "isalnum") {
        if (!std::isalnum(c) && c < 0x80) return Value(false);
      } else if (name == "isspace") {
        if (!is_py_space(c)) return Value(false);
      } else if (name == "isupper") {
        if (std::islower(c)) return Value(false);
        cased |= std::isupper(c) != 0;
      } else if (name == "islower") {
        if (std::isupper(c)) return Value(false);
        cased |= std::islower(c) != 0;
      }
    }
    if (name == "isupper" || name == "islower") return Value(cased);
    return Value(true);
  }
  return Value::undefined();
}

Result<Value> dict_method(const Value& self, const std::string& name, const CallArgs& args) {
  const DictData& d = self.dict_data();
  if (name == "items") {
    std::vector<Value> items;
    for (const auto& [k, v] : d.items) items.push_back(Value::tuple({k, v}));
    return Value::list(std::move(items));
  }
  if (name == "keys" || name == "values") {
    std::vector<Value> items;
    for (const auto& [k, v] : d.items) items.push_back(name == "keys" ? k : v);
    return Value::list(std::move(items));
  }
  if (name == "get") {
    const Value* key = args.get("key", 0);
    if (!key) return arg_error(name, "expected at least 1 argument, got 0");
    if (const Value* v = d.find(*key)) return *v;
    const Value* def = args.get("default", 1);
    return def ? *def : Value::none();
  }
  if (name == "copy") {
    Value copy = Value::dict();
    copy.dict_data().items = d.items;
    return copy;
  }
  return Value::undefined();
}

Result<Value> list_method(const Value& self, const std::string& name, const CallArgs& args) {
  const Value* x = args.get("value", 0);
  if (name == "index" || name == "count") {
    if (!x) return arg_error(name, "takes exactly one argument (0 given)");
    int64_t n = 0;
    for (size_t i = 0; i < self.items().size(); ++i) {
      if (!self.items()[i].equals(*x)) continue;
      if (name == "index") return Value(static_cast<int64_t>(i));
      ++n;
    }
    if (name == "index") return invalid_argument(x->repr() + " is not in list");
    return Value(n);
  }
  return Value::undefined();
}

bool is_mutator(const Value& obj, const std::string& name) {
  static const char* kListMutators[] = {"append", "extend", "insert", "pop", "remove", "reverse", "sort",
                                        "clear"};
  static const char* kDictMutators[] = {"update", "pop", "popitem", "setdefault", "clear"};
  if (obj.is_list() && !obj.is_tuple()) {
    for (const char* m : kListMutators) {
      if (name == m) return true;
    }
  }
  if (obj.is_dict() && !obj.is_namespace()) {
    for (const char* m : kDictMutators) {
      if (name == m) return true;
    }
  }
  return false;
}

}  // namespace

Result<Value> bind_method(const Value& obj, const std::string& name) {
  if (is_mutator(obj, name)) {
    return invalid_argument("access to attribute '" + name + "' of '" + obj.type_name() + "' object is unsafe.");
  }
  using Fn = Result<Value> (*)(const Value&, const std::string&, const CallArgs&);
  Fn fn = nullptr;
  if (obj.is_string()) {
    fn = string_method;
  } else if (obj.is_dict() && !obj.is_namespace()) {
    fn = dict_method;
  } else if (obj.is_list()) {
    fn = list_method;
  } else {
    return Value::undefined();
  }
  // Probe with no arguments is not possible for all methods; check membership by name instead.
  static const char* kStringMethods[] = {"strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
                                         "startswith", "endswith", "upper", "lower", "title", "capitalize",
                                         "replace", "find", "rfind", "index", "rindex", "count", "join",
                                         "format", "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum",
                                         "isspace", "isupper", "islower"};
  static const char* kDictMethods[] = {"items", "keys", "values", "get", "copy"};
  static const char* kListMethods[] = {"index", "count"};
  bool known = false;
  if (obj.is_string()) {
    for (const char* m : kStringMethods) known |= name == m;
  } else if (obj.is_dict()) {
    for (const char* m : kDictMethods) known |= name == m;
  } else {
    for (const char* m : kListMethods) known |= name == m;
  }
  if (!known) return Value::undefined();
  return Value::function(name, [obj, name, fn](const CallArgs& args) { return fn(obj, name, args); });
}

namespace {

// Python's str.isspace() set: ASCII whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000.
bool is_unicode_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f ||
         cp == 0x3000;
}

// The code point starting at s[i] and its length in bytes (1 for a stray byte).
uint32_t decode_at(const std::string& s, size_t i, size_t& n) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size() || (n == 1 && c >= 0x80)) {
    n = 1;
    return 0xfffd;
  }
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

// Length of the whitespace code point that ends at s[end - 1], or 0.
size_t space_before(const std::string& s, size_t end) {
  size_t start = end;
  while (start > 0 && end - start < 4) {
    --start;
    if ((static_cast<unsigned char>(s[start]) & 0xc0) != 0x80) break;
  }
  size_t n;
  uint32_t cp = decode_at(s, start, n);
  return (start + n == end && is_unicode_space(cp)) ? n : 0;
}

size_t space_at(const std::string& s, size_t i) {
  size_t n;
  uint32_t cp = decode_at(s, i, n);
  return is_unicode_space(cp) ? n : 0;
}

}  // namespace

std::string python_strip(const std::string& s, const Value* chars, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (!chars) {
    if (left) {
      for (size_t n; b < e && (n = space_at(s, b)) > 0;) b += n;
    }
    if (right) {
      for (size_t n; e > b && (n = space_before(s, e)) > 0;) e -= n;
    }
    return s.substr(b, e - b);
  }
  // Explicit characters: compare whole code points.
  std::vector<std::string> set = chars->is_string() ? utf8_chars(chars->as_string()) : std::vector<std::string>{};
  auto in_set = [&](const std::string& c) {
    for (const auto& x : set) {
      if (x == c) return true;
    }
    return false;
  };
  auto cps = utf8_chars(s);
  size_t lo = 0, hi = cps.size();
  if (left) {
    while (lo < hi && in_set(cps[lo])) ++lo;
  }
  if (right) {
    while (hi > lo && in_set(cps[hi - 1])) --hi;
  }
  std::string out;
  for (size_t i = lo; i < hi; ++i) out += cps[i];
  return out;
}

std::vector<std::string> python_split(const std::string& s, const Value* sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (!sep || !sep->is_string()) {
    size_t i = 0;
    while (i < s.size()) {
      for (size_t n; i < s.size() && (n = space_at(s, i)) > 0;) i += n;
      if (i >= s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        out.push_back(s.substr(i));  // Python keeps the remainder's trailing whitespace
        break;
      }
      size_t j = i;
      while (j < s.size() && space_at(s, j) == 0) {
        size_t n;
        decode_at(s, j, n);
        j += n;
      }
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  const std::string& d = sep->as_string();
  if (d.empty()) return {s};
  size_t start = 0;
  for (;;) {
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) break;
    size_t p = s.find(d, start);
    if (p == std::string::npos) break;
    out.push_back(s.substr(start, p - start));
    start = p + d.size();
  }
  out.push_back(s.substr(start));
  return out;
}

namespace {

// Case mapping of one code point for Latin-1, Latin Extended-A, Greek and Cyrillic (what chat text needs);
// other scripts are returned unchanged.
uint32_t map_case(uint32_t cp, bool upper) {
  if (cp < 0x80) {
    return static_cast<uint32_t>(upper ? std::toupper(static_cast<int>(cp)) : std::tolower(static_cast<int>(cp)));
  }
  if (upper) {
    if (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7) return cp - 0x20;
    if (cp == 0xff) return 0x178;
    if (cp == 0xb5) return 0x39c;
    if (cp >= 0x100 && cp <= 0x17f) {
      bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e);
      if (cp == 0x131) return 'I';
      if (cp == 0x17f) return 'S';
      if (cp == 0x138 || cp == 0x149 || cp == 0x130) return cp;
      if (odd_upper ? (cp % 2 == 0) : (cp % 2 == 1)) return cp - 1;
      return cp;
    }
    if (cp >= 0x3b1 && cp <= 0x3c9 && cp != 0x3c2) return cp - 0x20;
    if (cp == 0x3c2) return 0x3a3;
    if (cp >= 0x430 && cp <= 0x44f) return cp - 0x20;
    if (cp >= 0x450 && cp <= 0x45f) return cp - 0x50;
    return cp;
  }
  if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) return cp + 0x20;
  if (cp == 0x178) return 0xff;
  if (cp >= 0x100 && cp <= 0x17f) {
    bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e);
    if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17f) return cp == 0x130 ? 'i' : cp;
    if (odd_upper ? (cp % 2 == 1) : (cp % 2 == 0)) return cp + 1;
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42f) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40f) return cp + 0x50;
  return cp;
}

bool is_cased_letter(uint32_t cp) {
  if (cp < 0x80) return std::isalpha(static_cast<int>(cp)) != 0;
  return map_case(cp, true) != cp || map_case(cp, false) != cp || cp == 0xdf;
}

// Applies `mode` per code point: 'U' upper, 'L' lower, 'T' title (upper after a non-letter), 'C' capitalize.
std::string convert_case(const std::string& s, char mode) {
  std::string out;
  out.reserve(s.size());
  bool prev_cased = false;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    if (n == 1 && c >= 0x80) {  // invalid byte: copy through
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    bool upper;
    if (mode == 'U') {
      upper = true;
    } else if (mode == 'L') {
      upper = false;
    } else if (mode == 'T') {
      upper = !prev_cased;
    } else {
      upper = first;
    }
    if (upper && cp == 0xdf) {
      out += "SS";
    } else {
      glassbox::append_utf8(out, map_case(cp, upper));
    }
    prev_cased = is_cased_letter(cp);
    first = false;
    i += n;
  }
  return out;
}

}  // namespace

std::string to_upper(const std::string& s) { return convert_case(s, 'U'); }
std::string to_lower(const std::string& s) { return convert_case(s, 'L'); }
std::string to_title(const std::string& s) { return convert_case(s, 'T'); }
std::string to_capitalized(const std::string& s) { return convert_case(s, 'C'); }

std::string python_replace(const std::string& s, const std::string& old, const std::string& repl, int64_t count) {
  if (old.empty()) {
    std::string out;
    int64_t n = 0;
    auto chars = utf8_chars(s);
    for (const auto& c : chars) {
      if (count < 0 || n < count) {
        out += repl;
        ++n;
      }
      out += c;
    }
    if (count < 0 || n < count) out += repl;
    return out;
  }
  std::string out;
  size_t start = 0;
  int64_t n = 0;
  for (size_t p = s.find(old); p != std::string::npos && (count < 0 || n < count); p = s.find(old, start)) {
    out.append(s, start, p - start);
    out += repl;
    start = p + old.size();
    ++n;
  }
  out.append(s, start, std::string::npos);
  return out;
}

}  // namespace glassbox::chat
