// Differential test: thousands of random expressions and statement templates render as Jinja2 renders them,
// or fail where it fails.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "chat/chat_template.h"
#include "chat/template.h"

namespace glassbox::chat {
namespace {

const char kCases[] = GLASSBOX_BINARY_DIR "/chat_reference/expressions.json";

// Python prints some objects with their memory address or as dict views; no byte comparison is possible.
bool incomparable(const std::string& python_output) {
  for (const char* marker : {" at 0x", "dict_items(", "dict_keys(", "dict_values(", "range("}) {
    if (python_output.find(marker) != std::string::npos) return true;
  }
  return false;
}

TEST(ExpressionDifferentialTest, RandomExpressionsAndStatementsMatchJinja2) {
  auto text = read_file_to_string(kCases);
  if (!text.ok()) GTEST_SKIP() << "run the chat_expression_reference test first: " << kCases;
  auto spec = nlohmann::ordered_json::parse(*text);
  Value context = value_from_json(spec["context"]);
  int compared = 0, skipped = 0, mismatched = 0;
  for (const auto& c : spec["cases"]) {
    std::string source = c["source"];
    auto t = Template::parse(source);
    if (c.contains("syntax_error")) {
      ++compared;
      if (t.ok()) {
        ++mismatched;
        ADD_FAILURE() << source << "\n  Jinja2: syntax error " << c["syntax_error"] << "\n  ours parsed it";
      }
      continue;
    }
    if (c.contains("output") && incomparable(c["output"])) {
      ++skipped;
      continue;
    }
    ++compared;
    if (!t.ok()) {
      ++mismatched;
      ADD_FAILURE() << source << "\n  ours: " << t.status().message();
      continue;
    }
    auto out = t->render(context);
    if (c.contains("error")) {
      if (out.ok()) {
        ++mismatched;
        ADD_FAILURE() << source << "\n  Jinja2 raised: " << c["error"] << "\n  ours rendered: " << *out;
      }
      continue;
    }
    std::string want = c["output"];
    if (!out.ok() || *out != want) {
      ++mismatched;
      ADD_FAILURE() << source << "\n  Jinja2: " << want << "\n  ours:   "
                    << (out.ok() ? *out : "error: " + out.status().message());
    }
  }
  std::printf("expressions and statement templates: %d compared, %d mismatched, %d skipped (Python object addresses)\n", compared,
              mismatched, skipped);
  EXPECT_GT(compared, 1000);
}

}  // namespace
}  // namespace glassbox::chat
