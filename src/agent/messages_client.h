// MessagesClient: one streamed POST /v1/messages call with retries (429, 529, 5xx, 408, 409,
// connection failures) and exponential backoff; returns the rebuilt assistant message.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "agent/http_client.h"
#include "agent/message_stream.h"
#include "base/status.h"

namespace glassbox::agent {

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8080";
  std::string api_key;     // sent as x-api-key when non-empty
  std::string auth_token;  // sent as "Authorization: Bearer ..." when non-empty
  std::string model = "glassbox";
  int max_tokens = 8192;
  int max_retries = 4;  // extra attempts after the first
  double backoff_initial_s = 0.5;
  double backoff_max_s = 8;
  HttpOptions http;
};

struct Turn {
  std::unique_ptr<nlohmann::json>
      message;  // the assistant message (role, content, stop_reason, usage)
  Usage usage;
  std::string stop_reason;
  std::map<std::string, std::string> tool_input_errors;  // tool_use id -> why its input is unusable
  int attempts = 0;
};

// Thread-compatible. `interrupted` (optional) cancels a request in flight and any backoff wait.
class MessagesClient {
 public:
  static Result<std::unique_ptr<MessagesClient>> create(ClientOptions options);
  ~MessagesClient();

  // `request` holds system, messages and tools; model, max_tokens and stream are filled in here.
  // `on_text` sees text deltas as they arrive. `on_retry` (optional) hears each retry's reason.
  Result<Turn> create_message(const nlohmann::json& request,
                              const std::function<void(std::string_view)>& on_text,
                              const std::function<void(const std::string&)>& on_retry,
                              const std::atomic<bool>* interrupted);

  // The model's context window from GET /v1/models/{model} (`max_input_tokens`, which glassbox
  // serve reports); an error when the server does not say.
  Result<int64_t> model_context_window();

  const ClientOptions& options() const { return options_; }

 private:
  MessagesClient(ClientOptions options, std::unique_ptr<HttpClient> http);
  ClientOptions options_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace glassbox::agent
