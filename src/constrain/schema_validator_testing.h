// A small JSON Schema validator for the subset json_schema.h compiles, written independently of the compiler
// and the recognizer so tests can check generated values against the schema they were generated for.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace glassbox::constrain::testing {

using Json = nlohmann::ordered_json;

inline size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// "" when `value` satisfies `schema` (document `root` for $ref), else why not.
inline std::string why_invalid(const Json& value, const Json& schema, const Json& root) {
  if (schema.is_boolean()) return schema.get<bool>() ? "" : "schema false";
  if (schema.contains("$ref")) {
    std::string ref = schema["$ref"];
    return why_invalid(value, ref == "#" ? root : root.at(Json::json_pointer(ref.substr(1))), root);
  }
  if (schema.contains("allOf")) return why_invalid(value, schema["allOf"][0], root);
  for (const char* k : {"anyOf", "oneOf"}) {
    if (!schema.contains(k)) continue;
    std::string reasons;
    for (const Json& alt : schema[k]) {
      std::string r = why_invalid(value, alt, root);
      if (r.empty()) return "";
      reasons += "[" + r + "]";
    }
    return std::string("no ") + k + " alternative matches: " + reasons;
  }
  if (schema.contains("const") && value != schema["const"]) return "not the const " + schema["const"].dump();
  if (schema.contains("enum")) {
    bool found = false;
    for (const Json& e : schema["enum"]) found = found || e == value;
    if (!found) return "not in enum: " + value.dump();
  }
  if (schema.contains("type")) {
    Json types = schema["type"].is_array() ? schema["type"] : Json::array({schema["type"]});
    bool ok = false;
    for (const Json& t : types) {
      const std::string type = t;
      ok = ok || (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
           (type == "string" && value.is_string()) || (type == "number" && value.is_number()) ||
           (type == "integer" && value.is_number_integer()) || (type == "boolean" && value.is_boolean()) ||
           (type == "null" && value.is_null());
    }
    if (!ok) return "wrong type for " + value.dump() + " (want " + types.dump() + ")";
  }
  if (value.is_object()) {
    if (schema.contains("required")) {
      for (const Json& r : schema["required"]) {
        if (!value.contains(r.get<std::string>())) return "missing required " + r.dump();
      }
    }
    for (const auto& [k, v] : value.items()) {
      if (schema.contains("properties") && schema["properties"].contains(k)) {
        std::string r = why_invalid(v, schema["properties"][k], root);
        if (!r.empty()) return "." + k + ": " + r;
      } else if (schema.contains("additionalProperties")) {
        const Json& ap = schema["additionalProperties"];
        std::string r = ap.is_boolean() ? (ap.get<bool>() ? "" : "extra property " + k) : why_invalid(v, ap, root);
        if (!r.empty()) return "." + k + ": " + r;
      }
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) return "too few items";
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>()) return "too many items";
    if (schema.contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string r = why_invalid(value[i], schema["items"], root);
        if (!r.empty()) return "[" + std::to_string(i) + "]: " + r;
      }
    }
  }
  if (value.is_string()) {
    const size_t n = code_points(value.get<std::string>());
    if (schema.contains("minLength") && n < schema["minLength"].get<size_t>()) return "string too short";
    if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>()) return "string too long";
  }
  return "";
}

}  // namespace glassbox::constrain::testing
