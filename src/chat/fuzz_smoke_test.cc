// Fuzz smoke test: deterministic mutations of the fixture templates must parse or fail cleanly, and render
// or fail cleanly: never crash, never hang.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "chat/chat_template.h"
#include "chat/template.h"

namespace glassbox::chat {
namespace {

namespace fs = std::filesystem;

Value sample_context() {
  auto j = nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi <b>"},
                 {"role": "assistant", "content": "", "tool_calls": [{"id": "abcdefghi", "type": "function",
                   "function": {"name": "f", "arguments": {"a": 1}}}]},
                 {"role": "tool", "tool_call_id": "abcdefghi", "content": "ok"}],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer", "description": "x"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})");
  return value_from_json(j);
}

std::string mutate(const std::string& src, std::mt19937& rng) {
  static const char* kFragments[] = {"{%", "%}", "{{", "}}", "{#", "#}", "-", "(", ")", "[", "]", "'", "\"",
                                     "|", ".", "endif", "endfor", "{% for x in y %}", "{% macro m() %}",
                                     "{{ m() }}", "{% if", "not", " is ", "*", "**", "~", "\\", "\xff"};
  std::string s = src;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t pos = rng() % s.size();
    switch (rng() % 4) {
      case 0:  // truncate
        s.resize(pos);
        break;
      case 1:  // flip a byte
        s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      case 2:  // delete a span
        s.erase(pos, 1 + rng() % 16);
        break;
      default:  // insert a syntax fragment
        s.insert(pos, kFragments[rng() % (sizeof(kFragments) / sizeof(kFragments[0]))]);
    }
  }
  return s;
}

TEST(FuzzSmokeTest, MutatedFixtureTemplatesNeverCrashOrHang) {
  const std::string dir = GLASSBOX_SHARED_DIR "/fixtures/chat_templates";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  std::vector<std::string> sources;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".jinja") continue;
    auto text = read_file_to_string(entry.path().string());
    ASSERT_TRUE(text.ok());
    sources.push_back(*text);
  }
  ASSERT_FALSE(sources.empty());
  std::sort(sources.begin(), sources.end());
  std::mt19937 rng(20241128);
  Value context = sample_context();
  RenderLimits limits;
  limits.max_loop_iterations = 20000;
  limits.max_output_bytes = 1 << 20;
  int parsed = 0, rendered = 0, total = 0;
  for (int round = 0; round < 600; ++round) {
    for (const auto& src : sources) {
      std::string mutated = mutate(src, rng);
      ++total;
      auto t = Template::parse(mutated);
      if (!t.ok()) {
        EXPECT_FALSE(t.status().message().empty());
        continue;
      }
      ++parsed;
      auto out = t->render(context, limits);
      if (out.ok()) ++rendered;
    }
  }
  // Sanity: the mutations exercise both outcomes.
  EXPECT_GT(parsed, total / 20);
  EXPECT_LT(parsed, total);
  std::printf("fuzz smoke: %d mutations, %d parsed, %d rendered\n", total, parsed, rendered);
}

TEST(FuzzSmokeTest, DeeplyNestedInputIsAnErrorNotAStackOverflow) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_FALSE(Template::parse(deep).ok());
  std::string blocks;
  for (int i = 0; i < 5000; ++i) blocks += "{% if true %}";
  EXPECT_FALSE(Template::parse(blocks).ok());
  std::string lists = "{{ " + std::string(5000, '[') + " }}";
  EXPECT_FALSE(Template::parse(lists).ok());
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_FALSE(Template::parse(nots + "x }}").ok());
  std::string minus = "{{ " + std::string(5000, '-') + "1 }}";
  EXPECT_FALSE(Template::parse(minus).ok());
}

TEST(FuzzSmokeTest, DeepAndCyclicValuesDoNotOverflowTheStack) {
  // 200000 levels of nesting built at run time, then printed, compared and destroyed.
  auto t = Template::parse(
      "{% set ns = namespace(x=[]) %}{% for i in range(200000) %}{% set ns.x = [ns.x] %}{% endfor %}"
      "{{ (ns.x|string)[:12] }}{{ ns.x == ns.x }}{{ ns.x == [ns.x] }}{% set ns.self = ns %}{{ (ns|string)[:30] }}");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  auto out = t->render(Value::dict());
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(out->substr(0, 12), "[[[[[[[[[[[[");
}

TEST(FuzzSmokeTest, HugeNumbersDoNotOverflow) {
  auto t = Template::parse("{{ 2 ** 200 }} {{ 9223372036854775807 + 1 }} {{ -9223372036854775807 - 2 }} "
                           "{{ (2 ** 62) * 4 }} {{ 1e300|int > 0 }} {{ range(9223372036854775800, 9223372036854775807, 5)|list|length }}");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  auto out = t->render(Value::dict());
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "1.6069380442589903e+60 9.223372036854776e+18 -9.223372036854776e+18 1.8446744073709552e+19 True 2");
}

}  // namespace
}  // namespace glassbox::chat
