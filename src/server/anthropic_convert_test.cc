// Anthropic request/response conversions, without a model.
#include "server/anthropic_convert.h"

#include <gtest/gtest.h>

namespace glassbox::server {
namespace {

TEST(AnthropicConvertTest, ToolTurnsBecomeToolCallsAndToolMessages) {
  Json body = Json::parse(R"({
    "model": "claude", "max_tokens": 10,
    "system": [{"type": "text", "text": "x-anthropic-billing-header: cc_version=1; cch=abc;"},
               {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
      {"role": "user", "content": "Weather in Paris?"},
      {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "use the tool", "signature": "s"},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris", "unit": "c"}}]},
      {"role": "ctx", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "18C"}]},
        {"type": "text", "text": "thanks"}]}],
    "tools": [{"name": "get_weather", "description": "weather", "input_schema": {"type": "object",
               "properties": {"location": {"type": "string"}}}}]
  })");
  Conversation conv = anthropic_to_chat(body);
  const Json& m = conv.messages;
  ASSERT_EQ(m.size(), 5u) << m.dump();
  EXPECT_EQ(m[0], Json::parse(R"({"role": "system", "content": "Be brief."})"));
  EXPECT_EQ(m[1]["role"], "user");
  EXPECT_EQ(m[2]["role"], "assistant");
  EXPECT_EQ(m[2]["reasoning_content"], "use the tool");
  EXPECT_EQ(m[2]["tool_calls"][0]["id"], "toolu_1");
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["name"], "get_weather");
  // Arguments stay an object in their given key order (templates print them with tojson).
  EXPECT_EQ(m[2]["tool_calls"][0]["function"]["arguments"].dump(), R"({"location":"Paris","unit":"c"})");
  EXPECT_EQ(m[3], Json::parse(R"({"role": "tool", "tool_call_id": "toolu_1", "content": "18C"})"));
  EXPECT_EQ(m[4], Json::parse(R"({"role": "user", "content": "thanks"})"));
  ASSERT_EQ(conv.tools.size(), 1u);
  EXPECT_EQ(conv.tools[0]["type"], "function");
  EXPECT_EQ(conv.tools[0]["function"]["name"], "get_weather");
  EXPECT_EQ(conv.tools[0]["function"]["parameters"]["properties"]["location"]["type"], "string");
}

TEST(AnthropicConvertTest, ToolChoiceNoneDropsToolsAndToolKeepsTheNamedOne) {
  Json body = Json::parse(R"({"messages": [{"role": "user", "content": "hi"}],
    "tools": [{"name": "a", "input_schema": {"type": "object"}}, {"name": "b", "input_schema": {"type": "object"}}],
    "tool_choice": {"type": "none"}})");
  EXPECT_TRUE(anthropic_to_chat(body).tools.is_null());
  body["tool_choice"] = {{"type", "tool"}, {"name", "b"}};
  Json tools = anthropic_to_chat(body).tools;
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]["function"]["name"], "b");
}

TEST(AnthropicConvertTest, MalformedMessagesAreInvalidRequests) {
  for (const char* bad : {R"({})", R"({"messages": "hi"})", R"({"messages": [{"content": "x"}]})",
                          R"({"messages": [{"role": "robot", "content": "x"}]})",
                          R"({"messages": [{"role": "user"}]})",
                          R"({"messages": [{"role": "user", "content": [{"text": "no type"}]}]})",
                          R"({"messages": [{"role": "user", "content": 5}]})",
                          R"({"messages": [{"role": "user", "content": "x"}], "tools": {"name": "a"}})"}) {
    try {
      anthropic_to_chat(Json::parse(bad));
      ADD_FAILURE() << "accepted " << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status, 400) << bad;
      EXPECT_EQ(e.type, "invalid_request_error");
    }
  }
}

TEST(AnthropicConvertTest, SystemMayBeAStringOrBlocksButNothingElse) {
  Conversation conv = anthropic_to_chat(Json::parse(
      R"({"system": "Be brief.", "messages": [{"role": "user", "content": "hi"}]})"));
  ASSERT_GE(conv.messages.size(), 2u);
  EXPECT_EQ(conv.messages[0]["role"], "system");
  EXPECT_EQ(conv.messages[0]["content"], "Be brief.");
  try {
    anthropic_to_chat(Json::parse(R"({"system": 5, "messages": [{"role": "user", "content": "hi"}]})"));
    ADD_FAILURE() << "accepted a numeric system";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 400);
  }
}

TEST(AnthropicConvertTest, HermesToolCallBecomesToolUseBlock) {
  chat::TemplateTraits traits;
  traits.format = chat::ToolCallFormat::kHermes;
  bool tool_use = false;
  Json blocks = content_blocks(
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\"}}\n</tool_call>", true, traits,
      [] { return std::string("toolu_test"); }, &tool_use);
  EXPECT_TRUE(tool_use);
  ASSERT_EQ(blocks.size(), 1u) << blocks.dump();
  EXPECT_EQ(blocks[0]["type"], "tool_use");
  EXPECT_EQ(blocks[0]["id"], "toolu_test");
  EXPECT_EQ(blocks[0]["name"], "get_weather");
  EXPECT_EQ(blocks[0]["input"], Json::parse(R"({"location": "Paris"})"));
}

TEST(AnthropicConvertTest, PlainTextIsOneTextBlock) {
  bool tool_use = true;
  Json blocks = content_blocks("<tool_call>{}</tool_call>", false, {}, [] { return std::string(); }, &tool_use);
  EXPECT_FALSE(tool_use);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0]["type"], "text");
  EXPECT_EQ(blocks[0]["text"], "<tool_call>{}</tool_call>");
  EXPECT_TRUE(blocks[0]["citations"].is_null());
}

struct Event {
  std::string name;
  Json data;
};

std::vector<Event> parse_events(const std::string& sse_text) {
  std::vector<Event> events;
  size_t pos = 0;
  while ((pos = sse_text.find("event: ", pos)) != std::string::npos) {
    size_t nl = sse_text.find('\n', pos);
    size_t end = sse_text.find("\n\n", nl);
    events.push_back({sse_text.substr(pos + 7, nl - pos - 7), Json::parse(sse_text.substr(nl + 7, end - nl - 7))});
    pos = end;
  }
  return events;
}

// Feeds `text` one byte at a time (the worst split) and returns all events.
std::vector<Event> stream_bytewise(const chat::TemplateTraits& traits, const std::string& text, bool* tool_use,
                                   size_t* events_before_finish = nullptr) {
  int n = 0;
  BlockStreamer streamer(traits, [&n] { return "toolu_" + std::to_string(n++); });
  std::string out;
  for (char c : text) out += streamer.push(std::string(1, c));
  if (events_before_finish) *events_before_finish = parse_events(out).size();
  out += streamer.finish(tool_use);
  auto events = parse_events(out);
  for (const auto& e : events) EXPECT_EQ(e.name, e.data["type"]);
  return events;
}

TEST(BlockStreamerTest, TextStreamsThenHermesToolCallBecomesToolUse) {
  chat::TemplateTraits traits;
  traits.format = chat::ToolCallFormat::kHermes;
  bool tool_use = false;
  size_t early = 0;
  auto events = stream_bytewise(
      traits, "Let me check.<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
      &tool_use, &early);
  EXPECT_TRUE(tool_use);
  std::vector<std::string> names;
  std::string text;
  for (const auto& e : events) {
    if (e.name == "content_block_delta" && e.data["delta"]["type"] == "text_delta") {
      text += e.data["delta"]["text"].get<std::string>();
    } else {
      names.push_back(e.name);
    }
  }
  EXPECT_EQ(text, "Let me check.");
  // The text streamed before generation finished; the marker's bytes were never sent as text.
  EXPECT_GT(early, 1u);
  std::vector<std::string> want = {"content_block_start", "content_block_stop", "content_block_start",
                                   "content_block_delta", "content_block_stop"};
  EXPECT_EQ(names, want);
  const Json& start = events[events.size() - 3].data;
  EXPECT_EQ(start["index"], 1);
  EXPECT_EQ(start["content_block"]["type"], "tool_use");
  EXPECT_EQ(start["content_block"]["name"], "get_weather");
  EXPECT_EQ(start["content_block"]["input"], Json::object());
  const Json& delta = events[events.size() - 2].data["delta"];
  EXPECT_EQ(delta["type"], "input_json_delta");
  EXPECT_EQ(Json::parse(delta["partial_json"].get<std::string>()), Json::parse(R"({"city": "Paris"})"));
}

TEST(BlockStreamerTest, ThinkingStreamsAsAThinkingBlockBeforeText) {
  chat::TemplateTraits traits;
  traits.reasoning = true;
  bool tool_use = true;
  auto events = stream_bytewise(traits, "<think>\nhmm, <b> ok\n</think>\n\nHello <there>", &tool_use);
  EXPECT_FALSE(tool_use);
  std::string thinking, text;
  bool signature = false;
  for (const auto& e : events) {
    if (e.name != "content_block_delta") continue;
    const Json& d = e.data["delta"];
    if (d["type"] == "thinking_delta") {
      EXPECT_EQ(e.data["index"], 0);
      thinking += d["thinking"].get<std::string>();
    } else if (d["type"] == "text_delta") {
      EXPECT_EQ(e.data["index"], 1);
      text += d["text"].get<std::string>();
    } else if (d["type"] == "signature_delta") {
      signature = true;
    }
  }
  EXPECT_EQ(thinking, "\nhmm, <b> ok\n");
  EXPECT_EQ(text, "Hello <there>");
  EXPECT_TRUE(signature);
  EXPECT_EQ(events.front().data["content_block"]["type"], "thinking");
  EXPECT_EQ(events.back().name, "content_block_stop");
}

TEST(BlockStreamerTest, TextThatOnlyLooksLikeACallStaysText) {
  chat::TemplateTraits traits;
  traits.format = chat::ToolCallFormat::kHermes;
  bool tool_use = true;
  auto events = stream_bytewise(traits, "a <tool_call> b", &tool_use);
  EXPECT_FALSE(tool_use);
  std::string text;
  for (const auto& e : events) {
    if (e.name == "content_block_delta") text += e.data["delta"]["text"].get<std::string>();
  }
  EXPECT_EQ(text, "a <tool_call> b");
}

TEST(BlockStreamerTest, EmptyOutputIsOneEmptyTextBlock) {
  bool tool_use = true;
  auto events = stream_bytewise({}, "", &tool_use);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data["content_block"], Json::parse(R"({"type": "text", "text": ""})"));
  EXPECT_EQ(events[1].name, "content_block_stop");
}

}  // namespace
}  // namespace glassbox::server
