// MessageStream: event-by-event reconstruction of a streamed Messages API response.
#include "agent/message_stream.h"

#include <nlohmann/json.hpp>

namespace glassbox::agent {

using nlohmann::json;

void Usage::add(const Usage& other) {
  input_tokens += other.input_tokens;
  output_tokens += other.output_tokens;
  cache_read_input_tokens += other.cache_read_input_tokens;
  cache_creation_input_tokens += other.cache_creation_input_tokens;
}

namespace {

void read_usage(const json& u, Usage* usage) {
  if (!u.is_object()) return;
  auto get = [&](const char* key, int64_t* out) {
    auto it = u.find(key);
    if (it != u.end() && it->is_number_integer()) *out = it->get<int64_t>();
  };
  get("input_tokens", &usage->input_tokens);
  get("output_tokens", &usage->output_tokens);
  get("cache_read_input_tokens", &usage->cache_read_input_tokens);
  get("cache_creation_input_tokens", &usage->cache_creation_input_tokens);
}

std::string clip(const std::string& s, size_t n = 200) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

}  // namespace

MessageStream::MessageStream() : message_(std::make_unique<json>(json::object())) {
  (*message_)["role"] = "assistant";
  (*message_)["content"] = json::array();
}
MessageStream::~MessageStream() = default;

const json& MessageStream::message() const { return *message_; }

std::string MessageStream::stop_reason() const {
  auto it = message_->find("stop_reason");
  return it != message_->end() && it->is_string() ? it->get<std::string>() : "";
}

Status MessageStream::handle(const SseEvent& event) {
  if (event.data.empty() && event.event == "ping") return ok_status();
  json data = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded() || !data.is_object()) {
    return data_loss("messages stream: event '" + event.event +
                     "' carries data that is not a JSON object: '" + clip(event.data) + "'");
  }
  std::string type = event.event;
  if (type.empty() && data.contains("type") && data["type"].is_string())
    type = data["type"].get<std::string>();
  try {
    return handle_json(type, data);
  } catch (const json::exception& e) {
    return data_loss("messages stream: event '" + type + "' has an unexpected shape (" + e.what() +
                     "): '" + clip(event.data) + "'");
  }
}

Status MessageStream::handle_json(const std::string& type, const json& data) {
  json& msg = *message_;
  if (type == "ping") return ok_status();
  if (type == "error") {
    const json& err = data.value("error", json::object());
    stream_error_type_ = err.value("type", "error");
    return internal_error("messages stream: server sent an error event: " + stream_error_type_ +
                          ": " + err.value("message", std::string("(no message)")));
  }
  if (type == "message_start") {
    const json& m = data.at("message");
    for (const char* key : {"id", "model"}) {
      if (m.contains(key)) msg[key] = m[key];
    }
    msg["type"] = "message";
    msg["stop_reason"] = nullptr;
    read_usage(m.value("usage", json::object()), &usage_);
    started_ = true;
    return ok_status();
  }
  if (!started_) return data_loss("messages stream: '" + type + "' arrived before message_start");
  json& content = msg["content"];
  if (type == "content_block_start") {
    int64_t index = data.at("index").get<int64_t>();
    // Indices are positions in the final message; a server that skips one still gets its blocks
    // kept in order, but a repeated index is an error.
    if (!positions_.emplace(index, content.size()).second) {
      return data_loss(str_format("messages stream: content_block_start repeats index %lld",
                                  static_cast<long long>(index)));
    }
    json block = data.at("content_block");
    if (block.value("type", "") == "tool_use") {
      block["input"] = json::object();
      partial_json_[index] = "";
    }
    content.push_back(std::move(block));
    return ok_status();
  }
  if (type == "content_block_delta") {
    int64_t index = data.at("index").get<int64_t>();
    auto pos = positions_.find(index);
    if (pos == positions_.end()) {
      return data_loss(str_format("messages stream: delta for unknown block %lld",
                                  static_cast<long long>(index)));
    }
    json& block = content[pos->second];
    const json& delta = data.at("delta");
    std::string dtype = delta.value("type", "");
    if (dtype == "text_delta") {
      std::string text = delta.at("text").get<std::string>();
      block["text"] = block.value("text", std::string()) + text;
      if (on_text_ && !text.empty()) on_text_(text);
      emitted_text_ = true;
    } else if (dtype == "input_json_delta") {
      partial_json_[index] += delta.at("partial_json").get<std::string>();
    } else if (dtype == "thinking_delta") {
      block["thinking"] =
          block.value("thinking", std::string()) + delta.at("thinking").get<std::string>();
    } else if (dtype == "signature_delta") {
      block["signature"] = delta.at("signature");
    }
    return ok_status();  // other delta types (citations) are tolerated
  }
  if (type == "content_block_stop") {
    int64_t index = data.at("index").get<int64_t>();
    auto pos = positions_.find(index);
    if (pos == positions_.end()) {
      return data_loss(str_format("messages stream: stop for unknown block %lld",
                                  static_cast<long long>(index)));
    }
    json& block = content[pos->second];
    auto it = partial_json_.find(index);
    if (it != partial_json_.end()) {
      const std::string& raw = it->second;
      json input = raw.empty() ? json::object() : json::parse(raw, nullptr, false);
      std::string id = block.value("id", "");
      if (input.is_discarded()) {
        tool_input_errors_[id] = "the tool input is not valid JSON: '" + clip(raw) + "'";
      } else if (!input.is_object()) {
        tool_input_errors_[id] = "the tool input must be a JSON object, got: '" + clip(raw) + "'";
      } else {
        block["input"] = std::move(input);
      }
    }
    return ok_status();
  }
  if (type == "message_delta") {
    const json& delta = data.value("delta", json::object());
    if (delta.contains("stop_reason")) msg["stop_reason"] = delta["stop_reason"];
    if (delta.contains("stop_sequence")) msg["stop_sequence"] = delta["stop_sequence"];
    // message_delta usage is cumulative: it replaces, not adds.
    read_usage(data.value("usage", json::object()), &usage_);
    return ok_status();
  }
  if (type == "message_stop") {
    done_ = true;
    msg["usage"] = {{"input_tokens", usage_.input_tokens},
                    {"output_tokens", usage_.output_tokens},
                    {"cache_read_input_tokens", usage_.cache_read_input_tokens},
                    {"cache_creation_input_tokens", usage_.cache_creation_input_tokens}};
    return ok_status();
  }
  return ok_status();  // new event types must be tolerated
}

}  // namespace glassbox::agent
