// SseParser: splits a text/event-stream byte stream into events (WHATWG server-sent events, the
// subset the Messages API uses: `event:`, `data:`, `:` comments, blank-line dispatch).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace glassbox::agent {

struct SseEvent {
  std::string event;  // the `event:` name; empty when the server sent none
  std::string data;   // the `data:` lines joined by '\n'
};

// Incremental: bytes may arrive split anywhere, including inside a line or a CRLF pair.
// Not thread-safe.
class SseParser {
 public:
  void feed(std::string_view bytes, const std::function<void(SseEvent)>& on_event);
  // Bytes received that do not yet form a complete event (for "stream ended early" checks).
  bool has_partial_event() const { return !line_.empty() || has_fields_; }

 private:
  void handle_line(std::string_view line, const std::function<void(SseEvent)>& on_event);
  std::string line_;
  SseEvent pending_;
  bool has_fields_ = false;
  bool data_seen_ = false;
};

}  // namespace glassbox::agent
