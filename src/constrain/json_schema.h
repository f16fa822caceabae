// JsonSchema: a JSON Schema subset compiled into a graph of nodes that the byte recognizer walks.
//
// Supported: type (one or a list), properties + required (+ additionalProperties), items, minItems/maxItems,
// minLength/maxLength, enum, const, anyOf/oneOf (oneOf treated as anyOf), allOf of one schema, local $ref
// (#, #/$defs/..., #/definitions/..., recursion allowed), boolean schema `true`, nested objects. Annotations
// (title, description, default, examples, $schema, ...) and value checks the recognizer cannot honour yet
// (pattern, format, minimum/maximum, multipleOf, uniqueItems, ...) are ignored. Errors for what cannot be
// compiled: not, if/then/else, prefixItems or tuple `items`, allOf of several schemas, a non-local or dangling
// $ref, an unknown type, `false`, an empty enum, minItems > maxItems, minLength > maxLength.
//
// Generation choices (all produce values that validate): object properties are written in the schema's order,
// required ones always, optional ones may be skipped; no properties beyond the declared ones are written (an
// object schema without properties whose additionalProperties is not false takes any keys, with values of the
// additionalProperties schema); numbers have at most 15 integer and 15 fraction digits and a 2-digit exponent.
//
// Immutable after compile(): share it between threads and requests.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace glassbox::constrain {

enum class NodeKind { kObject, kArray, kString, kNumber, kInteger, kLiteral, kAnyOf };

struct SchemaNode;

struct Property {
  std::string name;
  std::string key;  // how it is written: JSON string, quotes included ("\"name\"")
  const SchemaNode* value = nullptr;
  bool required = false;
};

struct SchemaNode {
  NodeKind kind = NodeKind::kAnyOf;
  // kObject. Declared form: `properties` in order, `next_required[i]` = the first required index >= i
  // (properties.size() when none), size properties.size() + 1. Free form (no properties): `extra` is the
  // schema of every value and `key` the string node for keys; both null means only `{}`.
  std::vector<Property> properties;
  std::vector<uint32_t> next_required;
  const SchemaNode* extra = nullptr;
  const SchemaNode* key = nullptr;
  // kArray
  const SchemaNode* items = nullptr;
  int64_t min_items = 0;
  int64_t max_items = -1;  // -1: unbounded
  // kString (lengths in characters: code points, an escape counts as one)
  int64_t min_length = 0;
  int64_t max_length = -1;  // -1: unbounded
  // kLiteral: compact JSON texts, sorted bytewise, unique (enum, const, boolean, null)
  std::vector<std::string> literals;
  // kAnyOf: flattened, never nested anyOf
  std::vector<const SchemaNode*> alternatives;
};

class JsonSchema {
 public:
  // Compiles `schema`; errors name the schema location (a JSON pointer) and the keyword. Object key order of
  // ordered_json is the generation order of properties.
  static Result<std::shared_ptr<const JsonSchema>> compile(const nlohmann::ordered_json& schema);
  // As compile(), from JSON text.
  static Result<std::shared_ptr<const JsonSchema>> compile_text(std::string_view schema_text);
  // Any JSON object (OpenAI's response_format json_object).
  static std::shared_ptr<const JsonSchema> any_object();

  const SchemaNode* root() const { return root_; }

 private:
  friend class SchemaCompiler;
  std::deque<SchemaNode> nodes_;  // stable addresses; nodes point at each other (cycles through $ref)
  const SchemaNode* root_ = nullptr;
};

}  // namespace glassbox::constrain
