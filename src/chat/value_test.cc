// Value tests: Python's printing, truthiness and equality.
#include "chat/value.h"

#include <gtest/gtest.h>

#include "chat/json_dumps.h"

namespace glassbox::chat {
namespace {

TEST(ValueTest, FloatsPrintAsPythonRepr) {
  EXPECT_EQ(format_python_float(1.0), "1.0");
  EXPECT_EQ(format_python_float(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_python_float(1e16), "1e+16");
  EXPECT_EQ(format_python_float(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(format_python_float(1e-4), "0.0001");
  EXPECT_EQ(format_python_float(1e-5), "1e-05");
  EXPECT_EQ(format_python_float(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(format_python_float(-0.0), "-0.0");
  EXPECT_EQ(format_python_float(1.5e300), "1.5e+300");
}

TEST(ValueTest, StringsReprWithPythonQuoting) {
  EXPECT_EQ(python_string_repr("abc"), "'abc'");
  EXPECT_EQ(python_string_repr("it's"), "\"it's\"");
  EXPECT_EQ(python_string_repr("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(python_string_repr("a\nb\\"), "'a\\nb\\\\'");
  EXPECT_EQ(python_string_repr("é東"), "'é東'");
}

TEST(ValueTest, ContainersPrintAsPython) {
  Value d = Value::dict();
  d.dict_data().set(Value("a"), Value::list({Value(int64_t{1}), Value("x"), Value::none(), Value(true)}));
  d.dict_data().set(Value("b"), Value::tuple({Value(2.0)}));
  EXPECT_EQ(d.to_str(), "{'a': [1, 'x', None, True], 'b': (2.0,)}");
  EXPECT_EQ(Value::undefined("'x' is undefined").to_str(), "");
}

TEST(ValueTest, TruthinessFollowsPython) {
  EXPECT_FALSE(Value().truthy());
  EXPECT_FALSE(Value::none().truthy());
  EXPECT_FALSE(Value("").truthy());
  EXPECT_FALSE(Value(0.0).truthy());
  EXPECT_FALSE(Value::list().truthy());
  EXPECT_TRUE(Value::make_namespace().truthy());
  EXPECT_TRUE(Value(" ").truthy());
}

TEST(ValueTest, NumbersCompareAcrossTypes) {
  EXPECT_TRUE(Value(int64_t{1}).equals(Value(1.0)));
  EXPECT_TRUE(Value(true).equals(Value(int64_t{1})));
  EXPECT_FALSE(Value("1").equals(Value(int64_t{1})));
  EXPECT_TRUE(Value::list({Value("a")}).equals(Value::list({Value("a")})));
  EXPECT_FALSE(Value::list({Value("a")}).equals(Value::tuple({Value("a")})));
}

TEST(ValueTest, DictKeepsInsertionOrderAndOverwritesInPlace) {
  Value d = Value::dict();
  d.dict_data().set(Value("z"), Value(int64_t{1}));
  d.dict_data().set(Value("a"), Value(int64_t{2}));
  d.dict_data().set(Value("z"), Value(int64_t{3}));
  EXPECT_EQ(d.to_str(), "{'z': 3, 'a': 2}");
}

TEST(ValueTest, JsonDumpsMatchesPython) {
  Value d = Value::dict();
  d.dict_data().set(Value("k"), Value::list({Value(1.0), Value("é\"\n\x01"), Value::none()}));
  JsonDumpOptions o;
  EXPECT_EQ(*python_json_dumps(d, o), "{\"k\": [1.0, \"é\\\"\\n\\u0001\", null]}");
  o.ensure_ascii = true;
  EXPECT_EQ(*python_json_dumps(Value("é🚀"), o), "\"\\u00e9\\ud83d\\ude80\"");
  JsonDumpOptions indented;
  indented.has_indent = true;
  indented.indent = "  ";
  EXPECT_EQ(*python_json_dumps(d, indented), "{\n  \"k\": [\n    1.0,\n    \"é\\\"\\n\\u0001\",\n    null\n  ]\n}");
  EXPECT_FALSE(python_json_dumps(Value(), o).ok());
}

}  // namespace
}  // namespace glassbox::chat
