// ServerState: what every route handler shares (model, tokenizer, chat template, queue, metrics), plus the
// helpers the Anthropic and OpenAI routes have in common. Internal to src/server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "model/transformer.h"
#include "server/access_control.h"
#include "server/generation_queue.h"
#include "server/metrics.h"
#include "server/server.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::constrain {
class VocabTrie;
}
namespace glassbox::engine {
class Embedder;
}

namespace glassbox::server {

using Json = nlohmann::ordered_json;

struct ServerState {
  ServerOptions options;
  std::string model_name;
  int64_t created_unix = 0;
  std::shared_ptr<const model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  std::unique_ptr<chat::ChatTemplate> chat_template;
  std::unique_ptr<GenerationQueue> queue;
  Metrics metrics;
  std::unique_ptr<AccessControl> access;  // keys, quotas, ledger (access_control.h)
  std::atomic<uint64_t> id_counter{0};
  // Constrained decoding's vocabulary trie: built on first use (constrained_output.cc), then shared.
  std::once_flag vocab_trie_once;
  std::shared_ptr<const constrain::VocabTrie> vocab_trie;
  // POST /v1/embeddings: its own Context, created on first use (embeddings_routes.cc).
  std::once_flag embedder_once;
  std::shared_ptr<engine::Embedder> embedder;

  // A unique id: prefix + 24 random-looking characters ("msg_", "toolu_", "chatcmpl-", "req_").
  std::string new_id(const char* prefix);
  // Whether `name` names the served model: its own name, or any claude-* alias (Claude Code sends those).
  bool serves_model(const std::string& name) const;
  // Renders OpenAI-style `messages` (+ `tools`, may be null) with the chat template and tokenizes them.
  Result<std::vector<int32_t>> prompt_tokens(const Json& messages, const Json& tools) const;
  // Whether generated text must be parsed (tool calls in the template's format, <think> reasoning) before it is
  // returned; when not, it streams token by token as plain text.
  bool needs_output_parsing(const Json& tools) const;
};

// JSON text of a response; invalid UTF-8 (echoed from a bad request) becomes U+FFFD instead of throwing.
inline std::string json_text(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

// An API error: HTTP status + Anthropic error type + message. Thrown inside handlers, caught at the edge.
struct ApiError {
  int status;
  std::string type;
  std::string message;
};

[[noreturn]] void throw_invalid(const std::string& message);

// Parses a request body as JSON (object); malformed → ApiError 400.
Json parse_body(const httplib::Request& req);
// Field accessors that throw ApiError 400 naming the field on a wrong type.
const Json* optional_field(const Json& obj, const char* name, Json::value_t type, const char* type_name);
double optional_number(const Json& obj, const char* name, double fallback);
int64_t optional_int(const Json& obj, const char* name, int64_t fallback);

// Writes one whole string to an SSE sink; false when the client has gone.
bool sink_write(httplib::DataSink& sink, const std::string& data);

void register_anthropic_routes(httplib::Server& http, ServerState& state);
void register_openai_routes(httplib::Server& http, ServerState& state);
void register_embeddings_routes(httplib::Server& http, ServerState& state);

// The Anthropic error body.
std::string anthropic_error_body(const std::string& type, const std::string& message);


// Queues a job; a full queue throws ApiError(overload_status, overload_type) with a retry-after header hint.
std::shared_ptr<GenerationJob> submit_job(ServerState& state, GenerationRequest request, int overload_status,
                                          const char* overload_type);
// Waits for the job and records its metrics.
const GenerationResult& finish_job(ServerState& state, GenerationJob& job);
// Streams a job's pieces to `sink`: format(piece) for each piece, `keepalive` every few seconds of silence.
// On a failed write the job is cancelled. Returns false when the client went away.
bool pump_job(ServerState& state, GenerationJob& job, httplib::DataSink& sink,
              const std::function<std::string(const std::string&)>& format, const std::string& keepalive);
// Rejects prompts that leave no room to generate (400 "prompt is too long: ...").
void check_prompt_fits(const ServerState& state, size_t n_prompt_tokens);

}  // namespace glassbox::server
