// ScriptedServer: cpp-httplib server replaying planned Messages API responses.
#include "agent/testing/scripted_server.h"

#include <httplib.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace glassbox::agent::testing {

using nlohmann::json;

namespace {

std::string event(const std::string& name, const json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

}  // namespace

std::string sse_turn(const std::string& text, const std::vector<ToolUseSpec>& tool_uses,
                     int input_tokens, int output_tokens) {
  static int counter = 0;
  std::string out = event("message_start",
                          {{"type", "message_start"},
                           {"message",
                            {{"id", "msg_test_" + std::to_string(++counter)},
                             {"type", "message"},
                             {"role", "assistant"},
                             {"content", json::array()},
                             {"model", "glassbox"},
                             {"stop_reason", nullptr},
                             {"stop_sequence", nullptr},
                             {"usage", {{"input_tokens", input_tokens}, {"output_tokens", 1}}}}}});
  out += ": keep-alive comment\n\n";
  int index = 0;
  if (!text.empty()) {
    out += event("content_block_start", {{"type", "content_block_start"},
                                         {"index", index},
                                         {"content_block", {{"type", "text"}, {"text", ""}}}});
    out += event("ping", {{"type", "ping"}});
    for (size_t i = 0; i < text.size(); i += 5) {
      out += event("content_block_delta",
                   {{"type", "content_block_delta"},
                    {"index", index},
                    {"delta", {{"type", "text_delta"}, {"text", text.substr(i, 5)}}}});
    }
    out += event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
    ++index;
  }
  for (const auto& t : tool_uses) {
    out += event(
        "content_block_start",
        {{"type", "content_block_start"},
         {"index", index},
         {"content_block",
          {{"type", "tool_use"}, {"id", t.id}, {"name", t.name}, {"input", json::object()}}}});
    for (size_t i = 0; i < t.input_json.size(); i += 7) {
      out += event(
          "content_block_delta",
          {{"type", "content_block_delta"},
           {"index", index},
           {"delta", {{"type", "input_json_delta"}, {"partial_json", t.input_json.substr(i, 7)}}}});
    }
    out += event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
    ++index;
  }
  out += event(
      "message_delta",
      {{"type", "message_delta"},
       {"delta",
        {{"stop_reason", tool_uses.empty() ? "end_turn" : "tool_use"}, {"stop_sequence", nullptr}}},
       {"usage", {{"output_tokens", output_tokens}}}});
  out += event("message_stop", {{"type", "message_stop"}});
  return out;
}

std::string error_body(const std::string& type, const std::string& message) {
  return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
}

struct ScriptedServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mu;
  std::deque<PlannedResponse> planned;
  std::vector<std::string> bodies;
  std::vector<httplib::Headers> headers;
};

ScriptedServer::ScriptedServer() : impl_(std::make_unique<Impl>()) {
  impl_->server.Post("/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
    PlannedResponse p;
    bool have = false;
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->bodies.push_back(req.body);
      impl_->headers.push_back(req.headers);
      if (!impl_->planned.empty()) {
        p = std::move(impl_->planned.front());
        impl_->planned.pop_front();
        have = true;
      }
    }
    if (!have) {
      res.status = 500;
      res.set_content(error_body("api_error", "scripted server: no planned response left"),
                      "application/json");
      return;
    }
    if (p.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(p.delay_ms));
    res.status = p.status;
    for (const auto& [k, v] : p.headers) res.set_header(k, v);
    if (p.status != 200) {
      res.set_content(p.body,
                      p.content_type == "text/event-stream" ? "application/json" : p.content_type);
      return;
    }
    auto body = std::make_shared<std::string>(std::move(p.body));
    res.set_chunked_content_provider(p.content_type, [body](size_t offset,
                                                            httplib::DataSink& sink) {
      if (offset >= body->size()) {
        sink.done();
        return true;
      }
      size_t n = std::min<size_t>(97, body->size() - offset);  // odd sizes split events mid-line
      return sink.write(body->data() + offset, n);
    });
  });
}

ScriptedServer::~ScriptedServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool ScriptedServer::start() {
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) return false;
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  for (int i = 0; i < 200 && !impl_->server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return impl_->server.is_running();
}

std::string ScriptedServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void ScriptedServer::plan(PlannedResponse response) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->planned.push_back(std::move(response));
}

void ScriptedServer::plan_turn(const std::string& text, const std::vector<ToolUseSpec>& tool_uses) {
  PlannedResponse p;
  p.body = sse_turn(text, tool_uses);
  plan(std::move(p));
}

std::vector<std::string> ScriptedServer::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->bodies;
}

std::vector<std::string> ScriptedServer::request_header(const std::string& name) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<std::string> out;
  for (const auto& h : impl_->headers) {
    auto it = h.find(name);
    out.push_back(it == h.end() ? "" : it->second);
  }
  return out;
}

size_t ScriptedServer::unplayed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->planned.size();
}

}  // namespace glassbox::agent::testing
