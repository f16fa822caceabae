// MessageStream: rebuilds one assistant message from the Messages API's streaming events
// (message_start, content_block_start/delta/stop, message_delta, message_stop, ping, error).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "agent/sse_parser.h"
#include "base/status.h"

namespace glassbox::agent {

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_read_input_tokens = 0;
  int64_t cache_creation_input_tokens = 0;
  void add(const Usage& other);
};

// Thrown-free accumulator. Feed it SSE events in order; after message_stop, message() is the final
// assistant message ({"id","type":"message","role":"assistant","content":[...],"stop_reason",...}).
// A tool_use block whose streamed input is not valid JSON keeps `input: {}` in the message and is
// listed in tool_input_errors() (id -> reason), so the caller can answer it with an is_error
// result. Not thread-safe.
class MessageStream {
 public:
  MessageStream();
  ~MessageStream();

  // `on_text` receives text deltas as they arrive (may be null).
  void set_on_text(std::function<void(std::string_view)> on_text) { on_text_ = std::move(on_text); }

  // An error names the event and what was wrong; after an error the stream is unusable.
  Status handle(const SseEvent& event);

  bool done() const { return done_; }
  bool started() const { return started_; }
  bool emitted_text() const { return emitted_text_; }
  // The `error.type` of a mid-stream `error` event ("overloaded_error"), empty if none.
  const std::string& stream_error_type() const { return stream_error_type_; }
  const nlohmann::json& message() const;
  const Usage& usage() const { return usage_; }
  std::string stop_reason() const;
  const std::map<std::string, std::string>& tool_input_errors() const { return tool_input_errors_; }

 private:
  Status handle_json(const std::string& type, const nlohmann::json& data);
  std::unique_ptr<nlohmann::json> message_;
  std::map<int64_t, std::string> partial_json_;  // block index -> concatenated input_json_delta
  std::map<int64_t, size_t> positions_;          // block index -> position in content
  std::map<std::string, std::string> tool_input_errors_;
  std::function<void(std::string_view)> on_text_;
  Usage usage_;
  std::string stream_error_type_;
  bool started_ = false;
  bool done_ = false;
  bool emitted_text_ = false;
};

}  // namespace glassbox::agent
