// JsonDumps: byte-exact json.dumps: separators, indent, sort_keys, ensure_ascii, float repr.
#include "chat/json_dumps.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace glassbox::chat {

std::string json_quote(const std::string& text, bool ensure_ascii) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || (ensure_ascii && c == 0x7f)) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
      continue;
    }
    if (c < 0x80 || !ensure_ascii) {
      out += static_cast<char>(c);
      continue;
    }
    // Decode one UTF-8 sequence and write \uXXXX (surrogate pairs above the BMP).
    size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    uint32_t cp = n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : n == 4 ? (c & 0x07) : c;
    for (size_t k = 1; k < n && i + k < text.size(); ++k) cp = (cp << 6) | (text[i + k] & 0x3f);
    i += n - 1;
    char buf[16];
    if (cp >= 0x10000) {
      cp -= 0x10000;
      std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
    }
    out += buf;
  }
  return out + "\"";
}

namespace {

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& o) : o_(o) {
    item_sep_ = o.has_separators ? o.item_separator : (o.has_indent ? "," : ", ");
    key_sep_ = o.has_separators ? o.key_separator : ": ";
  }

  Status dump(const Value& v, int level, std::string& out) {
    if (level > 500) return invalid_argument("Circular reference detected");
    switch (v.kind()) {
      case Value::Kind::kNone: out += "null"; return ok_status();
      case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; return ok_status();
      case Value::Kind::kInt: out += std::to_string(v.as_int()); return ok_status();
      case Value::Kind::kFloat: {
        double d = v.as_double();
        if (std::isnan(d)) {
          out += "NaN";
        } else if (std::isinf(d)) {
          out += d > 0 ? "Infinity" : "-Infinity";
        } else {
          out += format_python_float(d);
        }
        return ok_status();
      }
      case Value::Kind::kString: out += json_quote(v.as_string(), o_.ensure_ascii); return ok_status();
      case Value::Kind::kList: {
        if (v.items().empty()) {
          out += "[]";
          return ok_status();
        }
        out += "[";
        for (size_t i = 0; i < v.items().size(); ++i) {
          if (i) out += item_sep_;
          newline(level + 1, out);
          GB_RETURN_IF_ERROR(dump(v.items()[i], level + 1, out));
        }
        newline(level, out);
        out += "]";
        return ok_status();
      }
      case Value::Kind::kDict: {
        if (v.is_namespace()) break;
        std::vector<std::pair<std::string, const Value*>> entries;
        for (const auto& [key, value] : v.dict_data().items) {
          std::string k;
          if (key.is_string()) {
            k = key.as_string();
          } else if (key.is_bool()) {
            k = key.as_bool() ? "true" : "false";
          } else if (key.is_int() || key.is_float()) {
            k = key.repr();
          } else if (key.is_none()) {
            k = "null";
          } else {
            return invalid_argument("keys must be str, int, float, bool or None, not " + key.type_name());
          }
          entries.emplace_back(std::move(k), &value);
        }
        if (o_.sort_keys) {
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        if (entries.empty()) {
          out += "{}";
          return ok_status();
        }
        out += "{";
        for (size_t i = 0; i < entries.size(); ++i) {
          if (i) out += item_sep_;
          newline(level + 1, out);
          out += json_quote(entries[i].first, o_.ensure_ascii);
          out += key_sep_;
          GB_RETURN_IF_ERROR(dump(*entries[i].second, level + 1, out));
        }
        newline(level, out);
        out += "}";
        return ok_status();
      }
      default:
        break;
    }
    return invalid_argument("Object of type " + v.type_name() + " is not JSON serializable");
  }

 private:
  void newline(int level, std::string& out) const {
    if (!o_.has_indent) return;
    out += '\n';
    for (int i = 0; i < level; ++i) out += o_.indent;
  }

  const JsonDumpOptions& o_;
  std::string item_sep_;
  std::string key_sep_;
};

}  // namespace

Result<std::string> python_json_dumps(const Value& value, const JsonDumpOptions& options) {
  Dumper dumper(options);
  std::string out;
  GB_RETURN_IF_ERROR(dumper.dump(value, 0, out));
  return out;
}

}  // namespace glassbox::chat
