// JsonSchema: what each keyword compiles to, and the errors for what cannot be compiled.
#include "constrain/json_schema.h"

#include <gtest/gtest.h>

namespace glassbox::constrain {
namespace {

std::shared_ptr<const JsonSchema> must(std::string_view text) {
  auto s = JsonSchema::compile_text(text);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : nullptr;
}

std::string error_of(std::string_view text) {
  auto s = JsonSchema::compile_text(text);
  return s.ok() ? "" : s.status().message();
}

TEST(JsonSchemaTest, KeepsPropertyOrderAndRequiredFlags) {
  auto s = must(R"({"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"},
                    "mid":{"type":"boolean"}},"required":["alpha"]})");
  const SchemaNode& n = *s->root();
  ASSERT_EQ(n.kind, NodeKind::kObject);
  ASSERT_EQ(n.properties.size(), 3u);
  EXPECT_EQ(n.properties[0].name, "zeta");
  EXPECT_EQ(n.properties[0].key, "\"zeta\"");
  EXPECT_FALSE(n.properties[0].required);
  EXPECT_TRUE(n.properties[1].required);
  EXPECT_EQ(n.properties[1].value->kind, NodeKind::kInteger);
  EXPECT_EQ(n.properties[2].value->kind, NodeKind::kLiteral);
  EXPECT_EQ(n.next_required, (std::vector<uint32_t>{1, 1, 3, 3}));
}

TEST(JsonSchemaTest, EnumAndConstBecomeSortedLiterals) {
  auto s = must(R"({"enum":["b", 12, "a", null, {"x": [1, 2]}, 12]})");
  ASSERT_EQ(s->root()->kind, NodeKind::kLiteral);
  EXPECT_EQ(s->root()->literals, (std::vector<std::string>{"\"a\"", "\"b\"", "12", "null", R"({"x":[1,2]})"}));
  EXPECT_EQ(must(R"({"const":"é\"q"})")->root()->literals, std::vector<std::string>{"\"é\\\"q\""});
}

TEST(JsonSchemaTest, TypeListAndAnyOfFlatten) {
  auto s = must(R"({"anyOf":[{"type":["string","null"]},{"oneOf":[{"type":"integer"},{"type":"array"}]}]})");
  ASSERT_EQ(s->root()->kind, NodeKind::kAnyOf);
  ASSERT_EQ(s->root()->alternatives.size(), 4u);
  EXPECT_EQ(s->root()->alternatives[0]->kind, NodeKind::kString);
  EXPECT_EQ(s->root()->alternatives[1]->kind, NodeKind::kLiteral);
  EXPECT_EQ(s->root()->alternatives[3]->kind, NodeKind::kArray);
}

TEST(JsonSchemaTest, LimitsAreRead) {
  auto a = must(R"({"type":"array","items":{"type":"string","minLength":2,"maxLength":5},"minItems":1,
                    "maxItems":3})");
  EXPECT_EQ(a->root()->min_items, 1);
  EXPECT_EQ(a->root()->max_items, 3);
  EXPECT_EQ(a->root()->items->min_length, 2);
  EXPECT_EQ(a->root()->items->max_length, 5);
}

TEST(JsonSchemaTest, FreeObjectsTakeAnyKeyWithTheAdditionalPropertiesSchema) {
  auto s = must(R"({"type":"object","additionalProperties":{"type":"number"}})");
  EXPECT_TRUE(s->root()->properties.empty());
  ASSERT_NE(s->root()->extra, nullptr);
  EXPECT_EQ(s->root()->extra->kind, NodeKind::kNumber);
  auto closed = must(R"({"type":"object","additionalProperties":false})");
  EXPECT_EQ(closed->root()->extra, nullptr);
  EXPECT_EQ(JsonSchema::any_object()->root()->kind, NodeKind::kObject);
}

TEST(JsonSchemaTest, RecursiveRefsResolveToOneNode) {
  auto s = must(R"({"$defs":{"tree":{"type":"object","properties":{"kids":{"type":"array",
                    "items":{"$ref":"#/$defs/tree"}}},"required":["kids"]}},"$ref":"#/$defs/tree"})");
  const SchemaNode* root = s->root();
  ASSERT_EQ(root->kind, NodeKind::kObject);
  EXPECT_EQ(root->properties[0].value->items, root);
}

TEST(JsonSchemaTest, IgnoresAnnotationsAndUnenforcedKeywords) {
  auto s = must(R"({"type":"string","title":"t","description":"d","format":"uri","pattern":"^a","default":"x",
                    "x-vendor":1})");
  EXPECT_EQ(s->root()->kind, NodeKind::kString);
  EXPECT_EQ(must("{}")->root()->kind, NodeKind::kAnyOf);  // any value
}

TEST(JsonSchemaTest, RejectsWhatItCannotCompileNamingWhere) {
  EXPECT_EQ(error_of(R"({"type":"object","properties":{"a":{"not":{"type":"string"}}}})"),
            "schema at /properties/a: keyword `not` is not supported");
  EXPECT_EQ(error_of(R"({"$ref":"https://example.com/s.json"})"),
            "schema at /$ref: only local references (#/...) are supported, got 'https://example.com/s.json'");
  EXPECT_EQ(error_of(R"({"$ref":"#/$defs/missing"})"),
            "schema at /$ref: '#/$defs/missing' does not name a schema in this document");
  EXPECT_EQ(error_of(R"({"type":"date"})"), "schema at /type: unknown type 'date'");
  EXPECT_EQ(error_of("false"), "schema at /: the schema `false` accepts nothing");
  EXPECT_EQ(error_of(R"({"enum":[]})"), "schema at /enum: expected a non-empty array");
  EXPECT_EQ(error_of(R"({"type":"array","minItems":3,"maxItems":2})"), "schema at /: minItems > maxItems");
  EXPECT_EQ(error_of(R"({"type":"string","minLength":-1})"), "schema at /minLength: expected a non-negative integer");
  EXPECT_EQ(error_of(R"({"allOf":[{"type":"string"},{"maxLength":3}]})"),
            "schema at /allOf: only an allOf of exactly one schema is supported");
  EXPECT_EQ(error_of(R"({"type":"array","items":[{"type":"string"}]})"),
            "schema at /items: tuple-form items (an array of schemas) is not supported");
  EXPECT_NE(error_of(R"({"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"})"), "");
  EXPECT_EQ(error_of("[1"), "schema: not valid JSON");
}

}  // namespace
}  // namespace glassbox::constrain
