// Server end to end: glassbox's HTTP server in-process on a loopback port, driven with cpp-httplib.
#include "server/server.h"

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace glassbox::server {
namespace {

using Json = nlohmann::json;

const std::string kModel = std::string(GLASSBOX_SHARED_DIR) + "/reference/storyteller-16m-q8_0.gguf";

struct SseEvent {
  std::string name;
  Json data;
};

// Splits an SSE body into events (event: NAME / data: JSON, blank-line separated).
std::vector<SseEvent> parse_sse(const std::string& body) {
  std::vector<SseEvent> events;
  SseEvent cur;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      if (!cur.name.empty() || !cur.data.is_null()) events.push_back(cur);
      cur = SseEvent{};
    } else if (line.rfind("event: ", 0) == 0) {
      cur.name = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      std::string d = line.substr(6);
      cur.data = d == "[DONE]" ? Json("[DONE]") : Json::parse(d);
    }
  }
  return events;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::exists(kModel)) return;
    ServerOptions opt;
    opt.model_path = kModel;
    opt.port = 0;
    opt.n_threads = 2;
    opt.max_body_bytes = 1 << 20;
    opt.max_waiting = 1;
    opt.n_parallel = 2;
    auto s = Server::create(opt);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = s->release();
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << "reference model absent: " << kModel;
  }
  void TearDown() override {
    if (!server_) return;
    // The server keeps serving after whatever the test sent.
    auto res = client().Get("/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(60, 0);
    return c;
  }
  httplib::Result post(const std::string& path, const std::string& body) {
    return client().Post(path, body, "application/json");
  }
  static Json message_request(int max_tokens, bool stream) {
    return {{"model", "claude-sonnet-4-6"},
            {"max_tokens", max_tokens},
            {"temperature", 0},
            {"stream", stream},
            {"system", Json::array({{{"type", "text"}, {"text", "You tell stories."}}})},
            {"messages", Json::array({{{"role", "user"}, {"content", "Once upon a time"}}})}};
  }
  static void expect_error(const httplib::Result& res, int status, const std::string& type) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    Json body = Json::parse(res->body);
    EXPECT_EQ(body["type"], "error");
    EXPECT_EQ(body["error"]["type"], type) << res->body;
    EXPECT_TRUE(body["error"]["message"].is_string());
  }
  static Server* server_;
};

Server* ServerTest::server_ = nullptr;

TEST_F(ServerTest, MessagesReturnsAMessage) {
  auto res = post("/v1/messages?beta=true", message_request(12, false).dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("request-id").rfind("req_", 0), 0u);
  Json m = Json::parse(res->body);
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["role"], "assistant");
  EXPECT_EQ(m["model"], "claude-sonnet-4-6");
  EXPECT_EQ(m["id"].get<std::string>().rfind("msg_", 0), 0u);
  ASSERT_EQ(m["content"].size(), 1u);
  EXPECT_EQ(m["content"][0]["type"], "text");
  EXPECT_TRUE(m["content"][0]["text"].is_string());
  std::string stop = m["stop_reason"];
  EXPECT_TRUE(stop == "end_turn" || stop == "max_tokens") << stop;
  EXPECT_TRUE(m["stop_sequence"].is_null());
  const Json& u = m["usage"];
  EXPECT_GT(u["input_tokens"].get<int>() + u["cache_read_input_tokens"].get<int>(), 5);
  EXPECT_EQ(u["cache_creation_input_tokens"], 0);
  EXPECT_GE(u["output_tokens"].get<int>(), 1);
  EXPECT_LE(u["output_tokens"].get<int>(), 12);
}

TEST_F(ServerTest, RepeatedPromptReusesTheCachedPrefix) {
  auto first = post("/v1/messages", message_request(4, false).dump());
  auto second = post("/v1/messages", message_request(4, false).dump());
  ASSERT_TRUE(first && second);
  Json a = Json::parse(first->body)["usage"], b = Json::parse(second->body)["usage"];
  int total = a["input_tokens"].get<int>() + a["cache_read_input_tokens"].get<int>();
  EXPECT_EQ(b["cache_read_input_tokens"].get<int>(), total - 1);
  EXPECT_EQ(b["input_tokens"].get<int>(), 1);
  // Greedy: the same prompt gives the same text.
  EXPECT_EQ(Json::parse(first->body)["content"], Json::parse(second->body)["content"]);
}

TEST_F(ServerTest, StopSequenceEndsTheTextBeforeIt) {
  auto full = post("/v1/messages", message_request(24, false).dump());
  ASSERT_TRUE(full);
  std::string text = Json::parse(full->body)["content"][0]["text"];
  ASSERT_GE(text.size(), 6u) << text;
  std::string stop = text.substr(3, 3);
  Json req = message_request(24, false);
  req["stop_sequences"] = Json::array({stop});
  auto res = post("/v1/messages", req.dump());
  ASSERT_TRUE(res);
  Json m = Json::parse(res->body);
  EXPECT_EQ(m["stop_reason"], "stop_sequence");
  EXPECT_EQ(m["stop_sequence"], stop);
  EXPECT_EQ(m["content"][0]["text"], text.substr(0, text.find(stop)));
}

TEST_F(ServerTest, StreamSendsEventsInAnthropicOrder) {
  auto full = post("/v1/messages", message_request(10, false).dump());
  ASSERT_TRUE(full);
  auto res = post("/v1/messages", message_request(10, true).dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/event-stream", 0), 0u);
  auto events = parse_sse(res->body);
  ASSERT_GE(events.size(), 6u);
  for (const auto& e : events) EXPECT_EQ(e.name, e.data["type"]) << e.data.dump();
  EXPECT_EQ(events[0].name, "message_start");
  EXPECT_TRUE(events[0].data["message"]["stop_reason"].is_null());
  EXPECT_TRUE(events[0].data["message"]["usage"]["input_tokens"].is_number());
  EXPECT_EQ(events[1].name, "content_block_start");
  EXPECT_EQ(events[1].data["content_block"]["type"], "text");
  EXPECT_EQ(events[2].name, "ping");
  size_t i = 3;
  std::string text;
  for (; i < events.size() && events[i].name != "content_block_stop"; ++i) {
    if (events[i].name == "ping") continue;
    ASSERT_EQ(events[i].name, "content_block_delta");
    EXPECT_EQ(events[i].data["index"], 0);
    EXPECT_EQ(events[i].data["delta"]["type"], "text_delta");
    text += events[i].data["delta"]["text"].get<std::string>();
  }
  ASSERT_EQ(events.size(), i + 3);
  EXPECT_EQ(events[i + 1].name, "message_delta");
  EXPECT_EQ(events[i + 1].data["delta"]["stop_reason"], Json::parse(full->body)["stop_reason"]);
  EXPECT_EQ(events[i + 1].data["usage"]["output_tokens"], Json::parse(full->body)["usage"]["output_tokens"]);
  EXPECT_EQ(events[i + 2].name, "message_stop");
  // Greedy: the stream carries the same text as the JSON answer.
  EXPECT_EQ(text, Json::parse(full->body)["content"][0]["text"]);
}

TEST_F(ServerTest, CountTokensMatchesTheMessagePrompt) {
  Json req = message_request(1, false);
  auto msg = post("/v1/messages", req.dump());
  req.erase("max_tokens");
  auto count = post("/v1/messages/count_tokens?beta=true", req.dump());
  ASSERT_TRUE(msg && count);
  ASSERT_EQ(count->status, 200) << count->body;
  Json u = Json::parse(msg->body)["usage"];
  EXPECT_EQ(Json::parse(count->body)["input_tokens"],
            u["input_tokens"].get<int>() + u["cache_read_input_tokens"].get<int>());
}

TEST_F(ServerTest, ModelsListsTheServedModel) {
  auto res = client().Get("/v1/models");
  ASSERT_TRUE(res);
  Json page = Json::parse(res->body);
  ASSERT_EQ(page["data"].size(), 1u);
  EXPECT_EQ(page["data"][0]["id"], "storyteller-16m-q8_0");
  EXPECT_EQ(page["data"][0]["type"], "model");
  EXPECT_EQ(page["data"][0]["object"], "model");
  EXPECT_EQ(page["has_more"], false);
  EXPECT_EQ(client().Get("/v1/models/storyteller-16m-q8_0")->status, 200);
  expect_error(client().Get("/v1/models/nope"), 404, "not_found_error");
}

TEST_F(ServerTest, MalformedJsonIsInvalidRequest) {
  expect_error(post("/v1/messages", "{\"model\": "), 400, "invalid_request_error");
}

TEST_F(ServerTest, InvalidUtf8IsInvalidRequestWithAValidJsonBody) {
  auto res = post("/v1/messages", "{\"model\": \"\xff\xfe\", \"max_tokens\": 1}");
  expect_error(res, 400, "invalid_request_error");
  auto oai = post("/v1/chat/completions", "{\"model\": \"\xc3\"}");
  ASSERT_TRUE(oai);
  EXPECT_EQ(oai->status, 400);
  EXPECT_TRUE(Json::parse(oai->body)["error"]["message"].is_string());
}

TEST_F(ServerTest, WrongTypeIsInvalidRequest) {
  Json req = message_request(8, false);
  req["max_tokens"] = "eight";
  expect_error(post("/v1/messages", req.dump()), 400, "invalid_request_error");
  req = message_request(8, false);
  req["messages"] = "hello";
  expect_error(post("/v1/messages", req.dump()), 400, "invalid_request_error");
  req = message_request(8, false);
  req["temperature"] = "hot";
  expect_error(post("/v1/messages", req.dump()), 400, "invalid_request_error");
}

TEST_F(ServerTest, MissingMaxTokensIsInvalidRequest) {
  Json req = message_request(8, false);
  req.erase("max_tokens");
  expect_error(post("/v1/messages", req.dump()), 400, "invalid_request_error");
}

TEST_F(ServerTest, UnknownRouteAndModelAreNotFound) {
  expect_error(post("/v1/nothing", "{}"), 404, "not_found_error");
  Json req = message_request(8, false);
  req["model"] = "gpt-unknown";
  expect_error(post("/v1/messages", req.dump()), 404, "not_found_error");
}

TEST_F(ServerTest, HugeBodyIsTooLarge) {
  std::string body(2 << 20, 'x');
  auto res = post("/v1/messages", body);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(ServerTest, PromptLongerThanTheContextIsRejected) {
  Json req = message_request(8, false);
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "the story goes on and on ";
  req["messages"][0]["content"] = long_text;
  auto res = post("/v1/messages", req.dump());
  expect_error(res, 400, "invalid_request_error");
  EXPECT_NE(res->body.find("prompt is too long"), std::string::npos);
}

TEST_F(ServerTest, UnknownFieldsAndBetasAreAccepted) {
  Json req = message_request(2, false);
  req["context_management"] = {{"edits", Json::array()}};
  req["metadata"] = {{"user_id", "u1"}};
  req["thinking"] = {{"type", "disabled"}};
  req["messages"] = Json::array(
      {{{"role", "user"}, {"content", "Hi"}},
       {{"role", "assistant"},
        {"content", Json::array({{{"type", "thinking"}, {"thinking", "hm"}, {"signature", "sig"}},
                                 {{"type", "text"}, {"text", "Hello"}},
                                 {{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "look"}, {"input", {{"q", 1}}}}})}},
       {{"role", "user"},
        {"content", Json::array({{{"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"content", "found"}},
                                 {{"type", "text"}, {"text", "go on"}}})}}});
  req["tools"] = Json::array({{{"name", "look"}, {"description", "looks"}, {"input_schema", {{"type", "object"}}}}});
  httplib::Headers headers = {{"anthropic-beta", "claude-code-20250219,made-up-beta-2099-01-01"},
                              {"anthropic-version", "2023-06-01"}};
  auto res = client().Post("/v1/messages?beta=true", headers, req.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(ServerTest, ClientDisconnectMidStreamCancelsAndServerGoesOn) {
  Json req = message_request(200, true);
  int chunks = 0;
  httplib::Request r;
  r.method = "POST";
  r.path = "/v1/messages";
  r.body = req.dump();
  r.set_header("Content-Type", "application/json");
  r.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++chunks < 3; };
  auto c = client();
  auto res = c.send(r);
  EXPECT_GE(chunks, 3);
  // The next request is served promptly (the cancelled job stops at its next token).
  auto next = post("/v1/messages", message_request(2, false).dump());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerTest, FullQueueIsOverloaded) {
  // Long streams fill both slots while one more request waits; the next request finds the queue full.
  constexpr int kSlots = 2;
  std::atomic<int> started{0};
  std::vector<std::thread> runners;
  for (int i = 0; i < kSlots; ++i) {
    runners.emplace_back([&] {
      httplib::Request r;
      r.method = "POST";
      r.path = "/v1/messages";
      r.body = message_request(200, true).dump();
      r.set_header("Content-Type", "application/json");
      bool counted = false;
      r.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (!counted && std::string(data, n).find("content_block_delta") != std::string::npos) {
          counted = true;
          ++started;
        }
        return true;
      };
      client().send(r);
    });
  }
  for (int i = 0; i < 2000 && started < kSlots; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(started, kSlots);
  std::thread waiter([&] { post("/v1/messages", message_request(1, false).dump()); });
  for (int i = 0; i < 2000; ++i) {  // until the waiter's job is queued behind the running ones
    auto health = client().Get("/health");
    if (health && Json::parse(health->body)["queue_depth"] == kSlots + 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto res = post("/v1/messages", message_request(1, false).dump());
  auto oai = post("/v1/chat/completions",
                  Json{{"model", "m"}, {"max_tokens", 1}, {"messages", Json::array({{{"role", "user"}, {"content", "x"}}})}}
                      .dump());
  for (auto& t : runners) t.join();
  waiter.join();
  expect_error(res, 529, "overloaded_error");
  EXPECT_EQ(res->get_header_value("retry-after"), "1");
  ASSERT_TRUE(oai);
  EXPECT_EQ(oai->status, 429);
}

TEST_F(ServerTest, ConcurrentRequestsGiveTheirSoloAnswers) {
  // Greedy answers to the same prompt must not depend on what ran before or beside them (batched steps).
  auto solo = post("/v1/messages", message_request(6, false).dump());
  ASSERT_TRUE(solo);
  const Json want = Json::parse(solo->body)["content"];
  std::vector<std::thread> threads;
  std::vector<Json> got(2);
  std::vector<int> status(2, 0);
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      auto res = post("/v1/messages", message_request(6, i == 1).dump());
      if (!res) return;
      status[i] = res->status;
      if (i == 0) {
        got[i] = Json::parse(res->body)["content"];
      } else {
        std::string text;
        for (const auto& e : parse_sse(res->body)) {
          if (e.name == "content_block_delta") text += e.data["delta"]["text"].get<std::string>();
        }
        got[i] = Json::array({{{"type", "text"}, {"text", text}, {"citations", nullptr}}});
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(status[i], 200);
    EXPECT_EQ(got[i], want) << i;
  }
}

TEST_F(ServerTest, ChatCompletionsAnswers) {
  Json req = {{"model", "anything"},
              {"max_tokens", 8},
              {"temperature", 0},
              {"messages", Json::array({{{"role", "system"}, {"content", "Stories."}},
                                        {{"role", "user"}, {"content", "Once upon a time"}}})}};
  auto res = post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json out = Json::parse(res->body);
  EXPECT_EQ(out["object"], "chat.completion");
  EXPECT_EQ(out["choices"][0]["message"]["role"], "assistant");
  std::string text = out["choices"][0]["message"]["content"];
  std::string finish = out["choices"][0]["finish_reason"];
  EXPECT_TRUE(finish == "stop" || finish == "length");
  EXPECT_LE(out["usage"]["completion_tokens"].get<int>(), 8);

  req["stream"] = true;
  req["stream_options"] = {{"include_usage", true}};
  auto stream = post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(stream);
  auto events = parse_sse(stream->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back().data, "[DONE]");
  EXPECT_EQ(events[0].data["choices"][0]["delta"]["role"], "assistant");
  std::string streamed;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].data["object"], "chat.completion.chunk");
    if (!events[i].data["choices"].empty() && events[i].data["choices"][0]["delta"].contains("content")) {
      streamed += events[i].data["choices"][0]["delta"]["content"].get<std::string>();
    }
  }
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(events[events.size() - 2].data["usage"]["completion_tokens"], out["usage"]["completion_tokens"]);
  EXPECT_EQ(events[events.size() - 3].data["choices"][0]["finish_reason"], finish);
}

TEST_F(ServerTest, ChatCompletionsErrorsUseOpenAiShape) {
  auto res = post("/v1/chat/completions", "[1,2]");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(Json::parse(res->body)["error"]["message"].is_string());
}

TEST_F(ServerTest, CompletionsContinuesAPrompt) {
  auto res = post("/v1/completions", Json{{"model", "m"}, {"prompt", "Once upon"}, {"max_tokens", 5}}.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json out = Json::parse(res->body);
  EXPECT_EQ(out["object"], "text_completion");
  EXPECT_TRUE(out["choices"][0]["text"].is_string());
  EXPECT_LE(out["usage"]["completion_tokens"].get<int>(), 5);
}

TEST_F(ServerTest, CompletionsStreamEndsWithDone) {
  auto res = post("/v1/completions",
                  Json{{"model", "m"}, {"prompt", "Once upon"}, {"max_tokens", 4}, {"stream", true}}.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  auto events = parse_sse(res->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back().data, "[DONE]");
  EXPECT_EQ(events[events.size() - 2].data["choices"][0]["finish_reason"].is_string(), true);
}

TEST_F(ServerTest, ChatCompletionsAcceptToolTurns) {
  Json req = Json::parse(R"({"model": "m", "max_tokens": 3, "messages": [
      {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "18C"}],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]})");
  auto res = post("/v1/chat/completions", req.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Json::parse(res->body)["choices"][0]["message"]["role"], "assistant");
}

TEST_F(ServerTest, MetricsCountRequests) {
  post("/v1/messages", "{");
  // Requests are counted once their response has been written, so the count may trail the client briefly.
  const std::string counted = "glassbox_requests_total{route=\"/v1/messages\",status=\"400\"}";
  std::string body;
  for (int i = 0; i < 100 && body.find(counted) == std::string::npos; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto res = client().Get("/metrics");
    ASSERT_TRUE(res);
    body = res->body;
  }
  EXPECT_NE(body.find(counted), std::string::npos);
  EXPECT_NE(body.find("glassbox_time_to_first_token_seconds_count"), std::string::npos);
  EXPECT_NE(body.find("glassbox_queue_depth"), std::string::npos);
}

TEST(ServerAuthTest, ApiKeyIsRequiredWhenSet) {
  if (!std::filesystem::exists(kModel)) GTEST_SKIP() << "reference model absent";
  ServerOptions opt;
  opt.model_path = kModel;
  opt.port = 0;
  opt.n_threads = 1;
  opt.api_key = "sekrit";
  auto s = Server::create(opt);
  ASSERT_TRUE(s.ok()) << s.status().message();
  (*s)->start();
  httplib::Client c("127.0.0.1", (*s)->port());
  c.set_read_timeout(60, 0);  // a loaded CI machine can take longer than the 5 s default
  auto none = c.Get("/v1/models");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Json::parse(none->body)["error"]["type"], "authentication_error");
  EXPECT_EQ(c.Get("/v1/models", {{"x-api-key", "wrong"}})->status, 401);
  EXPECT_EQ(c.Get("/v1/models", {{"x-api-key", "sekrit"}})->status, 200);
  EXPECT_EQ(c.Get("/v1/models", {{"Authorization", "Bearer sekrit"}})->status, 200);
  EXPECT_EQ(c.Get("/health")->status, 200);
}

// A real tool-calling template (Hermes via Qwen 2.5) over the storyteller weights: tools reach the prompt.
TEST(ServerTemplateTest, ToolsAreRenderedIntoThePrompt) {
  const std::string tmpl = std::string(GLASSBOX_SHARED_DIR) + "/fixtures/chat_templates/Qwen-Qwen2.5-7B-Instruct.jinja";
  if (!std::filesystem::exists(kModel) || !std::filesystem::exists(tmpl)) GTEST_SKIP() << "shared fixtures absent";
  ServerOptions opt;
  opt.model_path = kModel;
  opt.chat_template_path = tmpl;
  opt.n_ctx = 1024;  // the template's tool preamble outgrows the storyteller's trained 256 positions
  opt.port = 0;
  opt.n_threads = 1;
  auto s = Server::create(opt);
  ASSERT_TRUE(s.ok()) << s.status().message();
  (*s)->start();
  httplib::Client c("127.0.0.1", (*s)->port());
  c.set_read_timeout(60, 0);  // a loaded CI machine can take longer than the 5 s default
  Json req = {{"model", "claude"}, {"messages", Json::array({{{"role", "user"}, {"content", "weather?"}}})}};
  auto plain = c.Post("/v1/messages/count_tokens", req.dump(), "application/json");
  req["tools"] = Json::array({{{"name", "get_weather"},
                               {"description", "Current weather for a city"},
                               {"input_schema", {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}}}});
  auto with_tools = c.Post("/v1/messages/count_tokens", req.dump(), "application/json");
  ASSERT_TRUE(plain && with_tools);
  ASSERT_EQ(with_tools->status, 200) << with_tools->body;
  EXPECT_GT(Json::parse(with_tools->body)["input_tokens"].get<int>(),
            Json::parse(plain->body)["input_tokens"].get<int>() + 20);
  req["max_tokens"] = 4;
  req["stream"] = true;
  auto stream = c.Post("/v1/messages", req.dump(), "application/json");
  ASSERT_TRUE(stream);
  ASSERT_EQ(stream->status, 200) << stream->body;
  auto events = parse_sse(stream->body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.front().name, "message_start");
  EXPECT_EQ(events.back().name, "message_stop");
  std::string stop = events[events.size() - 2].data["delta"]["stop_reason"];
  EXPECT_TRUE(stop == "max_tokens" || stop == "end_turn" || stop == "tool_use") << stop;
}

TEST(ServerAuthTest, RefusesNonLoopbackWithoutKey) {
  ServerOptions opt;
  opt.model_path = kModel;
  opt.host = "0.0.0.0";
  auto s = Server::create(opt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("--api-key"), std::string::npos);
}

}  // namespace
}  // namespace glassbox::server
