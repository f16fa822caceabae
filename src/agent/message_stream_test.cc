// MessageStream: streamed events rebuild the assistant message; bad tool input is reported, not
// fatal.
#include "agent/message_stream.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace glassbox::agent {
namespace {

using nlohmann::json;

Status feed(MessageStream& s, const std::string& name, const json& data) {
  return s.handle({name, data.dump()});
}

void start(MessageStream& s) {
  ASSERT_TRUE(feed(s, "message_start",
                   {{"type", "message_start"},
                    {"message",
                     {{"id", "msg_1"},
                      {"model", "m"},
                      {"usage", {{"input_tokens", 25}, {"output_tokens", 1}}}}}})
                  .ok());
}

TEST(MessageStreamTest, RebuildsTextAndToolUseFromDeltas) {
  MessageStream s;
  std::string streamed;
  s.set_on_text([&](std::string_view t) { streamed += t; });
  start(s);
  ASSERT_TRUE(feed(s, "content_block_start",
                   {{"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}})
                  .ok());
  ASSERT_TRUE(feed(s, "content_block_delta",
                   {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", "Hel"}}}})
                  .ok());
  ASSERT_TRUE(feed(s, "content_block_delta",
                   {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", "lo"}}}})
                  .ok());
  ASSERT_TRUE(feed(s, "content_block_stop", {{"index", 0}}).ok());
  ASSERT_TRUE(
      feed(s, "content_block_start",
           {{"index", 1},
            {"content_block",
             {{"type", "tool_use"}, {"id", "t1"}, {"name", "Read"}, {"input", json::object()}}}})
          .ok());
  ASSERT_TRUE(
      feed(s, "content_block_delta",
           {{"index", 1},
            {"delta", {{"type", "input_json_delta"}, {"partial_json", "{\"file_path\": \"/a"}}}})
          .ok());
  ASSERT_TRUE(
      feed(s, "content_block_delta",
           {{"index", 1}, {"delta", {{"type", "input_json_delta"}, {"partial_json", "\"}"}}}})
          .ok());
  ASSERT_TRUE(feed(s, "content_block_stop", {{"index", 1}}).ok());
  ASSERT_TRUE(feed(s, "message_delta",
                   {{"delta", {{"stop_reason", "tool_use"}}}, {"usage", {{"output_tokens", 89}}}})
                  .ok());
  EXPECT_FALSE(s.done());
  ASSERT_TRUE(feed(s, "message_stop", json::object()).ok());
  EXPECT_TRUE(s.done());
  EXPECT_EQ(streamed, "Hello");
  const json& m = s.message();
  EXPECT_EQ(m["content"][0]["text"], "Hello");
  EXPECT_EQ(m["content"][1]["input"]["file_path"], "/a");
  EXPECT_EQ(s.stop_reason(), "tool_use");
  EXPECT_EQ(s.usage().input_tokens, 25);
  EXPECT_EQ(s.usage().output_tokens, 89);  // message_delta usage is cumulative
  EXPECT_TRUE(s.tool_input_errors().empty());
}

TEST(MessageStreamTest, ReportsMalformedToolInputWithoutFailingTheStream) {
  MessageStream s;
  start(s);
  ASSERT_TRUE(
      feed(s, "content_block_start",
           {{"index", 0},
            {"content_block",
             {{"type", "tool_use"}, {"id", "t9"}, {"name", "Bash"}, {"input", json::object()}}}})
          .ok());
  ASSERT_TRUE(feed(s, "content_block_delta",
                   {{"index", 0},
                    {"delta", {{"type", "input_json_delta"}, {"partial_json", "{\"command\": "}}}})
                  .ok());
  ASSERT_TRUE(feed(s, "content_block_stop", {{"index", 0}}).ok());
  ASSERT_EQ(s.tool_input_errors().count("t9"), 1u);
  EXPECT_NE(s.tool_input_errors().at("t9").find("not valid JSON"), std::string::npos);
  EXPECT_TRUE(s.message()["content"][0]["input"].is_object());
}

TEST(MessageStreamTest, RejectsGarbageAndReportsErrorEvents) {
  MessageStream s;
  Status bad = s.handle({"message_start", "this is not json"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("not a JSON object"), std::string::npos);

  MessageStream s2;
  start(s2);
  Status err = feed(
      s2, "error",
      {{"type", "error"}, {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}});
  EXPECT_FALSE(err.ok());
  EXPECT_EQ(s2.stream_error_type(), "overloaded_error");
  EXPECT_NE(err.message().find("Overloaded"), std::string::npos);
}

TEST(MessageStreamTest, ToleratesSkippedIndicesButNotRepeatedOnes) {
  MessageStream s;
  start(s);
  ASSERT_TRUE(feed(s, "content_block_start",
                   {{"index", 1}, {"content_block", {{"type", "text"}, {"text", ""}}}})
                  .ok());
  ASSERT_TRUE(feed(s, "content_block_delta",
                   {{"index", 1}, {"delta", {{"type", "text_delta"}, {"text", "hi"}}}})
                  .ok());
  EXPECT_EQ(s.message()["content"][0]["text"], "hi");
  EXPECT_FALSE(feed(s, "content_block_start",
                    {{"index", 1}, {"content_block", {{"type", "text"}, {"text", ""}}}})
                   .ok());
  EXPECT_FALSE(feed(s, "content_block_stop", {{"index", 7}}).ok());
}

TEST(MessageStreamTest, RejectsADeltaBeforeMessageStart) {
  MessageStream s;
  EXPECT_FALSE(feed(s, "content_block_delta",
                    {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", "x"}}}})
                   .ok());
}

}  // namespace
}  // namespace glassbox::agent
