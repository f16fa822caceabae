// Value: construction, truthiness, equality and Python-style printing.
#include "chat/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace glassbox::chat {

const Value* CallArgs::get(const std::string& name, size_t index) const {
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  if (index < positional.size()) return &positional[index];
  return nullptr;
}

const Value* DictData::find(const Value& key) const {
  for (const auto& item : items) {
    if (item.first.equals(key)) return &item.second;
  }
  return nullptr;
}

void DictData::set(Value key, Value value) {
  for (auto& item : items) {
    if (item.first.equals(key)) {
      item.second = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

// Iterative teardown: the outermost container destructor collects nested containers into a work list
// instead of letting destructors recurse once per nesting level.
namespace {
thread_local std::vector<Value>* g_release_queue = nullptr;
}  // namespace

void release_children(std::vector<Value>& values) {
  if (g_release_queue) {
    for (auto& v : values) {
      if (v.list_ || v.dict_) g_release_queue->push_back(std::move(v));
    }
    return;
  }
  std::vector<Value> queue;
  g_release_queue = &queue;
  for (auto& v : values) {
    if (v.list_ || v.dict_) queue.push_back(std::move(v));
  }
  while (!queue.empty()) {
    Value v = std::move(queue.back());
    queue.pop_back();
  }  // each popped value's last reference frees its container, which enqueues its own children
  g_release_queue = nullptr;
}

ListData::~ListData() { release_children(items); }

DictData::~DictData() {
  std::vector<Value> values;
  values.reserve(items.size() * 2);
  for (auto& [k, v] : items) {
    values.push_back(std::move(k));
    values.push_back(std::move(v));
  }
  items.clear();
  release_children(values);
}

Value Value::undefined(std::string message) {
  Value v;
  v.str_ = std::move(message);
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::safe_string(std::string s) {
  Value v(std::move(s));
  v.safe_ = true;
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  v.list_ = std::make_shared<ListData>();
  v.list_->items = std::move(items);
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.list_->is_tuple = true;
  return v;
}

Value Value::dict() {
  Value v;
  v.kind_ = Kind::kDict;
  v.dict_ = std::make_shared<DictData>();
  return v;
}

Value Value::make_namespace() {
  Value v = dict();
  v.dict_->is_namespace = true;
  return v;
}

Value Value::generator(std::string name, std::vector<Value> items, std::string deferred_error) {
  Value v = list(std::move(items));
  v.kind_ = Kind::kGenerator;
  v.list_->generator_name = std::move(name);
  v.list_->deferred_error = std::move(deferred_error);
  return v;
}

Value Value::function(std::string name, NativeFunction fn) {
  Value v;
  v.kind_ = Kind::kFunction;
  v.fn_ = std::make_shared<FunctionData>(FunctionData{std::move(name), std::move(fn)});
  return v;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
    case Kind::kInt:
      return int_ != 0;
    case Kind::kFloat:
      return float_ != 0.0;
    case Kind::kString:
      return !str_.empty();
    case Kind::kList:
      return !list_->items.empty();
    case Kind::kDict:
      return dict_->is_namespace || !dict_->items.empty();
    case Kind::kFunction:
    case Kind::kGenerator:
      return true;
  }
  return false;
}

std::string format_python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci = [-]d[.ddd]e(+|-)XX
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  int exponent = std::atoi(sci.c_str() + e_pos + 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  std::string out;
  if (exponent >= -5 + 1 && exponent < 16) {
    // Python's repr switches to exponent notation below 1e-4 and from 1e16.
    if (exponent >= 0) {
      if (static_cast<int>(digits.size()) <= exponent + 1) {
        out = digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
      }
    } else {
      out = "0." + std::string(-exponent - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_buf[16];
    std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp_buf;
  }
  return negative ? "-" + out : out;
}

namespace {

// Code points Python's repr() escapes because str.isprintable() is false for them: controls, format
// characters, separators other than the ASCII space, surrogates and private use (unassigned ones aside).
bool is_unprintable(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad || cp == 0x600 || cp == 0x61c || cp == 0x6dd ||
         cp == 0x70f || cp == 0x1680 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) ||
         (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 ||
         (cp >= 0xd800 && cp <= 0xf8ff) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
         (cp >= 0xe0000 && cp <= 0xe007f) || cp >= 0xf0000;
}

}  // namespace

std::string python_string_repr(const std::string& text) {
  bool has_single = text.find('\'') != std::string::npos;
  bool has_double = text.find('"') != std::string::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > text.size() || (n == 1 && c >= 0x80)) n = 1;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += quote;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_unprintable(cp)) {
      char buf[16];
      if (cp < 0x100) {
        std::snprintf(buf, sizeof(buf), "\\x%02x", cp);
      } else if (cp < 0x10000) {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      } else {
        std::snprintf(buf, sizeof(buf), "\\U%08x", cp);
      }
      out += buf;
    } else {
      out.append(text, i, n);
    }
    i += n;
  }
  out += quote;
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

constexpr int kMaxReprDepth = 200;

}  // namespace

std::string Value::to_str() const {
  switch (kind_) {
    case Kind::kUndefined: return "";
    case Kind::kString: return str_;
    default: return repr();
  }
}

std::string Value::repr() const { return repr_at(0); }

std::string Value::repr_at(int depth) const {
  if ((kind_ == Kind::kList || kind_ == Kind::kDict) && depth > kMaxReprDepth) return "...";
  auto repr_items = [&](const Value& v) {
    std::string out;
    const auto& items = v.items();
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      out += items[i].repr_at(depth + 1);
    }
    return out;
  };
  auto repr_dict = [&](const DictData& d) {
    std::string out = "{";
    for (size_t i = 0; i < d.items.size(); ++i) {
      if (i) out += ", ";
      out += d.items[i].first.repr_at(depth + 1) + ": " + d.items[i].second.repr_at(depth + 1);
    }
    return out + "}";
  };
  switch (kind_) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "None";
    case Kind::kBool: return int_ ? "True" : "False";
    case Kind::kInt: return std::to_string(int_);
    case Kind::kFloat: return format_python_float(float_);
    case Kind::kString: return safe_ ? "Markup(" + python_string_repr(str_) + ")" : python_string_repr(str_);
    case Kind::kList:
      if (list_->is_tuple) {
        return list_->items.size() == 1 ? "(" + repr_items(*this) + ",)" : "(" + repr_items(*this) + ")";
      }
      return "[" + repr_items(*this) + "]";
    case Kind::kDict:
      return dict_->is_namespace ? "<Namespace " + repr_dict(*dict_) + ">" : repr_dict(*dict_);
    case Kind::kFunction:
      return fn_->name.rfind("Macro ", 0) == 0 ? "<" + fn_->name + ">" : "<function " + fn_->name + ">";
    case Kind::kGenerator:
      return list_->generator_name == "list_reverseiterator"
                 ? "<list_reverseiterator object at 0x7f0000000000>"
                 : "<generator object " + list_->generator_name + " at 0x7f0000000000>";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return safe_ ? "Markup" : "str";
    case Kind::kList: return list_->is_tuple ? "tuple" : "list";
    case Kind::kDict: return dict_->is_namespace ? "Namespace" : "dict";
    case Kind::kFunction: return "function";
    case Kind::kGenerator: return list_->generator_name == "list_reverseiterator" ? "list_reverseiterator" : "generator";
  }
  return "object";
}

bool Value::equals(const Value& other) const { return equals_at(other, 0); }

bool Value::equals_at(const Value& other, int depth) const {
  if (depth > kMaxCompareDepth) return false;
  if (is_number() && other.is_number()) {
    if (kind_ != Kind::kFloat && other.kind_ != Kind::kFloat) return int_ == other.int_;
    return as_double() == other.as_double();
  }
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return str_ == other.str_;
    case Kind::kList: {
      if (list_ == other.list_) return true;
      if (list_->is_tuple != other.list_->is_tuple || list_->items.size() != other.list_->items.size()) {
        return false;
      }
      for (size_t i = 0; i < list_->items.size(); ++i) {
        if (!list_->items[i].equals_at(other.list_->items[i], depth + 1)) return false;
      }
      return true;
    }
    case Kind::kDict: {
      if (dict_ == other.dict_) return true;
      if (dict_->is_namespace || other.dict_->is_namespace) return false;
      if (dict_->items.size() != other.dict_->items.size()) return false;
      for (const auto& [key, value] : dict_->items) {
        const Value* found = other.dict_->find(key);
        if (!found || !found->equals_at(value, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kFunction:
      return fn_ == other.fn_;
    case Kind::kGenerator:
      return list_ == other.list_;
    default:
      return false;
  }
}

const Value* Value::get(const std::string& key) const {
  if (kind_ != Kind::kDict) return nullptr;
  for (const auto& item : dict_->items) {
    if (item.first.is_string() && item.first.as_string() == key) return &item.second;
  }
  return nullptr;
}

}  // namespace glassbox::chat
