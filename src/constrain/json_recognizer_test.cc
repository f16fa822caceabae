// JsonRecognizer: texts each keyword accepts and refuses, byte by byte.
#include "constrain/json_recognizer.h"

#include <gtest/gtest.h>

namespace glassbox::constrain {
namespace {

// Whether `text` is a whole value for `schema` (every byte accepted, complete at the end).
bool accepts(std::string_view schema, std::string_view text) {
  auto s = JsonSchema::compile_text(schema);
  EXPECT_TRUE(s.ok()) << s.status().message();
  JsonRecognizer r(*s);
  return r.advance(text) && r.complete();
}

// Whether `text` can still be continued into a value (a valid prefix).
bool prefix(std::string_view schema, std::string_view text) {
  JsonRecognizer r(*JsonSchema::compile_text(schema));
  return r.advance(text);
}

TEST(JsonRecognizerTest, ObjectsFollowPropertiesAndRequired) {
  const char* s = R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},
                      "c":{"type":"boolean"}},"required":["b"]})";
  EXPECT_TRUE(accepts(s, R"({"b":"x"})"));
  EXPECT_TRUE(accepts(s, R"({"a":1,"b":"x","c":true})"));
  EXPECT_TRUE(accepts(s, "{\n  \"a\": -12,\n  \"b\": \"\"\n}"));
  EXPECT_FALSE(accepts(s, R"({"a":1})"));           // b is required
  EXPECT_FALSE(prefix(s, R"({"c")"));               // c cannot come before the required b
  EXPECT_FALSE(prefix(s, R"({"b":"x","a")"));       // schema order
  EXPECT_FALSE(prefix(s, R"({"d")"));               // undeclared
  EXPECT_FALSE(prefix(s, R"({"a":"1")"));           // wrong value type
  EXPECT_FALSE(prefix(s, R"({"b":"x",})"));
  EXPECT_TRUE(accepts(R"({"type":"object","properties":{"o":{"type":"string"}}})", "{}"));
}

TEST(JsonRecognizerTest, KeysSharingPrefixesAreTellApart) {
  const char* s = R"({"type":"object","properties":{"ab":{"type":"null"},"abc":{"type":"null"},
                      "a":{"type":"null"}}})";
  EXPECT_TRUE(accepts(s, R"({"abc":null,"a":null})"));
  EXPECT_TRUE(accepts(s, R"({"ab":null,"abc":null,"a":null})"));
  EXPECT_TRUE(accepts(s, R"({"a":null})"));
  EXPECT_FALSE(prefix(s, R"({"abcd")"));
}

TEST(JsonRecognizerTest, FreeObjectsTakeAnyKeys) {
  EXPECT_TRUE(accepts(R"({"type":"object"})", R"({"k":[1,{"z":null}],"":"v"})"));
  EXPECT_TRUE(accepts(R"({"type":"object","additionalProperties":{"type":"integer"}})", R"({"x":1,"y":2})"));
  EXPECT_FALSE(prefix(R"({"type":"object","additionalProperties":{"type":"integer"}})", R"({"x":1.5)"));
  EXPECT_TRUE(accepts(R"({"type":"object","additionalProperties":false})", "{ }"));
  EXPECT_FALSE(prefix(R"({"type":"object","additionalProperties":false})", R"({")"));
}

TEST(JsonRecognizerTest, ArraysCountItems) {
  const char* s = R"({"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3})";
  EXPECT_FALSE(accepts(s, "[1]"));
  EXPECT_TRUE(accepts(s, "[1, 2]"));
  EXPECT_TRUE(accepts(s, "[1,2,3]"));
  EXPECT_FALSE(prefix(s, "[1,2,3,"));
  EXPECT_FALSE(prefix(s, "[1]"));
  EXPECT_TRUE(accepts(R"({"type":"array"})", "[]"));
  EXPECT_FALSE(prefix(R"({"type":"array","maxItems":0})", "[1"));
}

TEST(JsonRecognizerTest, StringsCountCharactersAndCheckUtf8) {
  const char* s = R"({"type":"string","minLength":2,"maxLength":3})";
  EXPECT_FALSE(accepts(s, R"("a")"));
  EXPECT_TRUE(accepts(s, "\"\xC3\xA9\xE2\x82\xAC\"")); // é€: 2 characters, 5 bytes
  EXPECT_TRUE(accepts(s, R"("\n\u00e9\"")"));
  EXPECT_TRUE(accepts(s, R"("\ud83d\ude00x")"));     // a surrogate pair is one character
  EXPECT_FALSE(prefix(s, R"("abcd)"));
  const char* any = R"({"type":"string"})";
  EXPECT_FALSE(prefix(any, "\"\xC0\xAF"));            // overlong
  EXPECT_FALSE(prefix(any, "\"\xE0\x80"));            // overlong 3-byte
  EXPECT_FALSE(prefix(any, "\"\xED\xA0"));            // UTF-8 surrogate
  EXPECT_FALSE(prefix(any, "\"\xF4\x90"));            // past U+10FFFF
  EXPECT_FALSE(prefix(any, "\"\x01"));                // raw control character
  EXPECT_FALSE(prefix(any, R"("\x)"));                // unknown escape
  EXPECT_FALSE(prefix(any, R"("\udc00)"));            // lone low surrogate
  EXPECT_FALSE(prefix(any, R"("\ud800x)"));           // high surrogate without its pair
  EXPECT_FALSE(prefix(any, R"("\ud800\u0041)"));
  EXPECT_TRUE(prefix(any, "\"\xF0\x9F\x98"));         // a character split across tokens is a valid prefix
}

TEST(JsonRecognizerTest, NumbersFollowTheJsonGrammar) {
  const char* num = R"({"type":"number"})";
  for (const char* ok : {"0", "-0", "12", "1.5", "-0.25e+10", "3E2", "1e-5"}) EXPECT_TRUE(accepts(num, ok)) << ok;
  for (const char* bad : {"01", "-", "1.", ".5", "1e", "+1", "1.5.2", "--1"}) {
    EXPECT_FALSE(accepts(num, bad)) << bad;
  }
  EXPECT_TRUE(accepts(R"({"type":"integer"})", "-120"));
  EXPECT_FALSE(prefix(R"({"type":"integer"})", "1."));
  EXPECT_FALSE(prefix(R"({"type":"integer"})", "1e"));
  EXPECT_FALSE(prefix(num, "1234567890123456"));       // 16 integer digits: beyond the cap
}

TEST(JsonRecognizerTest, LiteralsMatchExactly) {
  const char* e = R"({"enum":["red", 1, 12, true, null, {"k":[1]}]})";
  for (const char* ok : {"\"red\"", "1", "12", "true", "null", "{\"k\":[1]}"}) EXPECT_TRUE(accepts(e, ok)) << ok;
  for (const char* bad : {"\"re\"", "2", "123", "false", "{\"k\":[2]}"}) EXPECT_FALSE(accepts(e, bad)) << bad;
  EXPECT_TRUE(accepts(R"({"type":"array","items":{"enum":[1,12]}})", "[1,12,1]"));
  EXPECT_TRUE(accepts(R"({"type":"boolean"})", "false"));
  EXPECT_TRUE(accepts(R"({"type":"null"})", "null"));
}

TEST(JsonRecognizerTest, AnyOfForksAndMerges) {
  const char* s = R"({"type":"array","items":{"anyOf":[{"type":"integer"},{"type":"number"},
                      {"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
                      {"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}]}})";
  EXPECT_TRUE(accepts(s, R"([1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,1.5])"));
  EXPECT_TRUE(accepts(s, R"([{"a":"x"},{"a":3}])"));
  EXPECT_FALSE(prefix(s, R"([{"a":true)"));
}

TEST(JsonRecognizerTest, EveryOneOfManyAlternativesStaysReachable) {
  // tool_choice any over 100 tools: all start with {"name": so all are alive until the name differs.
  std::string schema = R"({"anyOf":[)";
  for (int i = 0; i < 100; ++i) {
    if (i) schema += ",";
    schema += R"({"type":"object","properties":{"name":{"const":"tool_)" + std::to_string(i) +
              R"("},"arguments":{"type":"object"}},"required":["name","arguments"]})";
  }
  schema += "]}";
  for (int i : {0, 31, 32, 99}) {
    EXPECT_TRUE(accepts(schema, R"({"name":"tool_)" + std::to_string(i) + R"(","arguments":{}})")) << i;
  }
  EXPECT_FALSE(prefix(schema, R"({"name":"tool_100")"));
}

TEST(JsonRecognizerTest, RecursionThroughRefs) {
  const char* s = R"({"$defs":{"t":{"type":"object","properties":{"k":{"type":"array","items":{"$ref":"#/$defs/t"}}},
                      "required":["k"],"additionalProperties":false}},"$ref":"#/$defs/t"})";
  EXPECT_TRUE(accepts(s, R"({"k":[{"k":[]},{"k":[{"k":[]}]}]})"));
  EXPECT_FALSE(prefix(s, R"({"k":[{}])"));
}

TEST(JsonRecognizerTest, WhitespaceIsBoundedAndNothingFollowsTheValue) {
  const char* s = R"({"type":"object"})";
  EXPECT_FALSE(prefix(s, " "));  // nothing before the value
  EXPECT_TRUE(prefix(s, "{ "));
  EXPECT_FALSE(prefix(s, "{  "));
  EXPECT_FALSE(prefix(s, "{\n\n"));
  EXPECT_FALSE(prefix(s, "{ \n"));
  EXPECT_TRUE(prefix(s, "{\n" + std::string(kMaxIndent, ' ')));
  EXPECT_FALSE(prefix(s, "{\n" + std::string(kMaxIndent + 1, ' ')));
  EXPECT_TRUE(accepts(s, "{\n\t\"a\" : [ 1,\n  2 ]\n}"));
  JsonRecognizer r(*JsonSchema::compile_text(s));
  ASSERT_TRUE(r.advance("{}"));
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.finished());
  EXPECT_FALSE(r.advance(' '));
  JsonRecognizer n(*JsonSchema::compile_text(R"({"type":"integer"})"));
  ASSERT_TRUE(n.advance("12"));
  EXPECT_TRUE(n.complete());
  EXPECT_FALSE(n.finished());  // more digits may follow
}

TEST(JsonRecognizerTest, NestingIsBounded) {
  std::string deep(kMaxDepth, '[');
  EXPECT_FALSE(prefix("{}", deep));
  EXPECT_TRUE(prefix("{}", deep.substr(0, kMaxDepth - 2)));
}

}  // namespace
}  // namespace glassbox::constrain
