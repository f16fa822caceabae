// Compaction: where the kept tail starts, the summary request, the rebuilt conversation.
#include "agent/compaction.h"

#include <gtest/gtest.h>

namespace glassbox::agent {
namespace {

using nlohmann::json;

json user_text(const std::string& t) { return {{"role", "user"}, {"content", t}}; }
json tool_call(const std::string& id) {
  return {{"role", "assistant"},
          {"content",
           {{{"type", "tool_use"}, {"id", id}, {"name", "Bash"}, {"input", {{"command", "ls"}}}}}}};
}
json tool_result(const std::string& id, const std::string& text) {
  return {{"role", "user"},
          {"content", {{{"type", "tool_result"}, {"tool_use_id", id}, {"content", text}}}}};
}

TEST(CompactionTest, TheKeptTailNeverStartsWithAnOrphanToolResult) {
  json m = json::array({user_text("task"), tool_call("1"), tool_result("1", std::string(4000, 'a')),
                        tool_call("2"), tool_result("2", "short")});
  size_t split = choose_compaction_split(m, 10);
  EXPECT_EQ(split, 3u);  // at the assistant message whose result follows
  json out = compacted_messages("SUMMARY", m, split);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["role"], "user");
  EXPECT_NE(out[0]["content"][0]["text"].get<std::string>().find("SUMMARY"), std::string::npos);
  EXPECT_EQ(out[1], m[3]);
  EXPECT_EQ(out[2], m[4]);
}

TEST(CompactionTest, ASummaryMergesIntoATailThatStartsWithAPrompt) {
  json m = json::array(
      {user_text("old task"), {{"role", "assistant"}, {"content", "done"}}, user_text("new task")});
  size_t split = choose_compaction_split(m, 1);
  EXPECT_EQ(split, 2u);
  json out = compacted_messages("S", m, split);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["content"].size(), 2u);
  EXPECT_EQ(out[0]["content"][1]["text"], "new task");
}

TEST(CompactionTest, NothingToSummariseGivesZero) {
  EXPECT_EQ(choose_compaction_split(json::array({user_text("only")}), 100), 0u);
}

TEST(CompactionTest, TheRequestCarriesATranscriptWithClippedResults) {
  json m = json::array({user_text("fix the build"), tool_call("1"),
                        tool_result("1", std::string(10000, 'z')), tool_call("2")});
  json req = compaction_request(m, 3, "the failing test");
  ASSERT_EQ(req["messages"].size(), 1u);
  std::string text = req["messages"][0]["content"];
  EXPECT_NE(text.find("fix the build"), std::string::npos);
  EXPECT_NE(text.find("[tool call Bash"), std::string::npos);
  EXPECT_NE(text.find("characters omitted"), std::string::npos);
  EXPECT_NE(text.find("the failing test"), std::string::npos);
  EXPECT_LT(text.size(), 6000u);
  EXPECT_FALSE(req.contains("tools"));
}

}  // namespace
}  // namespace glassbox::agent
