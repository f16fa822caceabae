// ScriptedServer: a Messages API stand-in for tests. It listens on 127.0.0.1 (an ephemeral port),
// answers each POST /v1/messages with the next planned response (SSE turns, HTTP errors, delays,
// garbage), and records every request body it received.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace glassbox::agent::testing {

struct PlannedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "text/event-stream";
  int delay_ms = 0;  // before the response starts
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ToolUseSpec {
  std::string id;
  std::string name;
  std::string input_json;  // sent verbatim in input_json_delta pieces (may be malformed on purpose)
};

// A complete streamed turn: optional text, then tool_use blocks; stop_reason tool_use when there
// are any.
std::string sse_turn(const std::string& text, const std::vector<ToolUseSpec>& tool_uses = {},
                     int input_tokens = 100, int output_tokens = 20);
// An API error body: {"type":"error","error":{"type":..,"message":..}}.
std::string error_body(const std::string& type, const std::string& message);

// Thread-safe. The server stops in the destructor.
class ScriptedServer {
 public:
  ScriptedServer();
  ~ScriptedServer();
  // Starts listening; returns false when no loopback port could be bound.
  bool start();
  std::string base_url() const;
  void plan(PlannedResponse response);
  void plan_turn(const std::string& text, const std::vector<ToolUseSpec>& tool_uses = {});
  std::vector<std::string> requests() const;  // request bodies, in arrival order
  std::vector<std::string> request_header(const std::string& name) const;
  size_t unplayed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::agent::testing
