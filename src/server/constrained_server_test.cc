// Constrained decoding and embeddings end to end: a random-weight model (synth "tiny", a very weak model) behind
// the in-process server; whatever it samples, forced tool calls and response_format output parse and validate.
#include <httplib.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/thread_pool.h"
#include "constrain/schema_validator_testing.h"
#include "model/synth/synth_model.h"
#include "server/server.h"

namespace glassbox::server {
namespace {

using Json = nlohmann::ordered_json;
using constrain::testing::why_invalid;

const Json kWeatherSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "city": {"type": "string", "maxLength": 12},
    "unit": {"enum": ["celsius", "fahrenheit"]},
    "days": {"type": "integer"},
    "flags": {"type": "array", "items": {"type": "boolean"}, "maxItems": 3}
  },
  "required": ["city", "unit"],
  "additionalProperties": false
})");

const Json kTimeSchema = Json::parse(R"({
  "type": "object",
  "properties": {"zone": {"enum": ["UTC", "CET"]}, "24h": {"type": "boolean"}},
  "required": ["zone", "24h"]
})");

std::vector<Json> parse_stream(const std::string& body) {
  std::vector<Json> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("data: ", 0) == 0 && line != "data: [DONE]") out.push_back(Json::parse(line.substr(6)));
  }
  return out;
}

class ConstrainedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("glassbox-constrained-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string path = (*dir_ / "tiny.gguf").string();
    model::synth::SynthOptions so;
    so.shape = "tiny";
    so.type = "f32";
    so.seed = 3;
    auto plan = model::synth::plan_synth(so);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    ThreadPool pool(2);
    auto writer = model::synth::make_synth_writer(*plan, pool);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    ASSERT_TRUE(writer->write(path).ok());
    ServerOptions opt;
    opt.model_path = path;
    opt.port = 0;
    opt.n_threads = 2;
    opt.max_body_bytes = 1 << 20;
    opt.max_waiting = 4;
    auto s = Server::create(opt);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = s->release();
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  Json post_json(const std::string& path, const Json& body, int want_status = 200) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(120, 0);
    auto res = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return Json();
    EXPECT_EQ(res->status, want_status) << res->body;
    return Json::parse(res->body, nullptr, false);
  }
  std::string post_raw(const std::string& path, const Json& body) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(120, 0);
    auto res = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  }

  static Json anthropic_request(const Json& tool_choice, bool stream, int seed_tag) {
    return {{"model", "claude-sonnet-4-6"},
            {"max_tokens", 400},
            {"temperature", 1.0},
            {"stream", stream},
            {"messages", Json::array({{{"role", "user"}, {"content", "weather please " + std::to_string(seed_tag)}}})},
            {"tools", Json::array({{{"name", "get_weather"}, {"input_schema", kWeatherSchema}},
                                   {{"name", "get_time"}, {"input_schema", kTimeSchema}}})},
            {"tool_choice", tool_choice}};
  }
  static Json openai_request(int seed, bool stream) {
    return {{"model", "glassbox"},
            {"max_tokens", 400},
            {"temperature", 1.0},
            {"seed", seed},
            {"stream", stream},
            {"messages", Json::array({{{"role", "user"}, {"content", "answer in JSON"}}})}};
  }
  static Json openai_tools() {
    return Json::array({{{"type", "function"}, {"function", {{"name", "get_weather"}, {"parameters", kWeatherSchema}}}},
                        {{"type", "function"}, {"function", {{"name", "get_time"}, {"parameters", kTimeSchema}}}}});
  }
  static const Json& schema_of(const std::string& name) { return name == "get_weather" ? kWeatherSchema : kTimeSchema; }

  static Server* server_;
  static std::filesystem::path* dir_;
};

Server* ConstrainedServerTest::server_ = nullptr;
std::filesystem::path* ConstrainedServerTest::dir_ = nullptr;

TEST_F(ConstrainedServerTest, AnthropicForcedToolAlwaysValidates) {
  for (int i = 0; i < 6; ++i) {
    Json m = post_json("/v1/messages", anthropic_request({{"type", "tool"}, {"name", "get_weather"}}, false, i));
    ASSERT_EQ(m["content"].size(), 1u) << m.dump();
    const Json& block = m["content"][0];
    EXPECT_EQ(block["type"], "tool_use");
    EXPECT_EQ(block["name"], "get_weather");
    EXPECT_EQ(block["id"].get<std::string>().rfind("toolu_", 0), 0u);
    EXPECT_EQ(m["stop_reason"], "tool_use") << m.dump();
    EXPECT_EQ(why_invalid(block["input"], kWeatherSchema, kWeatherSchema), "") << block.dump();
  }
}

TEST_F(ConstrainedServerTest, AnthropicForcedToolStreamsInputJsonDeltas) {
  for (int i = 0; i < 3; ++i) {
    std::string body =
        post_raw("/v1/messages", anthropic_request({{"type", "tool"}, {"name", "get_weather"}}, true, i));
    std::vector<Json> events = parse_stream(body);
    std::string partial, stop_reason;
    bool started = false;
    for (const Json& e : events) {
      if (e["type"] == "content_block_start") {
        EXPECT_EQ(e["content_block"]["type"], "tool_use");
        EXPECT_EQ(e["content_block"]["name"], "get_weather");
        started = true;
      } else if (e["type"] == "content_block_delta") {
        EXPECT_EQ(e["delta"]["type"], "input_json_delta");
        partial += e["delta"]["partial_json"].get<std::string>();
      } else if (e["type"] == "message_delta") {
        stop_reason = e["delta"]["stop_reason"];
      }
    }
    EXPECT_TRUE(started);
    EXPECT_EQ(stop_reason, "tool_use");
    Json input = Json::parse(partial, nullptr, false);
    ASSERT_FALSE(input.is_discarded()) << partial;
    EXPECT_EQ(why_invalid(input, kWeatherSchema, kWeatherSchema), "") << partial;
  }
}

TEST_F(ConstrainedServerTest, AnthropicAnyPicksOneOfTheTools) {
  for (int i = 0; i < 4; ++i) {
    const bool stream = i % 2 == 1;
    Json block;
    if (stream) {
      std::string partial;
      for (const Json& e : parse_stream(post_raw("/v1/messages", anthropic_request({{"type", "any"}}, true, i)))) {
        if (e["type"] == "content_block_start") block = e["content_block"];
        if (e["type"] == "content_block_delta") partial += e["delta"]["partial_json"].get<std::string>();
      }
      block["input"] = Json::parse(partial, nullptr, false);
    } else {
      Json m = post_json("/v1/messages", anthropic_request({{"type", "any"}}, false, i));
      EXPECT_EQ(m["stop_reason"], "tool_use");
      block = m["content"][0];
    }
    ASSERT_EQ(block["type"], "tool_use") << block.dump();
    const std::string name = block["name"];
    ASSERT_TRUE(name == "get_weather" || name == "get_time") << name;
    EXPECT_EQ(why_invalid(block["input"], schema_of(name), schema_of(name)), "") << block.dump();
  }
}

TEST_F(ConstrainedServerTest, AnthropicToolChoiceErrorsNameTheField) {
  Json bad = post_json("/v1/messages", anthropic_request({{"type", "tool"}, {"name", "nope"}}, false, 0), 400);
  EXPECT_EQ(bad["error"]["message"], "tool_choice.name: no tool named 'nope' in tools");
  Json req = anthropic_request({{"type", "tool"}, {"name", "get_weather"}}, false, 0);
  req["tools"][0]["input_schema"] = {{"type", "object"}, {"properties", {{"a", {{"not", {{"type", "string"}}}}}}}};
  Json e = post_json("/v1/messages", req, 400);
  EXPECT_EQ(e["error"]["message"],
            "tools.get_weather.input_schema: schema at /properties/a: keyword `not` is not supported");
  post_json("/v1/messages", anthropic_request({{"type", "sometimes"}}, false, 0), 400);
}

TEST_F(ConstrainedServerTest, OpenAiResponseFormatJsonSchemaValidates) {
  Json schema = kWeatherSchema;
  for (int i = 0; i < 4; ++i) {
    Json req = openai_request(100 + i, i % 2 == 1);
    req["response_format"] = {{"type", "json_schema"},
                              {"json_schema", {{"name", "weather"}, {"strict", true}, {"schema", schema}}}};
    std::string content;
    std::string finish;
    if (i % 2 == 1) {
      for (const Json& chunk : parse_stream(post_raw("/v1/chat/completions", req))) {
        if (chunk["choices"].empty()) continue;
        const Json& delta = chunk["choices"][0]["delta"];
        if (delta.contains("content") && delta["content"].is_string()) content += delta["content"].get<std::string>();
        if (chunk["choices"][0]["finish_reason"].is_string()) finish = chunk["choices"][0]["finish_reason"];
      }
    } else {
      Json out = post_json("/v1/chat/completions", req);
      content = out["choices"][0]["message"]["content"];
      finish = out["choices"][0]["finish_reason"];
    }
    EXPECT_EQ(finish, "stop");
    Json value = Json::parse(content, nullptr, false);
    ASSERT_FALSE(value.is_discarded()) << content;
    EXPECT_EQ(why_invalid(value, schema, schema), "") << content;
  }
}

TEST_F(ConstrainedServerTest, OpenAiJsonObjectGivesAnObject) {
  Json req = openai_request(7, false);
  req["max_tokens"] = 2000;
  req["response_format"] = {{"type", "json_object"}};
  Json out = post_json("/v1/chat/completions", req);
  const std::string content = out["choices"][0]["message"]["content"];
  if (out["choices"][0]["finish_reason"] == "stop") {
    Json value = Json::parse(content, nullptr, false);
    EXPECT_TRUE(value.is_object()) << content;
  } else {
    EXPECT_EQ(content.find_first_not_of(" \n\t"), content.find('{')) << content;  // cut short, but an object
  }
  req["response_format"] = {{"type", "yaml"}};
  post_json("/v1/chat/completions", req, 400);
}

TEST_F(ConstrainedServerTest, OpenAiForcedToolCallsValidate) {
  for (int i = 0; i < 4; ++i) {
    const bool stream = i % 2 == 1;
    Json req = openai_request(200 + i, stream);
    req["tools"] = openai_tools();
    req["tool_choice"] = i < 2 ? Json{{"type", "function"}, {"function", {{"name", "get_time"}}}} : Json("required");
    std::string name, arguments, finish;
    if (stream) {
      for (const Json& chunk : parse_stream(post_raw("/v1/chat/completions", req))) {
        if (chunk["choices"].empty()) continue;
        const Json& delta = chunk["choices"][0]["delta"];
        if (delta.contains("tool_calls")) {
          const Json& fn = delta["tool_calls"][0]["function"];
          if (fn.contains("name")) name = fn["name"];
          arguments += fn["arguments"].get<std::string>();
        }
        if (chunk["choices"][0]["finish_reason"].is_string()) finish = chunk["choices"][0]["finish_reason"];
      }
    } else {
      Json out = post_json("/v1/chat/completions", req);
      const Json& message = out["choices"][0]["message"];
      EXPECT_TRUE(message["content"].is_null());
      name = message["tool_calls"][0]["function"]["name"];
      arguments = message["tool_calls"][0]["function"]["arguments"];
      finish = out["choices"][0]["finish_reason"];
    }
    EXPECT_EQ(finish, "tool_calls");
    if (i < 2) {
      EXPECT_EQ(name, "get_time");
    }
    ASSERT_TRUE(name == "get_weather" || name == "get_time") << name;
    Json args = Json::parse(arguments, nullptr, false);
    ASSERT_FALSE(args.is_discarded()) << arguments;
    EXPECT_EQ(why_invalid(args, schema_of(name), schema_of(name)), "") << arguments;
  }
  Json req = openai_request(1, false);
  req["tool_choice"] = "required";
  EXPECT_EQ(post_json("/v1/chat/completions", req, 400)["error"]["message"],
            "tool_choice: forcing a tool call needs `tools`");
}

std::vector<float> floats(const Json& embedding) { return embedding.get<std::vector<float>>(); }

std::vector<float> from_base64(const std::string& s) {
  auto value = [](char c) -> uint32_t {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
  };
  std::string bytes;
  for (size_t i = 0; i + 3 < s.size(); i += 4) {
    uint32_t v = value(s[i]) << 18 | value(s[i + 1]) << 12 | (s[i + 2] == '=' ? 0 : value(s[i + 2]) << 6) |
                 (s[i + 3] == '=' ? 0 : value(s[i + 3]));
    bytes += static_cast<char>(v >> 16);
    if (s[i + 2] != '=') bytes += static_cast<char>((v >> 8) & 255);
    if (s[i + 3] != '=') bytes += static_cast<char>(v & 255);
  }
  std::vector<float> out(bytes.size() / 4);
  std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

TEST_F(ConstrainedServerTest, EmbeddingsAreDeterministicUnitVectorsInInputOrder) {
  Json one =
      post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", "the cat sat"}, {"encoding_format", "float"}});
  EXPECT_EQ(one["object"], "list");
  EXPECT_EQ(one["model"], "glassbox");
  ASSERT_EQ(one["data"].size(), 1u);
  EXPECT_EQ(one["data"][0]["object"], "embedding");
  EXPECT_EQ(one["data"][0]["index"], 0);
  std::vector<float> a = floats(one["data"][0]["embedding"]);
  ASSERT_FALSE(a.empty());
  double norm = 0;
  for (float v : a) norm += double(v) * v;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
  EXPECT_GT(one["usage"]["prompt_tokens"].get<int>(), 0);
  EXPECT_EQ(one["usage"]["total_tokens"], one["usage"]["prompt_tokens"]);

  Json again = post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", "the cat sat"}});
  EXPECT_EQ(floats(again["data"][0]["embedding"]), a);

  Json batch =
      post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", {"a dog ran", "the cat sat", "a dog ran"}}});
  ASSERT_EQ(batch["data"].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(batch["data"][i]["index"], i);
  EXPECT_EQ(floats(batch["data"][1]["embedding"]), a);
  EXPECT_EQ(floats(batch["data"][0]["embedding"]), floats(batch["data"][2]["embedding"]));
  EXPECT_NE(floats(batch["data"][0]["embedding"]), a);

  Json b64 =
      post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", "the cat sat"}, {"encoding_format", "base64"}});
  EXPECT_EQ(from_base64(b64["data"][0]["embedding"]), a);

  post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", ""}}, 400);
  post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", Json::array()}}, 400);
  post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", {1, 2, 999999}}}, 400);
  post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", "x"}, {"encoding_format", "int8"}}, 400);
  Json dims = post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", "x"}, {"dimensions", 3}}, 400);
  EXPECT_NE(dims["error"]["message"].get<std::string>().find("cannot be shortened"), std::string::npos);
  Json same = post_json("/v1/embeddings", {{"model", "glassbox"}, {"input", {5, 6, 7}}, {"dimensions", a.size()}});
  EXPECT_EQ(same["data"][0]["embedding"].size(), a.size());
}

}  // namespace
}  // namespace glassbox::server
