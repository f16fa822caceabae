// Filters: one function per Jinja2 builtin filter, with its Python argument order and defaults.
#include "chat/filters.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

#include "chat/json_dumps.h"
#include "chat/methods.h"
#include "chat/operators.h"
#include "chat/predicates.h"

namespace glassbox::chat {
namespace {

using FilterFn = std::function<Result<Value>(const Value&, const CallArgs&)>;

const Value* opt(const CallArgs& a, const char* name, size_t index) {
  const Value* v = a.get(name, index);
  return v;
}

int64_t int_arg(const CallArgs& a, const char* name, size_t index, int64_t def) {
  const Value* v = a.get(name, index);
  return v && (v->is_int() || v->is_bool()) ? v->as_int() : def;
}

bool bool_arg(const CallArgs& a, const char* name, size_t index, bool def) {
  const Value* v = a.get(name, index);
  return v ? v->truthy() : def;
}

Value string_like(const Value& input, std::string s) {
  return input.is_safe() ? Value::safe_string(std::move(s)) : Value(std::move(s));
}

// Jinja2's attribute lookup for filters: "a.b.0" walks items, integer parts index lists.
Result<Value> lookup_path(const Value& item, const std::string& path) {
  Value cur = item;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    GB_ASSIGN_OR_RETURN(
        cur, get_item(cur, numeric ? Value(static_cast<int64_t>(std::strtoll(part.c_str(), nullptr, 10))) : Value(part)));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Result<Value> attribute_of(const Value& item, const CallArgs& args, size_t index) {
  const Value* attr = args.get("attribute", index);
  if (!attr || attr->is_none()) return item;
  if (attr->is_int()) return get_item(item, *attr);
  return lookup_path(item, attr->to_str());
}

Result<Value> f_default(const Value& in, const CallArgs& a) {
  const Value* def = opt(a, "default_value", 0);
  bool boolean = bool_arg(a, "boolean", 1, false);
  if (in.is_undefined() || (boolean && !in.truthy())) return def ? *def : Value("");
  return in;
}

Result<Value> f_tojson(const Value& in, const CallArgs& a) {
  JsonDumpOptions o;
  o.ensure_ascii = bool_arg(a, "ensure_ascii", 0, false);
  if (const Value* indent = opt(a, "indent", 1); indent && !indent->is_none()) {
    o.has_indent = true;
    if (indent->is_string()) {
      o.indent = indent->as_string();
    } else if (indent->is_int()) {
      o.indent = std::string(std::max<int64_t>(0, std::min<int64_t>(indent->as_int(), 1000)), ' ');
    } else {
      return invalid_argument("tojson: indent must be an int or a string");
    }
  }
  if (const Value* sep = opt(a, "separators", 2); sep && !sep->is_none()) {
    if (!sep->is_list() || sep->items().size() != 2 || !sep->items()[0].is_string() ||
        !sep->items()[1].is_string()) {
      return invalid_argument("tojson: separators must be a pair of strings");
    }
    o.has_separators = true;
    o.item_separator = sep->items()[0].as_string();
    o.key_separator = sep->items()[1].as_string();
  }
  o.sort_keys = bool_arg(a, "sort_keys", 3, false);
  GB_ASSIGN_OR_RETURN(std::string s, python_json_dumps(in, o));
  return Value(std::move(s));
}

Result<Value> f_join(const Value& in, const CallArgs& a) {
  const Value* sep = opt(a, "d", 0);
  std::string d = sep ? sep->to_str() : "";
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::string out;
  bool any_safe = sep && sep->is_safe();
  for (size_t i = 0; i < items.size(); ++i) {
    GB_ASSIGN_OR_RETURN(Value v, attribute_of(items[i], a, 1));
    if (i) out += d;
    out += v.to_str();
    any_safe |= v.is_safe();
  }
  return Value(std::move(out));
}

Result<Value> f_length(const Value& in, const CallArgs&) {
  GB_ASSIGN_OR_RETURN(int64_t n, length_of(in));
  return Value(n);
}

Result<Value> f_first(const Value& in, const CallArgs&) {
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Result<Value> f_last(const Value& in, const CallArgs&) {
  if (in.is_generator()) return invalid_argument("'" + in.type_name() + "' object is not reversible");
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> f_list(const Value& in, const CallArgs&) {
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  return Value::list(std::move(items));
}

Result<Value> f_items(const Value& in, const CallArgs&) {
  if (in.is_undefined()) return Value::list();
  if (!in.is_dict() || in.is_namespace()) return invalid_argument("Can only get item pairs from a mapping.");
  std::vector<Value> items;
  for (const auto& [k, v] : in.dict_data().items) items.push_back(Value::tuple({k, v}));
  return Value::list(std::move(items));
}

Result<Value> f_int(const Value& in, const CallArgs& a) {
  if (in.is_undefined()) return undefined_error(in);  // int(Undefined) raises, it is not a TypeError
  const Value* def = opt(a, "default", 0);
  Value fallback = def ? *def : Value(int64_t{0});
  if (in.is_int() || in.is_bool()) return Value(in.as_int());
  if (in.is_float()) {
    if (!std::isfinite(in.as_double())) return fallback;
    if (std::fabs(in.as_double()) >= 9.2e18) return Value(std::trunc(in.as_double()));
    return Value(static_cast<int64_t>(in.as_double()));
  }
  if (in.is_string()) {
    std::string s = python_strip(in.as_string(), nullptr, true, true);
    int64_t base = int_arg(a, "base", 1, 10);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, static_cast<int>(base));
    if (!s.empty() && end && *end == '\0' && errno == 0) return Value(static_cast<int64_t>(v));
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0' && std::isfinite(d)) {
      if (std::fabs(d) >= 9.2e18) return Value(std::trunc(d));
      return Value(static_cast<int64_t>(d));
    }
  }
  return fallback;
}

Result<Value> f_float(const Value& in, const CallArgs& a) {
  if (in.is_undefined()) return undefined_error(in);
  const Value* def = opt(a, "default", 0);
  Value fallback = def ? *def : Value(0.0);
  if (in.is_number()) return Value(in.as_double());
  if (in.is_string()) {
    std::string s = python_strip(in.as_string(), nullptr, true, true);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0') return Value(d);
  }
  return fallback;
}

Result<Value> f_replace(const Value& in, const CallArgs& a) {
  const Value* old = opt(a, "old", 0);
  const Value* repl = opt(a, "new", 1);
  if (!old || !repl) return invalid_argument("replace() needs 'old' and 'new'");
  int64_t count = int_arg(a, "count", 2, -1);
  return string_like(in, python_replace(in.to_str(), old->to_str(), repl->to_str(), count));
}

Result<Value> f_indent(const Value& in, const CallArgs& a) {
  const Value* width = opt(a, "width", 0);
  if (width && !width->is_string() && (!width->is_number() || width->as_int() > 10000)) {
    return invalid_argument("indent: width must be a string or an int up to 10000");
  }
  std::string indention = width && width->is_string() ? width->as_string()
                                                      : std::string(width ? std::max<int64_t>(0, width->as_int()) : 4, ' ');
  bool first = bool_arg(a, "first", 1, false);
  bool blank = bool_arg(a, "blank", 2, false);
  if (in.is_undefined()) return undefined_error(in);
  if (in.is_list() && !in.is_tuple()) return invalid_argument("'list' object has no attribute 'splitlines'");
  if (!in.is_string()) {
    return invalid_argument("unsupported operand type(s) for +=: '" + in.type_name() + "' and 'str'");
  }
  std::string s = in.to_str() + "\n";
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.push_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) lines.push_back(s.substr(start));
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
    }
  } else if (!lines.empty()) {
    rv = lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return string_like(in, rv);
}

// Python's round(): ties to even, as the 'common' method calls it.
Result<Value> f_round(const Value& in, const CallArgs& a) {
  if (!in.is_number()) return invalid_argument("type " + in.type_name() + " doesn't define __round__ method");
  int64_t precision = int_arg(a, "precision", 0, 0);
  const Value* method = opt(a, "method", 1);
  std::string m = method ? method->to_str() : "common";
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = in.as_double() * scale;
  double r;
  if (m == "common") {
    r = std::nearbyint(x);
    if (!in.is_float()) return in.is_bool() ? Value(in.as_int()) : in;
  } else if (m == "ceil") {
    r = std::ceil(x);
  } else if (m == "floor") {
    r = std::floor(x);
  } else {
    return invalid_argument("method must be 'common', 'ceil' or 'floor'");
  }
  return Value(r / scale);
}

// Jinja2's title filter (not str.title): a word starts after whitespace or one of -({[< and is
// capitalized: first character upper, the rest lower.
Result<Value> f_title(const Value& in, const CallArgs&) {
  std::string s = in.to_str();
  std::string out, word;
  auto flush = [&]() {
    if (word.empty()) return;
    auto chars = utf8_chars(word);
    std::string rest;
    for (size_t i = 1; i < chars.size(); ++i) rest += chars[i];
    out += to_upper(chars[0]) + to_lower(rest);
    word.clear();
  };
  for (char c : s) {
    if (c == ' ' || (c >= '\t' && c <= '\r') || c == '-' || c == '(' || c == '{' || c == '[' || c == '<') {
      flush();
      out += c;
    } else {
      word += c;
    }
  }
  flush();
  return string_like(in, out);
}

Result<Value> f_abs(const Value& in, const CallArgs&) {
  if (in.is_float()) return Value(std::fabs(in.as_double()));
  if (in.is_int() || in.is_bool()) {
    if (in.as_int() == INT64_MIN) return Value(-in.as_double());
    return Value(in.as_int() < 0 ? -in.as_int() : in.as_int());
  }
  return invalid_argument("bad operand type for abs(): '" + in.type_name() + "'");
}

Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value(to_lower(v.as_string()));
  return v;
}

Result<std::vector<Value>> sorted(std::vector<Value> items, const std::function<Result<Value>(const Value&)>& key,
                                  bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) {
    GB_ASSIGN_OR_RETURN(Value k, key(item));
    keyed.emplace_back(std::move(k), std::move(item));
  }
  Status failure;
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    auto less = compare_op("<", reverse ? y.first : x.first, reverse ? x.first : y.first);
    if (!less.ok()) {
      if (failure.ok()) failure = less.status();
      return false;
    }
    return *less;
  });
  GB_RETURN_IF_ERROR(failure);
  std::vector<Value> out;
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return out;
}

Result<Value> f_sort(const Value& in, const CallArgs& a) {
  bool reverse = bool_arg(a, "reverse", 0, false);
  bool case_sensitive = bool_arg(a, "case_sensitive", 1, false);
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  GB_ASSIGN_OR_RETURN(items, sorted(std::move(items),
                                    [&](const Value& v) -> Result<Value> {
                                      GB_ASSIGN_OR_RETURN(Value k, attribute_of(v, a, 2));
                                      return sort_key(k, case_sensitive);
                                    },
                                    reverse));
  return Value::list(std::move(items));
}

Result<Value> f_dictsort(const Value& in, const CallArgs& a) {
  bool case_sensitive = bool_arg(a, "case_sensitive", 0, false);
  const Value* by = opt(a, "by", 1);
  bool by_value = by && by->to_str() == "value";
  bool reverse = bool_arg(a, "reverse", 2, false);
  if (in.is_undefined()) return undefined_error(in);  // dictsort calls value.items()
  GB_ASSIGN_OR_RETURN(Value pairs, f_items(in, {}));
  GB_ASSIGN_OR_RETURN(std::vector<Value> items,
                      sorted(pairs.items(),
                             [&](const Value& p) -> Result<Value> {
                               return sort_key(p.items()[by_value ? 1 : 0], case_sensitive);
                             },
                             reverse));
  return Value::list(std::move(items));
}

Result<Value> f_unique(const Value& in, const CallArgs& a) {
  bool case_sensitive = bool_arg(a, "case_sensitive", 0, false);
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> seen, out;
  for (const auto& item : items) {
    GB_ASSIGN_OR_RETURN(Value k, attribute_of(item, a, 1));
    if (k.is_dict() || (k.is_list() && !k.is_tuple())) {
      return invalid_argument("unhashable type: '" + k.type_name() + "'");  // unique keeps a set of seen items
    }
    k = sort_key(k, case_sensitive);
    bool dup = false;
    for (const auto& s : seen) dup |= s.equals(k);
    if (dup) continue;
    seen.push_back(k);
    out.push_back(item);
  }
  return Value::list(std::move(out));
}

Result<Value> f_sum(const Value& in, const CallArgs& a) {
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  const Value* start = opt(a, "start", 1);
  Value total = start ? *start : Value(int64_t{0});
  for (const auto& item : items) {
    GB_ASSIGN_OR_RETURN(Value v, attribute_of(item, a, 0));
    GB_ASSIGN_OR_RETURN(total, binary_op("+", total, v));
  }
  return total;
}

Result<Value> f_min_max(const Value& in, const CallArgs& a, bool want_max) {
  bool case_sensitive = bool_arg(a, "case_sensitive", 0, false);
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  if (items.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
  Value best = items[0];
  GB_ASSIGN_OR_RETURN(Value best_key, attribute_of(best, a, 1));
  best_key = sort_key(best_key, case_sensitive);
  for (size_t i = 1; i < items.size(); ++i) {
    GB_ASSIGN_OR_RETURN(Value k, attribute_of(items[i], a, 1));
    k = sort_key(k, case_sensitive);
    GB_ASSIGN_OR_RETURN(bool better, compare_op(want_max ? ">" : "<", k, best_key));
    if (better) {
      best = items[i];
      best_key = k;
    }
  }
  return best;
}

Result<Value> f_batch(const Value& in, const CallArgs& a) {
  int64_t n = int_arg(a, "linecount", 0, 1);
  if (n <= 0) return invalid_argument("batch: linecount must be positive");
  const Value* fill = opt(a, "fill_with", 1);
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> out, cur;
  for (auto& item : items) {
    cur.push_back(item);
    if (static_cast<int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (fill && !fill->is_none()) {
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*fill);
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::list(std::move(out));
}

Result<Value> f_reverse(const Value& in, const CallArgs&) {
  if (in.is_string()) {
    auto chars = utf8_chars(in.as_string());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return Value(out);
  }
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Result<Value> f_wordcount(const Value& in, const CallArgs&) {
  std::string s = in.to_str();
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    bool word = std::isalnum(c) || c == '_' || c >= 0x80;
    if (word && !in_word) ++n;
    in_word = word;
  }
  return Value(n);
}

Result<Value> f_center(const Value& in, const CallArgs& a) {
  int64_t width = int_arg(a, "width", 0, 80);
  if (width > 100000) return invalid_argument("center: width over 100000");
  std::string s = in.to_str();
  int64_t len = static_cast<int64_t>(utf8_chars(s).size());
  if (width <= len) return Value(s);
  int64_t pad = width - len;
  int64_t left = pad / 2 + (pad & width & 1);
  return Value(std::string(left, ' ') + s + std::string(pad - left, ' '));
}

Result<Value> f_escape(const Value& in, const CallArgs&) {
  if (in.is_safe()) return in;
  return Value::safe_string(html_escape(in.to_str()));
}

Result<Value> f_format(const Value& in, const CallArgs& a) {
  if (!a.keyword.empty() && !a.positional.empty()) {
    return invalid_argument("can't handle positional and keyword arguments at the same time");
  }
  return binary_op("%", Value(in.to_str()), Value::tuple(a.positional));
}

// select/reject/selectattr/rejectattr share one body.
Result<Value> select_impl(const Value& in, const CallArgs& a, bool by_attr, bool keep) {
  if (!in.truthy()) return Value::list();  // Jinja2 guards with `if value:`
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  size_t pos = 0;
  std::string attr;
  if (by_attr) {
    if (a.positional.empty()) return invalid_argument("Missing parameter for attribute name");
    attr = a.positional[pos++].to_str();
  }
  std::string test;
  CallArgs test_args;
  if (pos < a.positional.size()) {
    test = a.positional[pos++].to_str();
    test_args.positional.assign(a.positional.begin() + pos, a.positional.end());
    test_args.keyword = a.keyword;
  }
  std::vector<Value> out;
  for (const auto& item : items) {
    Value v = item;
    if (by_attr) {
      GB_ASSIGN_OR_RETURN(v, lookup_path(item, attr));
    }
    bool pass;
    if (test.empty()) {
      pass = v.truthy();
    } else {
      GB_ASSIGN_OR_RETURN(pass, apply_test(test, v, test_args));
    }
    if (pass == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Result<Value> f_map(const Value& in, const CallArgs& a) {
  if (!in.truthy()) return Value::list();  // Jinja2 guards with `if value:`
  GB_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> out;
  if (a.positional.empty()) {
    const Value* attr = a.get("attribute", 99);
    if (!attr) return invalid_argument("map: needs a filter name or attribute=");
    const Value* def = a.get("default", 99);
    for (const auto& item : items) {
      GB_ASSIGN_OR_RETURN(Value v, attr->is_int() ? get_item(item, *attr) : lookup_path(item, attr->to_str()));
      if (v.is_undefined() && def) v = *def;
      out.push_back(std::move(v));
    }
    return Value::list(std::move(out));
  }
  std::string filter = a.positional[0].to_str();
  CallArgs rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const auto& item : items) {
    GB_ASSIGN_OR_RETURN(Value v, apply_filter(filter, item, rest));
    out.push_back(std::move(v));
  }
  return Value::list(std::move(out));
}

Result<Value> f_attr(const Value& in, const CallArgs& a) {
  const Value* name = opt(a, "name", 0);
  if (!name) return invalid_argument("attr: needs a name");
  return get_attr(in, name->to_str());
}

// Jinja2's generator filters run lazily: the result is a generator, and their errors surface only when it
// is iterated.
FilterFn lazy(const char* generator_name, FilterFn fn) {
  return [generator_name, fn](const Value& in, const CallArgs& a) -> Result<Value> {
    auto r = fn(in, a);
    if (!r.ok()) return Value::generator(generator_name, {}, r.status().message());
    return Value::generator(generator_name, r->items());
  };
}

Result<Value> f_reverse_lazy(const Value& in, const CallArgs& a) {
  if (in.is_string()) return f_reverse(in, a);
  GB_ASSIGN_OR_RETURN(Value reversed, f_reverse(in, a));
  if (in.is_list()) return Value::generator("list_reverseiterator", reversed.items());
  return reversed;  // Jinja2 falls back to a reversed list
}

const std::map<std::string, FilterFn>& filter_table() {
  static const auto* table = new std::map<std::string, FilterFn>{
      {"abs", f_abs},
      {"attr", f_attr},
      {"batch", lazy("do_batch", f_batch)},
      {"capitalize", [](const Value& in, const CallArgs&) -> Result<Value> {
         return string_like(in, to_capitalized(in.to_str()));
       }},
      {"center", f_center},
      {"count", f_length},
      {"d", f_default},
      {"default", f_default},
      {"dictsort", f_dictsort},
      {"e", f_escape},
      {"escape", f_escape},
      {"first", f_first},
      {"float", f_float},
      {"forceescape", [](const Value& in, const CallArgs&) -> Result<Value> {
         return Value::safe_string(html_escape(in.to_str()));
       }},
      {"format", f_format},
      {"indent", f_indent},
      {"int", f_int},
      {"items", lazy("do_items", f_items)},
      {"join", f_join},
      {"last", f_last},
      {"length", f_length},
      {"list", f_list},
      {"lower", [](const Value& in, const CallArgs&) -> Result<Value> {
         return string_like(in, to_lower(in.to_str()));
       }},
      {"map", lazy("sync_do_map", f_map)},
      {"max", [](const Value& in, const CallArgs& a) { return f_min_max(in, a, true); }},
      {"min", [](const Value& in, const CallArgs& a) { return f_min_max(in, a, false); }},
      {"reject", lazy("select_or_reject",
                      [](const Value& in, const CallArgs& a) { return select_impl(in, a, false, false); })},
      {"rejectattr", lazy("select_or_reject",
                          [](const Value& in, const CallArgs& a) { return select_impl(in, a, true, false); })},
      {"replace", f_replace},
      {"reverse", f_reverse_lazy},
      {"round", f_round},
      {"safe", [](const Value& in, const CallArgs&) -> Result<Value> { return Value::safe_string(in.to_str()); }},
      {"select", lazy("select_or_reject",
                      [](const Value& in, const CallArgs& a) { return select_impl(in, a, false, true); })},
      {"selectattr", lazy("select_or_reject",
                          [](const Value& in, const CallArgs& a) { return select_impl(in, a, true, true); })},
      {"sort", f_sort},
      {"string", [](const Value& in, const CallArgs&) -> Result<Value> {
         return in.is_safe() ? in : Value(in.to_str());
       }},
      {"sum", f_sum},
      {"title", f_title},
      {"tojson", f_tojson},
      {"trim", [](const Value& in, const CallArgs& a) -> Result<Value> {
         const Value* chars = a.get("chars", 0);
         if (chars && chars->is_none()) chars = nullptr;
         return string_like(in, python_strip(in.to_str(), chars, true, true));
       }},
      {"unique", lazy("do_unique", f_unique)},
      {"upper", [](const Value& in, const CallArgs&) -> Result<Value> {
         return string_like(in, to_upper(in.to_str()));
       }},
      {"wordcount", f_wordcount},
  };
  return *table;
}

}  // namespace

bool is_known_filter(const std::string& name) { return filter_table().count(name) != 0; }

Result<Value> apply_filter(const std::string& name, const Value& input, const CallArgs& args) {
  const auto& table = filter_table();
  auto it = table.find(name);
  if (it == table.end()) return invalid_argument("No filter named '" + name + "' found.");
  return it->second(input, args);
}

}  // namespace glassbox::chat
