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

TEST(AnthropicConvertTest, BlockEventsStreamToolInputAsJsonDelta) {
  Json blocks = Json::parse(R"([{"type": "text", "text": "Let me check.", "citations": null},
                                {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"q": "x"}}])");
  std::string events = block_events(blocks);
  std::vector<Json> data;
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = events.find("event: ", pos)) != std::string::npos) {
    size_t nl = events.find('\n', pos);
    names.push_back(events.substr(pos + 7, nl - pos - 7));
    size_t end = events.find("\n\n", nl);
    data.push_back(Json::parse(events.substr(nl + 7, end - nl - 7)));
    pos = end;
  }
  std::vector<std::string> want = {"content_block_start", "content_block_delta", "content_block_stop",
                                   "content_block_start", "content_block_delta", "content_block_stop"};
  EXPECT_EQ(names, want);
  for (size_t i = 0; i < data.size(); ++i) EXPECT_EQ(data[i]["type"], names[i]);
  EXPECT_EQ(data[1]["delta"]["text"], "Let me check.");
  EXPECT_EQ(data[3]["index"], 1);
  EXPECT_EQ(data[3]["content_block"]["input"], Json::object());
  EXPECT_EQ(data[4]["delta"]["type"], "input_json_delta");
  EXPECT_EQ(Json::parse(data[4]["delta"]["partial_json"].get<std::string>()), blocks[1]["input"]);
}

}  // namespace
}  // namespace glassbox::server
