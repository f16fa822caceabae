// MessagesClient: request shaping, SSE decoding and the retry policy of the Messages API.
#include "agent/messages_client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

namespace glassbox::agent {

using nlohmann::json;

namespace {

bool retryable_status(int status) {
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

std::string describe_error_body(int status, const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json& e = j["error"];
    return str_format("HTTP %d %s: %s", status, e.value("type", std::string("error")).c_str(),
                      e.value("message", std::string("(no message)")).c_str());
  }
  std::string clipped = body.size() > 300 ? body.substr(0, 300) + "..." : body;
  return str_format("HTTP %d: %s", status, clipped.empty() ? "(empty body)" : clipped.c_str());
}

// Sleeps up to `seconds`, waking early when interrupted. Returns false when interrupted.
bool sleep_interruptible(double seconds, const std::atomic<bool>* interrupted) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (interrupted && interrupted->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !(interrupted && interrupted->load());
}

// A whole (non-streamed) Message object: some servers answer stream:true with plain JSON.
bool is_message_json(const std::string& raw) {
  json j = json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("type", "") != "message") return false;
  if (!j.contains("content") || !j["content"].is_array()) return false;
  for (const auto& block : j["content"]) {
    if (!block.is_object()) return false;
    if (block.value("type", "") == "tool_use" &&
        (!block.contains("input") || !block["input"].is_object()))
      return false;
  }
  return true;
}

}  // namespace

MessagesClient::MessagesClient(ClientOptions options, std::unique_ptr<HttpClient> http)
    : options_(std::move(options)), http_(std::move(http)) {}
MessagesClient::~MessagesClient() = default;

Result<std::unique_ptr<MessagesClient>> MessagesClient::create(ClientOptions options) {
  GB_ASSIGN_OR_RETURN(auto http, HttpClient::create(options.base_url, options.http));
  return std::unique_ptr<MessagesClient>(new MessagesClient(std::move(options), std::move(http)));
}

Result<int64_t> MessagesClient::model_context_window() {
  std::vector<std::pair<std::string, std::string>> headers = {{"anthropic-version", "2023-06-01"}};
  if (!options_.api_key.empty()) headers.emplace_back("x-api-key", options_.api_key);
  if (!options_.auth_token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + options_.auth_token);
  }
  GB_ASSIGN_OR_RETURN(auto res, http_->get("/v1/models/" + options_.model, headers));
  if (res.first != 200) {
    return not_found(str_format("GET /v1/models/%s answered HTTP %d", options_.model.c_str(),
                                res.first));
  }
  json j = json::parse(res.second, nullptr, false);
  for (const char* key : {"max_input_tokens", "context_window"}) {
    if (j.is_object() && j.contains(key) && j[key].is_number_integer() && j[key].get<int64_t>() > 0)
      return j[key].get<int64_t>();
  }
  return not_found("GET /v1/models/" + options_.model + " does not give max_input_tokens");
}

Result<Turn> MessagesClient::create_message(const json& request,
                                            const std::function<void(std::string_view)>& on_text,
                                            const std::function<void(const std::string&)>& on_retry,
                                            const std::atomic<bool>* interrupted) {
  json body = request;
  body["model"] = options_.model;
  body["max_tokens"] = options_.max_tokens;
  body["stream"] = true;
  std::string payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
  std::vector<std::pair<std::string, std::string>> headers = {{"anthropic-version", "2023-06-01"},
                                                              {"Accept", "text/event-stream"}};
  if (!options_.api_key.empty()) headers.emplace_back("x-api-key", options_.api_key);
  if (!options_.auth_token.empty()) {
    headers.emplace_back("Authorization", "Bearer " + options_.auth_token);
  }

  Status last_error;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    if (interrupted && interrupted->load()) return internal_error("agent: interrupted by the user");
    SseParser parser;
    MessageStream stream;
    stream.set_on_text(on_text);
    Status stream_status;
    std::string
        raw;  // the body, kept while no event has arrived (a server that ignored stream:true)
    auto on_chunk = [&](std::string_view bytes) {
      if (interrupted && interrupted->load()) return false;
      if (!stream.started() && raw.size() < (32u << 20)) raw.append(bytes);
      parser.feed(bytes, [&](SseEvent ev) {
        if (!stream_status.ok()) return;
        stream_status = stream.handle(ev);
      });
      return stream_status.ok();
    };
    TransportError transport = TransportError::kNone;
    auto response = http_->post_stream("/v1/messages", headers, payload, on_chunk, &transport);
    if (interrupted && interrupted->load()) return internal_error("agent: interrupted by the user");

    bool retry = false;
    double retry_after_s = -1;
    if (!stream_status.ok()) {
      // The stream was bad (garbage, an error event): we canceled the request ourselves.
      last_error = stream_status;
      retry = stream.stream_error_type() == "overloaded_error" && !stream.emitted_text();
    } else if (!response.ok()) {
      // A transport failure after text reached the user is not retried: it would repeat the text.
      last_error = response.status();
      retry = !stream.emitted_text() && transport != TransportError::kCanceled;
    } else if (response->status < 200 || response->status >= 300) {
      last_error =
          Status(response->status >= 500 || response->status == 429 ? StatusCode::kIo
                                                                    : StatusCode::kInvalidArgument,
                 "messages API: " + describe_error_body(response->status, response->error_body));
      retry = retryable_status(response->status);
      auto should = response->headers.find("x-should-retry");
      if (should != response->headers.end()) retry = should->second == "true";
      auto ra_ms = response->headers.find("retry-after-ms");
      auto ra = response->headers.find("retry-after");
      if (ra_ms != response->headers.end())
        retry_after_s = std::atof(ra_ms->second.c_str()) / 1000.0;
      else if (ra != response->headers.end())
        retry_after_s = std::atof(ra->second.c_str());
    } else if (!stream.started() && is_message_json(raw)) {
      json message = json::parse(raw);
      Turn turn;
      for (const auto& block : message["content"]) {
        if (block.value("type", "") == "text" && on_text) on_text(block.value("text", ""));
      }
      const json& u = message.value("usage", json::object());
      turn.usage.input_tokens = u.value("input_tokens", int64_t{0});
      turn.usage.output_tokens = u.value("output_tokens", int64_t{0});
      turn.usage.cache_read_input_tokens = u.value("cache_read_input_tokens", int64_t{0});
      turn.usage.cache_creation_input_tokens = u.value("cache_creation_input_tokens", int64_t{0});
      turn.stop_reason = message.value("stop_reason", std::string());
      turn.message = std::make_unique<json>(std::move(message));
      turn.attempts = attempt + 1;
      return turn;
    } else if (!stream.done()) {
      last_error = data_loss(
          stream.started()
              ? "messages stream ended before message_stop"
              : "messages stream ended without any event (is this a Messages API server?)");
      retry = !stream.emitted_text();
    } else {
      Turn turn;
      turn.message = std::make_unique<json>(stream.message());
      turn.usage = stream.usage();
      turn.stop_reason = stream.stop_reason();
      turn.tool_input_errors = stream.tool_input_errors();
      turn.attempts = attempt + 1;
      return turn;
    }
    if (!retry || attempt == options_.max_retries) break;
    double backoff =
        std::min(options_.backoff_max_s, options_.backoff_initial_s * std::pow(2.0, attempt));
    if (retry_after_s >= 0) backoff = std::min(retry_after_s, 60.0);
    if (on_retry) {
      on_retry(str_format("%s; retrying in %.1fs (attempt %d of %d)", last_error.message().c_str(),
                          backoff, attempt + 2, options_.max_retries + 1));
    }
    if (!sleep_interruptible(backoff, interrupted))
      return internal_error("agent: interrupted by the user");
  }
  return Status(last_error.code(), last_error.message() + " [" + http_->base_url() + "]");
}

}  // namespace glassbox::agent
