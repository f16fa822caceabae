// JSON Schema subset → SchemaNode graph (see json_schema.h for what is supported and why).
#include "constrain/json_schema.h"

#include <algorithm>
#include <map>

namespace glassbox::constrain {

using Json = nlohmann::ordered_json;

namespace {

constexpr int kMaxSchemaDepth = 64;
constexpr size_t kMaxNodes = 20000;

// Keywords that change what is valid and that cannot be compiled: an error rather than a silent mismatch.
constexpr const char* kRejected[] = {"not", "if", "then", "else", "prefixItems", "contains", "dependentSchemas",
                                     "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"};

std::string escape_pointer_token(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace

class SchemaCompiler {
 public:
  SchemaCompiler(const Json& document, JsonSchema* out) : document_(document), out_(out) {}

  Result<const SchemaNode*> compile(const Json& schema, const std::string& where, int depth) {
    if (depth > kMaxSchemaDepth) return fail(where, "nested deeper than 64 levels");
    if (out_->nodes_.size() > kMaxNodes) return fail(where, "the schema is too large (over 20000 nodes)");
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) return fail(where, "the schema `false` accepts nothing");
      return any();
    }
    if (!schema.is_object()) return fail(where, std::string("expected a schema object, got ") + schema.type_name());
    for (const char* k : kRejected) {
      if (schema.contains(k)) return fail(where, std::string("keyword `") + k + "` is not supported");
    }
    if (auto it = schema.find("$ref"); it != schema.end()) return ref(*it, where, depth);
    if (auto it = schema.find("allOf"); it != schema.end()) {
      if (!it->is_array() || it->size() != 1) {
        return fail(where + "/allOf", "only an allOf of exactly one schema is supported");
      }
      return compile((*it)[0], where + "/allOf/0", depth + 1);
    }
    for (const char* k : {"anyOf", "oneOf"}) {
      if (auto it = schema.find(k); it != schema.end()) return any_of(*it, where + "/" + k, depth);
    }
    if (auto it = schema.find("const"); it != schema.end()) return literal({*it});
    if (auto it = schema.find("enum"); it != schema.end()) {
      if (!it->is_array() || it->empty()) return fail(where + "/enum", "expected a non-empty array");
      return literal(std::vector<Json>(it->begin(), it->end()));
    }
    std::vector<std::string> types;
    if (auto it = schema.find("type"); it != schema.end()) {
      if (it->is_string()) {
        types.push_back(*it);
      } else if (it->is_array() && !it->empty()) {
        for (const Json& t : *it) {
          if (!t.is_string()) return fail(where + "/type", "expected a string or an array of strings");
          types.push_back(t);
        }
      } else {
        return fail(where + "/type", "expected a string or a non-empty array of strings");
      }
    } else if (schema.contains("properties") || schema.contains("required") ||
               schema.contains("additionalProperties")) {
      types.push_back("object");
    } else if (schema.contains("items") || schema.contains("minItems") || schema.contains("maxItems")) {
      types.push_back("array");
    } else if (schema.contains("minLength") || schema.contains("maxLength")) {
      types.push_back("string");
    } else {
      return any();
    }
    std::vector<const SchemaNode*> alts;
    for (const std::string& type : types) {
      auto node = typed(schema, type, where, depth);
      if (!node.ok()) return node.status();
      alts.push_back(*node);
    }
    if (alts.size() == 1) return alts[0];
    return make_any_of(alts);
  }

  const SchemaNode* any() {
    if (any_) return any_;
    SchemaNode& a = add(NodeKind::kAnyOf);
    any_ = &a;
    SchemaNode& obj = add(NodeKind::kObject);
    obj.extra = &a;
    obj.key = plain_string();
    obj.next_required = {0};
    SchemaNode& arr = add(NodeKind::kArray);
    arr.items = &a;
    SchemaNode& num = add(NodeKind::kNumber);
    a.alternatives = {&obj, &arr, plain_string(), &num, *literal({Json(false), Json(true), Json(nullptr)})};
    return any_;
  }

  const SchemaNode* any_object() {
    any();
    return any_->alternatives[0];
  }

 private:
  Status fail(const std::string& where, const std::string& what) {
    return invalid_argument("schema at " + (where.empty() ? std::string("/") : where) + ": " + what);
  }

  SchemaNode& add(NodeKind kind) {
    out_->nodes_.emplace_back();
    out_->nodes_.back().kind = kind;
    return out_->nodes_.back();
  }

  const SchemaNode* plain_string() {
    if (!plain_string_) plain_string_ = &add(NodeKind::kString);
    return plain_string_;
  }

  Result<const SchemaNode*> literal(const std::vector<Json>& values) {
    SchemaNode& n = add(NodeKind::kLiteral);
    for (const Json& v : values) n.literals.push_back(v.dump(-1, ' ', false, Json::error_handler_t::replace));
    std::sort(n.literals.begin(), n.literals.end());
    n.literals.erase(std::unique(n.literals.begin(), n.literals.end()), n.literals.end());
    return &n;
  }

  const SchemaNode* make_any_of(const std::vector<const SchemaNode*>& alts) {
    SchemaNode& n = add(NodeKind::kAnyOf);
    n.alternatives = alts;
    return &n;
  }

  Result<const SchemaNode*> any_of(const Json& list, const std::string& where, int depth) {
    if (!list.is_array() || list.empty()) return fail(where, "expected a non-empty array of schemas");
    // A placeholder first, so that a $ref cycle through this anyOf finds it; alternatives that are themselves
    // anyOf nodes are flattened (the recognizer forks once per alternative).
    SchemaNode& n = add(NodeKind::kAnyOf);
    for (size_t i = 0; i < list.size(); ++i) {
      auto alt = compile(list[i], where + "/" + std::to_string(i), depth + 1);
      if (!alt.ok()) return alt.status();
      if ((*alt)->kind == NodeKind::kAnyOf && !(*alt)->alternatives.empty()) {
        for (const SchemaNode* a : (*alt)->alternatives) n.alternatives.push_back(a);
      } else if ((*alt)->kind == NodeKind::kAnyOf) {
        return fail(where + "/" + std::to_string(i), "an anyOf that refers to itself before any value");
      } else {
        n.alternatives.push_back(*alt);
      }
    }
    if (n.alternatives.size() == 1) return n.alternatives[0];
    return &n;
  }

  Result<const SchemaNode*> ref(const Json& target, const std::string& where, int depth) {
    if (!target.is_string()) return fail(where + "/$ref", "expected a string");
    const std::string pointer = target;
    if (pointer.empty() || pointer[0] != '#') {
      return fail(where + "/$ref", "only local references (#/...) are supported, got '" + pointer + "'");
    }
    if (auto it = refs_.find(pointer); it != refs_.end()) return it->second;
    const Json* node = &document_;
    try {
      if (pointer.size() > 1) node = &document_.at(Json::json_pointer(pointer.substr(1)));
    } catch (const nlohmann::json::exception&) {
      return fail(where + "/$ref", "'" + pointer + "' does not name a schema in this document");
    }
    // A placeholder is registered first, so a recursive reference (through properties or items) points at it;
    // the compiled node is then copied into it. A reference looping back without a value in between (A = anyOf
    // [A, ...]) meets the empty placeholder, which any_of() reports.
    SchemaNode& placeholder = add(NodeKind::kAnyOf);
    refs_[pointer] = &placeholder;
    auto compiled = compile(*node, pointer.substr(1), depth + 1);
    if (!compiled.ok()) return compiled.status();
    if (*compiled == &placeholder) return fail(where + "/$ref", "'" + pointer + "' refers only to itself");
    placeholder = **compiled;
    return &placeholder;
  }

  Result<int64_t> count(const Json& schema, const char* name, const std::string& where) {
    auto it = schema.find(name);
    if (it == schema.end()) return int64_t{-1};
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > (int64_t{1} << 30)) {
      return fail(where + "/" + name, "expected a non-negative integer");
    }
    return it->get<int64_t>();
  }

  Result<const SchemaNode*> typed(const Json& schema, const std::string& type, const std::string& where,
                                  int depth) {
    if (type == "string") {
      auto lo = count(schema, "minLength", where);
      auto hi = count(schema, "maxLength", where);
      if (!lo.ok()) return lo.status();
      if (!hi.ok()) return hi.status();
      if (*lo < 0 && *hi < 0) return plain_string();
      SchemaNode& n = add(NodeKind::kString);
      n.min_length = std::max<int64_t>(*lo, 0);
      n.max_length = *hi;
      if (n.max_length >= 0 && n.min_length > n.max_length) return fail(where, "minLength > maxLength");
      return &n;
    }
    if (type == "number") return &add(NodeKind::kNumber);
    if (type == "integer") return &add(NodeKind::kInteger);
    if (type == "boolean") return literal({Json(false), Json(true)});
    if (type == "null") return literal({Json(nullptr)});
    if (type == "array") {
      if (auto it = schema.find("items"); it != schema.end() && it->is_array()) {
        return fail(where + "/items", "tuple-form items (an array of schemas) is not supported");
      }
      SchemaNode& n = add(NodeKind::kArray);
      auto lo = count(schema, "minItems", where);
      auto hi = count(schema, "maxItems", where);
      if (!lo.ok()) return lo.status();
      if (!hi.ok()) return hi.status();
      n.min_items = std::max<int64_t>(*lo, 0);
      n.max_items = *hi;
      if (n.max_items >= 0 && n.min_items > n.max_items) return fail(where, "minItems > maxItems");
      if (auto it = schema.find("items"); it != schema.end()) {
        auto items = compile(*it, where + "/items", depth + 1);
        if (!items.ok()) return items.status();
        n.items = *items;
      } else {
        n.items = any();
      }
      return &n;
    }
    if (type == "object") return object(schema, where, depth);
    return fail(where + "/type", "unknown type '" + type + "'");
  }

  Result<const SchemaNode*> object(const Json& schema, const std::string& where, int depth) {
    SchemaNode& n = add(NodeKind::kObject);
    std::vector<std::string> required;
    if (auto it = schema.find("required"); it != schema.end()) {
      if (!it->is_array()) return fail(where + "/required", "expected an array of strings");
      for (const Json& r : *it) {
        if (!r.is_string()) return fail(where + "/required", "expected an array of strings");
        required.push_back(r);
      }
    }
    auto is_required = [&](const std::string& name) {
      return std::find(required.begin(), required.end(), name) != required.end();
    };
    if (auto it = schema.find("properties"); it != schema.end()) {
      if (!it->is_object()) return fail(where + "/properties", "expected an object");
      for (const auto& [name, sub] : it->items()) {
        auto value = compile(sub, where + "/properties/" + escape_pointer_token(name), depth + 1);
        if (!value.ok()) return value.status();
        n.properties.push_back({name, Json(name).dump(-1, ' ', false, Json::error_handler_t::replace), *value,
                                is_required(name)});
      }
    }
    // A required name without a declared schema is written with any value.
    for (const std::string& name : required) {
      bool declared = std::any_of(n.properties.begin(), n.properties.end(),
                                  [&](const Property& p) { return p.name == name; });
      if (!declared) n.properties.push_back({name, Json(name).dump(), any(), true});
    }
    if (n.properties.empty()) {
      auto ap = schema.find("additionalProperties");
      if (ap == schema.end() || (ap->is_boolean() && ap->get<bool>())) {
        n.extra = any();
        n.key = plain_string();
      } else if (ap->is_object()) {
        auto extra = compile(*ap, where + "/additionalProperties", depth + 1);
        if (!extra.ok()) return extra.status();
        n.extra = *extra;
        n.key = plain_string();
      } else if (!ap->is_boolean()) {
        return fail(where + "/additionalProperties", "expected a boolean or a schema");
      }
    }
    n.next_required.assign(n.properties.size() + 1, static_cast<uint32_t>(n.properties.size()));
    for (size_t i = n.properties.size(); i-- > 0;) {
      n.next_required[i] = n.properties[i].required ? static_cast<uint32_t>(i) : n.next_required[i + 1];
    }
    return &n;
  }

  const Json& document_;
  JsonSchema* out_;
  std::map<std::string, const SchemaNode*> refs_;
  const SchemaNode* any_ = nullptr;
  const SchemaNode* plain_string_ = nullptr;
};

Result<std::shared_ptr<const JsonSchema>> JsonSchema::compile(const Json& schema) {
  auto out = std::shared_ptr<JsonSchema>(new JsonSchema());
  SchemaCompiler compiler(schema, out.get());
  auto root = compiler.compile(schema, "", 0);
  if (!root.ok()) return root.status();
  out->root_ = *root;
  return std::shared_ptr<const JsonSchema>(std::move(out));
}

Result<std::shared_ptr<const JsonSchema>> JsonSchema::compile_text(std::string_view schema_text) {
  Json schema = Json::parse(schema_text, nullptr, false);
  if (schema.is_discarded()) return invalid_argument("schema: not valid JSON");
  return compile(schema);
}

std::shared_ptr<const JsonSchema> JsonSchema::any_object() {
  auto out = std::shared_ptr<JsonSchema>(new JsonSchema());
  Json empty = Json::object();
  SchemaCompiler compiler(empty, out.get());
  out->root_ = compiler.any_object();
  return out;
}

}  // namespace glassbox::constrain
