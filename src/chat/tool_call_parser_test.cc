// ToolCallParser tests: realistic generations for each template family.
#include "chat/tool_call_parser.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "base/mapped_file.h"

namespace glassbox::chat {
namespace {

TemplateTraits traits(ToolCallFormat f, bool reasoning = false) { return TemplateTraits{f, reasoning}; }

TEST(ToolCallParserTest, Llama3JsonCallWithoutTag) {
  auto out = parse_model_output(R"({"name": "get_weather", "parameters": {"city": "Paris", "days": 2}})",
                                traits(ToolCallFormat::kLlama3));
  ASSERT_EQ(out.tool_calls.size(), 1u);
  EXPECT_EQ(out.tool_calls[0].name, "get_weather");
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"city":"Paris","days":2})");
  EXPECT_EQ(out.content, "");
  EXPECT_FALSE(out.tool_calls[0].id.empty());
}

TEST(ToolCallParserTest, Llama3PythonTagJsonAndBuiltinCall) {
  auto json = parse_model_output("<|python_tag|>{\"name\": \"search_web\", \"parameters\": {\"query\": \"news\"}}<|eom_id|>",
                                 traits(ToolCallFormat::kLlama3));
  ASSERT_EQ(json.tool_calls.size(), 1u);
  EXPECT_EQ(json.tool_calls[0].name, "search_web");
  EXPECT_EQ(json.tool_calls[0].arguments, R"({"query":"news"})");
  auto builtin = parse_model_output("<|python_tag|>brave_search.call(query=\"weather in Menlo Park\")",
                                    traits(ToolCallFormat::kLlama3));
  ASSERT_EQ(builtin.tool_calls.size(), 1u);
  EXPECT_EQ(builtin.tool_calls[0].name, "brave_search");
  EXPECT_EQ(builtin.tool_calls[0].arguments, R"({"query":"weather in Menlo Park"})");
}

TEST(ToolCallParserTest, Llama3PlainTextStaysContent) {
  auto out = parse_model_output("The weather is {sunny} today.", traits(ToolCallFormat::kLlama3));
  EXPECT_TRUE(out.tool_calls.empty());
  EXPECT_EQ(out.content, "The weather is {sunny} today.");
}

TEST(ToolCallParserTest, HermesAndQwenToolCallTags) {
  const char* text =
      "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
      "</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Tokyo\"}}\n</tool_call>";
  auto out = parse_model_output(text, traits(ToolCallFormat::kHermes));
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[1].arguments, R"({"city":"Tokyo"})");
  EXPECT_EQ(out.content, "Let me check both.");
  EXPECT_NE(out.tool_calls[0].id, out.tool_calls[1].id);
}

TEST(ToolCallParserTest, HermesMalformedJsonStaysInContent) {
  auto out = parse_model_output("<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>",
                                traits(ToolCallFormat::kHermes));
  EXPECT_TRUE(out.tool_calls.empty());
  EXPECT_EQ(out.content, "<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>");
}

TEST(ToolCallParserTest, Qwen3ThinkingThenToolCall) {
  auto out = parse_model_output(
      "<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
      "{\"city\": \"Berlin\"}}\n</tool_call>",
      traits(ToolCallFormat::kHermes, true));
  EXPECT_EQ(out.reasoning, "The user wants weather.");
  ASSERT_EQ(out.tool_calls.size(), 1u);
  EXPECT_EQ(out.content, "");
}

TEST(ToolCallParserTest, MistralToolCallsArrayKeepsIds) {
  auto out = parse_model_output(
      "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"a1b2c3d4e\"}, "
      "{\"name\": \"search_web\", \"arguments\": {\"query\": \"x\"}, \"id\": \"f5g6h7i8j\"}]",
      traits(ToolCallFormat::kMistral));
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].id, "a1b2c3d4e");
  EXPECT_EQ(out.tool_calls[1].name, "search_web");
  EXPECT_EQ(out.content, "");
}

TEST(ToolCallParserTest, MistralV11NameArgsFormat) {
  auto out = parse_model_output(
      "Sure.[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Nice\"}[TOOL_CALLS]search_web[CALL_ID]k9Xy7Zq1a[ARGS]"
      "{\"query\": \"riviera\"}",
      traits(ToolCallFormat::kMistral));
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].name, "get_weather");
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"city":"Nice"})");
  EXPECT_EQ(out.tool_calls[1].id, "k9Xy7Zq1a");
  EXPECT_EQ(out.content, "Sure.");
}

TEST(ToolCallParserTest, DeepSeekR1ReasoningWithoutOpeningTag) {
  // The R1 generation prompt already opened <think>: the output starts inside it.
  auto out = parse_model_output("Okay, 17 has no divisors up to 4.\n</think>\n\nYes, 17 is prime.",
                                traits(ToolCallFormat::kDeepSeekR1, true));
  EXPECT_EQ(out.reasoning, "Okay, 17 has no divisors up to 4.");
  EXPECT_EQ(out.content, "Yes, 17 is prime.");
}

TEST(ToolCallParserTest, DeepSeekR1ToolCalls) {
  const char* text =
      "<think>Need weather.</think>"
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
      "{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>search_web\n"
      "```json\n{\"query\": \"news\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  auto out = parse_model_output(text, traits(ToolCallFormat::kDeepSeekR1, true));
  EXPECT_EQ(out.reasoning, "Need weather.");
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].name, "get_weather");
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(out.tool_calls[1].arguments, R"({"query":"news"})");
  EXPECT_EQ(out.content, "");
}

TEST(ToolCallParserTest, FunctionaryV31FunctionTags) {
  auto out = parse_model_output(
      "Checking.<function=get_weather>{\"city\": \"Rome\"}</function><function=search_web>{\"query\": \"q\"}</function>",
      traits(ToolCallFormat::kFunctionaryV31));
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].name, "get_weather");
  EXPECT_EQ(out.tool_calls[1].arguments, R"({"query":"q"})");
  EXPECT_EQ(out.content, "Checking.");
}

TEST(ToolCallParserTest, FunctionaryV32Channels) {
  auto out = parse_model_output(
      "all\nLet me look that up.>>>get_weather\n{\"city\": \"Oslo\"}>>>search_web\n{\"query\": \"fjords\"}",
      traits(ToolCallFormat::kFunctionaryV32));
  EXPECT_EQ(out.content, "Let me look that up.");
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"city":"Oslo"})");
  EXPECT_EQ(out.tool_calls[1].name, "search_web");
  auto plain = parse_model_output("all\nJust text.", traits(ToolCallFormat::kFunctionaryV32));
  EXPECT_EQ(plain.content, "Just text.");
  EXPECT_TRUE(plain.tool_calls.empty());
}

TEST(ToolCallParserTest, FirefunctionFunctools) {
  auto out = parse_model_output(
      " functools[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lima\"}}, {\"name\": \"search_web\", "
      "\"arguments\": \"{\\\"query\\\": \\\"peru\\\"}\"}]",
      traits(ToolCallFormat::kFirefunction));
  ASSERT_EQ(out.tool_calls.size(), 2u);
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"city":"Lima"})");
  EXPECT_EQ(out.tool_calls[1].arguments, R"({"query":"peru"})");  // string arguments are unwrapped
  EXPECT_EQ(out.content, "");
}

TEST(ToolCallParserTest, CommandRPlusAction) {
  auto out = parse_model_output(
      "Action: ```json\n[\n    {\n        \"tool_name\": \"internet_search\",\n        \"parameters\": {\n"
      "            \"query\": \"2022 world cup winner\"\n        }\n    }\n]\n```",
      traits(ToolCallFormat::kCommandR));
  ASSERT_EQ(out.tool_calls.size(), 1u);
  EXPECT_EQ(out.tool_calls[0].name, "internet_search");
  EXPECT_EQ(out.tool_calls[0].arguments, R"({"query":"2022 world cup winner"})");
  EXPECT_EQ(out.content, "");
}

TEST(ToolCallParserTest, CommandR7BThinkingActionAndResponse) {
  auto call = parse_model_output(
      "<|START_THINKING|>I will search.<|END_THINKING|><|START_ACTION|>[\n    {\"tool_call_id\": \"0\", "
      "\"tool_name\": \"internet_search\", \"parameters\": {\"query\": \"cohere\"}}\n]<|END_ACTION|>",
      traits(ToolCallFormat::kCommandR7B));
  EXPECT_EQ(call.reasoning, "I will search.");
  ASSERT_EQ(call.tool_calls.size(), 1u);
  EXPECT_EQ(call.tool_calls[0].id, "0");
  auto answer = parse_model_output("<|START_RESPONSE|>Cohere is a company.<|END_RESPONSE|>",
                                   traits(ToolCallFormat::kCommandR7B));
  EXPECT_EQ(answer.content, "Cohere is a company.");
}

TEST(ToolCallParserTest, DetectsEachFixtureTemplatesFamily) {
  const std::string dir = GLASSBOX_SHARED_DIR "/fixtures/chat_templates/";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  const std::pair<const char*, ToolCallFormat> expected[] = {
      {"CohereForAI-c4ai-command-r-plus-tool_use", ToolCallFormat::kCommandR},
      {"CohereForAI-c4ai-command-r7b-12-2024-tool_use", ToolCallFormat::kCommandR7B},
      {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", ToolCallFormat::kHermes},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use", ToolCallFormat::kHermes},
      {"Qwen-Qwen2.5-7B-Instruct", ToolCallFormat::kHermes},
      {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B", ToolCallFormat::kDeepSeekR1},
      {"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", ToolCallFormat::kDeepSeekR1},
      {"fireworks-ai-llama-3-firefunction-v2", ToolCallFormat::kFirefunction},
      {"google-gemma-2-2b-it", ToolCallFormat::kNone},
      {"meetkai-functionary-medium-v3.1", ToolCallFormat::kFunctionaryV31},
      {"meetkai-functionary-medium-v3.2", ToolCallFormat::kFunctionaryV32},
      {"meta-llama-Llama-3.1-8B-Instruct", ToolCallFormat::kLlama3},
      {"meta-llama-Llama-3.2-3B-Instruct", ToolCallFormat::kLlama3},
      {"meta-llama-Llama-3.3-70B-Instruct", ToolCallFormat::kLlama3},
      {"microsoft-Phi-3.5-mini-instruct", ToolCallFormat::kNone},
      {"mistralai-Mistral-Nemo-Instruct-2407", ToolCallFormat::kMistral},
  };
  for (const auto& [name, format] : expected) {
    auto source = read_file_to_string(dir + name + ".jinja");
    ASSERT_TRUE(source.ok()) << source.status().to_string();
    EXPECT_STREQ(tool_call_format_name(detect_template_traits(*source).format), tool_call_format_name(format))
        << name;
  }
  auto r1 = read_file_to_string(dir + "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja");
  EXPECT_TRUE(detect_template_traits(*r1).reasoning);
}

}  // namespace
}  // namespace glassbox::chat
