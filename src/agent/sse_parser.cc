// SseParser: line splitting and field handling for server-sent events.
#include "agent/sse_parser.h"

namespace glassbox::agent {

void SseParser::feed(std::string_view bytes, const std::function<void(SseEvent)>& on_event) {
  for (char c : bytes) {
    if (c == '\n') {
      std::string_view line(line_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::string copy(line);
      line_.clear();
      handle_line(copy, on_event);
    } else {
      line_.push_back(c);
    }
  }
}

void SseParser::handle_line(std::string_view line, const std::function<void(SseEvent)>& on_event) {
  if (line.empty()) {
    if (has_fields_) {
      on_event(std::move(pending_));
      pending_ = SseEvent();
    }
    has_fields_ = false;
    data_seen_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment / keep-alive
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "event") {
    pending_.event = std::string(value);
    has_fields_ = true;
  } else if (field == "data") {
    if (data_seen_) pending_.data.push_back('\n');
    pending_.data.append(value);
    data_seen_ = true;
    has_fields_ = true;
  }
  // `id:` and `retry:` are not used by the Messages API; unknown fields are ignored per the spec.
}

}  // namespace glassbox::agent
