// Golden test: every fixture chat template x every conversation renders byte-for-byte as Jinja2 does.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "chat/chat_template.h"

namespace glassbox::chat {
namespace {

namespace fs = std::filesystem;

const char kTemplatesDir[] = GLASSBOX_SHARED_DIR "/fixtures/chat_templates";
const char kConversations[] = GLASSBOX_SOURCE_DIR "/tests/chat/conversations.json";
const char kExpectedDir[] = GLASSBOX_BINARY_DIR "/chat_reference";

// Our errors add " (details)" and " (line L, column C)" unless they come from raise_exception; Jinja2's do not.
bool same_error(const std::string& ours, const std::string& expected) {
  if (ours == expected) return true;
  return ours.rfind(expected + " (", 0) == 0;
}

TEST(ChatTemplateGoldenTest, EveryTemplateAndConversationMatchesJinja2) {
  if (!fs::is_directory(kTemplatesDir)) GTEST_SKIP() << kTemplatesDir << " is absent";
  auto spec_text = read_file_to_string(kConversations);
  ASSERT_TRUE(spec_text.ok()) << spec_text.status().to_string();
  nlohmann::ordered_json spec = nlohmann::ordered_json::parse(*spec_text);
  int cases = 0, matched = 0, errors_expected = 0;
  std::vector<fs::path> templates;
  for (const auto& entry : fs::directory_iterator(kTemplatesDir)) {
    if (entry.path().extension() == ".jinja") templates.push_back(entry.path());
  }
  std::sort(templates.begin(), templates.end());
  ASSERT_FALSE(templates.empty());
  for (const auto& path : templates) {
    std::string stem = path.stem().string();
    auto source = read_file_to_string(path.string());
    ASSERT_TRUE(source.ok()) << source.status().to_string();
    std::string expected_path = std::string(kExpectedDir) + "/" + stem + ".json";
    auto expected_text = read_file_to_string(expected_path);
    ASSERT_TRUE(expected_text.ok()) << "run the chat_reference_render test first: " << expected_path;
    nlohmann::ordered_json expected = nlohmann::ordered_json::parse(*expected_text);
    for (const auto& conv : spec["conversations"]) {
      std::string name = conv["name"];
      ++cases;
      const auto& want = expected.at(name);
      auto got = render_chat(*source, conv["messages"],
                             conv.contains("tools") ? spec["tool_sets"][conv["tools"].get<std::string>()]
                                                    : nlohmann::ordered_json(),
                             conv["add_generation_prompt"], spec["bos_token"], spec["eos_token"],
                             conv.value("extra", nlohmann::ordered_json::object()));
      if (want.contains("error")) {
        ++errors_expected;
        std::string want_error = want["error"];
        if (!got.ok() && same_error(got.status().message(), want_error)) {
          ++matched;
        } else {
          ADD_FAILURE() << stem << " x " << name << ": Jinja2 raised \"" << want_error << "\", we "
                        << (got.ok() ? "rendered:\n" + *got : "failed: " + got.status().message());
        }
        continue;
      }
      std::string want_output = want["output"];
      if (got.ok() && *got == want_output) {
        ++matched;
      } else if (!got.ok()) {
        ADD_FAILURE() << stem << " x " << name << ": failed: " << got.status().message();
      } else {
        size_t diff = 0;
        while (diff < got->size() && diff < want_output.size() && (*got)[diff] == want_output[diff]) ++diff;
        ADD_FAILURE() << stem << " x " << name << ": first difference at byte " << diff << "\n--- Jinja2:\n"
                      << want_output.substr(diff > 80 ? diff - 80 : 0, 240) << "\n--- ours:\n"
                      << got->substr(diff > 80 ? diff - 80 : 0, 240);
      }
    }
  }
  std::printf("chat templates: %d of %d template x conversation cases match Jinja2 (%d of them are errors)\n",
              matched, cases, errors_expected);
  EXPECT_EQ(matched, cases);
}

}  // namespace
}  // namespace glassbox::chat
