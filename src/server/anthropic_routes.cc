// Anthropic Messages API routes: POST /v1/messages (JSON and SSE), POST /v1/messages/count_tokens, GET /v1/models.
#include <chrono>
#include <ctime>
#include <random>

#include "base/status.h"
#include "chat/tool_call_parser.h"
#include "server/anthropic_convert.h"
#include "server/constrained_output.h"
#include "server/server_state.h"

namespace glassbox::server {
namespace {

using Type = Json::value_t;

void check_model(const ServerState& state, const Json& body) {
  const Json* model = optional_field(body, "model", Type::string, "a string");
  if (!model) throw_invalid("model: Field required");
  if (!state.serves_model(model->get<std::string>())) {
    throw ApiError{404, "not_found_error", "model: " + model->get<std::string>()};
  }
}

engine::SamplingParams sampling_from(const Json& body) {
  engine::SamplingParams sp;
  sp.temperature = static_cast<float>(optional_number(body, "temperature", 1.0));
  sp.top_p = static_cast<float>(optional_number(body, "top_p", 1.0));
  sp.top_k = static_cast<int32_t>(optional_int(body, "top_k", 0));
  sp.min_p = 0.0f;
  sp.seed = std::random_device{}();
  if (sp.temperature < 0 || sp.temperature > 2) throw_invalid("temperature: must be between 0 and 2");
  if (Status s = sp.validate(); !s.ok()) throw_invalid(s.message());
  return sp;
}

std::vector<std::string> stop_sequences_from(const Json& body) {
  std::vector<std::string> stops;
  if (const Json* v = optional_field(body, "stop_sequences", Type::array, "an array of strings")) {
    for (const Json& s : *v) {
      if (!s.is_string()) throw_invalid("stop_sequences: expected an array of strings");
      if (!s.get<std::string>().empty()) stops.push_back(s);
    }
  }
  return stops;
}

Json usage_json(const GenerationResult& r) {
  return {{"input_tokens", r.input_tokens},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", r.cached_tokens},
          {"output_tokens", r.output_tokens},
          {"cache_creation", nullptr},
          {"server_tool_use", nullptr},
          {"service_tier", nullptr}};
}

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  if (e.status == 529 || e.status == 429) {
    res.set_header("retry-after", "1");
    res.set_header("x-should-retry", "true");
  } else if (e.status == 400 || e.status == 404) {
    res.set_header("x-should-retry", "false");  // the SDK honours it; a prompt that is too long never fits
  }
  res.set_content(anthropic_error_body(e.type, e.message), "application/json");
}

template <typename F>
void guarded(httplib::Response& res, F&& body) {
  try {
    body();
  } catch (const ApiError& e) {
    send_error(res, e);
  } catch (const nlohmann::json::exception& e) {
    send_error(res, ApiError{400, "invalid_request_error", e.what()});
  }
}

Json stream_usage(const GenerationResult& r) {
  return {{"input_tokens", r.input_tokens},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", r.cached_tokens},
          {"output_tokens", r.output_tokens}};
}

Json message_start(const std::string& id, const std::string& model, size_t n_prompt) {
  return {{"type", "message_start"},
          {"message",
           {{"id", id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", model},
            {"content", Json::array()},
            {"stop_reason", nullptr},
            {"stop_sequence", nullptr},
            {"usage",
             {{"input_tokens", n_prompt},
              {"cache_creation_input_tokens", 0},
              {"cache_read_input_tokens", 0},
              {"output_tokens", 0}}}}}};
}

// tool_choice any: the model writes {"name": ..., "arguments": {...}}, the shape most chat templates' JSON tool
// calls use (Hermes, Qwen, Mistral), so a real model stays close to what it was trained to write.
constexpr const char* kCallArgs = "arguments";

// A call cut short (max_tokens, context full) keeps that reason; a finished one is tool_use.
const char* forced_stop_reason(const GenerationResult& r) {
  return r.finish == FinishReason::kEndTurn || r.finish == FinishReason::kStopSequence ? "tool_use"
                                                                                       : finish_reason_name(r.finish);
}

// tool_choice any / tool: one tool_use block. With a named tool the input streams as input_json_delta while it
// is generated; with any, the name is known only at the end, so the block comes whole then.
void respond_forced_tool(ServerState& state, httplib::Response& res, std::shared_ptr<GenerationJob> job,
                         bool stream, const std::string& id, const std::string& model, size_t n_prompt,
                         const std::string& forced_name) {
  if (!stream) {
    const GenerationResult& r = finish_job(state, *job);
    if (r.finish == FinishReason::kError) throw ApiError{500, "api_error", r.error.message()};
    ConstrainedCall call = read_constrained_call(r.text, forced_name, kCallArgs);
    Json block = {{"type", "tool_use"}, {"id", state.new_id("toolu_")}, {"name", call.name}, {"input", call.arguments}};
    Json msg = {{"id", id},
                {"type", "message"},
                {"role", "assistant"},
                {"model", model},
                {"content", Json::array({block})},
                {"stop_reason", forced_stop_reason(r)},
                {"stop_sequence", nullptr},
                {"usage", usage_json(r)}};
    res.set_content(json_text(msg), "application/json");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  const std::string tool_id = state.new_id("toolu_");
  res.set_chunked_content_provider(
      "text/event-stream", [&state, job, id, model, n_prompt, forced_name, tool_id](size_t, httplib::DataSink& sink) {
        auto block_start = [&](const std::string& name) {
          return sse({{"type", "content_block_start"},
                      {"index", 0},
                      {"content_block",
                       {{"type", "tool_use"}, {"id", tool_id}, {"name", name}, {"input", Json::object()}}}});
        };
        auto delta = [](const std::string& partial) {
          return sse({{"type", "content_block_delta"},
                      {"index", 0},
                      {"delta", {{"type", "input_json_delta"}, {"partial_json", partial}}}});
        };
        const std::string ping = sse({{"type", "ping"}});
        std::string head = sse(message_start(id, model, n_prompt));
        if (!forced_name.empty()) head += block_start(forced_name);
        head += ping;
        if (!sink_write(sink, head)) {
          job->cancel();
          finish_job(state, *job);
          return false;
        }
        auto format = [&](const std::string& piece) -> std::string {
          return forced_name.empty() ? "" : delta(piece);
        };
        if (!pump_job(state, *job, sink, format, ping)) return false;
        const GenerationResult& r = job->result();
        std::string tail;
        if (r.finish == FinishReason::kError) {
          tail = sse({{"type", "error"}, {"error", {{"type", "api_error"}, {"message", r.error.message()}}}});
        } else {
          if (forced_name.empty()) {
            ConstrainedCall call = read_constrained_call(r.text, "", kCallArgs);
            tail += block_start(call.name) + delta(call.arguments_text);
          }
          tail += sse({{"type", "content_block_stop"}, {"index", 0}});
          tail += sse({{"type", "message_delta"},
                       {"delta", {{"stop_reason", forced_stop_reason(r)}, {"stop_sequence", nullptr}}},
                       {"usage", stream_usage(r)}});
          tail += sse({{"type", "message_stop"}});
        }
        sink_write(sink, tail);
        sink.done();
        return true;
      });
}

void handle_messages(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  Json body = parse_body(req);
  check_model(state, body);
  const Json* max_tokens = optional_field(body, "max_tokens", Type::number_integer, "an integer");
  if (!max_tokens) throw_invalid("max_tokens: Field required");
  if (max_tokens->get<int64_t>() < 0) throw_invalid("max_tokens: must be >= 0");
  bool stream = false;
  if (const Json* s = optional_field(body, "stream", Type::boolean, "a boolean")) stream = s->get<bool>();
  optional_field(body, "metadata", Type::object, "an object");
  Conversation conv = anthropic_to_chat(body);
  GenerationRequest gen;
  gen.sampling = sampling_from(body);
  gen.stop_sequences = stop_sequences_from(body);
  gen.max_tokens = max_tokens->get<int64_t>();
  auto tokens = state.prompt_tokens(conv.messages, conv.tools);
  if (!tokens.ok()) throw_invalid(tokens.status().message());
  gen.prompt = std::move(*tokens);
  check_prompt_fits(state, gen.prompt.size());
  const size_t n_prompt = gen.prompt.size();
  // tool_choice any / tool: the output is constrained to one call's JSON and returned as a tool_use block.
  const bool forced = conv.tool_choice == "any" || conv.tool_choice == "tool";
  if (conv.tool_choice == "tool") {
    gen.constraint = schema_constraint(state, tool_parameters(conv.tools[0]),
                                       "tools." + conv.forced_tool + ".input_schema");
  } else if (forced) {
    gen.constraint = schema_constraint(state, any_tool_schema(conv.tools, kCallArgs), "tools");
  }
  if (forced) gen.stop_sequences.clear();  // a stop sequence would cut the JSON
  const bool parse = !forced && state.needs_output_parsing(conv.tools);
  auto job = submit_job(state, std::move(gen), 529, "overloaded_error");
  const std::string id = state.new_id("msg_");
  const std::string model = body["model"];

  if (forced) {
    respond_forced_tool(state, res, job, stream, id, model, n_prompt, conv.forced_tool);
    return;
  }
  if (!stream) {
    const GenerationResult& r = finish_job(state, *job);
    if (r.finish == FinishReason::kError) throw ApiError{500, "api_error", r.error.message()};
    bool tool_use = false;
    Json content = content_blocks(r.text, parse, state.chat_template->traits(),
                                   [&state] { return state.new_id("toolu_"); }, &tool_use);
    Json msg = {{"id", id},
                {"type", "message"},
                {"role", "assistant"},
                {"model", model},
                {"content", content},
                {"stop_reason", tool_use ? "tool_use" : finish_reason_name(r.finish)},
                {"stop_sequence", r.finish == FinishReason::kStopSequence ? Json(r.stop_sequence) : Json()},
                {"usage", usage_json(r)}};
    res.set_content(json_text(msg), "application/json");
    return;
  }

  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream", [&state, job, id, model, n_prompt, parse](size_t, httplib::DataSink& sink) {
        Json start = message_start(id, model, n_prompt);
        const std::string ping = sse({{"type", "ping"}});
        std::string head = sse(start);
        if (!parse) {
          head += sse({{"type", "content_block_start"},
                       {"index", 0},
                       {"content_block", {{"type", "text"}, {"text", ""}}}});
        }
        head += ping;
        if (!sink_write(sink, head)) {
          job->cancel();
          finish_job(state, *job);
          return false;
        }
        // Parsed output (thinking, tool calls) goes through a BlockStreamer; plain text is block 0.
        std::shared_ptr<BlockStreamer> streamer;
        if (parse) {
          streamer = std::make_shared<BlockStreamer>(state.chat_template->traits(),
                                                     [&state] { return state.new_id("toolu_"); });
        }
        auto format = [streamer](const std::string& piece) -> std::string {
          if (streamer) return streamer->push(piece);
          return sse({{"type", "content_block_delta"},
                      {"index", 0},
                      {"delta", {{"type", "text_delta"}, {"text", piece}}}});
        };
        if (!pump_job(state, *job, sink, format, ping)) return false;
        const GenerationResult& r = job->result();
        std::string tail;
        if (r.finish == FinishReason::kError) {
          tail = sse({{"type", "error"}, {"error", {{"type", "api_error"}, {"message", r.error.message()}}}});
          sink_write(sink, tail);
          sink.done();
          return true;
        }
        bool tool_use = false;
        if (!parse) {
          tail += sse({{"type", "content_block_stop"}, {"index", 0}});
        } else {
          tail += streamer->finish(&tool_use);
        }
        Json delta = {{"type", "message_delta"},
                      {"delta",
                       {{"stop_reason", tool_use ? "tool_use" : finish_reason_name(r.finish)},
                        {"stop_sequence",
                         r.finish == FinishReason::kStopSequence ? Json(r.stop_sequence) : Json()}}},
                      {"usage",
                       {{"input_tokens", r.input_tokens},
                        {"cache_creation_input_tokens", 0},
                        {"cache_read_input_tokens", r.cached_tokens},
                        {"output_tokens", r.output_tokens}}}};
        tail += sse(delta);
        tail += sse({{"type", "message_stop"}});
        sink_write(sink, tail);
        sink.done();
        return true;
      });
}

void handle_count_tokens(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  Json body = parse_body(req);
  check_model(state, body);
  Conversation conv = anthropic_to_chat(body);
  auto tokens = state.prompt_tokens(conv.messages, conv.tools);
  if (!tokens.ok()) throw_invalid(tokens.status().message());
  res.set_content(json_text(Json{{"input_tokens", tokens->size()}}), "application/json");
}

std::string rfc3339(int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One entry that satisfies both SDKs: Anthropic's ModelInfo and OpenAI's Model fields side by side.
Json model_info(const ServerState& state) {
  return {{"id", state.model_name},
          {"type", "model"},
          {"display_name", state.model_name},
          {"created_at", rfc3339(state.created_unix)},
          {"max_input_tokens", state.queue->n_ctx()},
          {"max_tokens", state.queue->n_ctx()},
          {"capabilities", nullptr},
          {"object", "model"},
          {"created", state.created_unix},
          {"owned_by", "glassbox"}};
}

}  // namespace

void register_anthropic_routes(httplib::Server& http, ServerState& state) {
  ServerState* sp = &state;
  http.Post("/v1/messages", [sp](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { handle_messages(*sp, req, res); });
  });
  http.Post("/v1/messages/count_tokens", [sp](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { handle_count_tokens(*sp, req, res); });
  });
  http.Get("/v1/models", [sp](const httplib::Request&, httplib::Response& res) {
    Json info = model_info(*sp);
    Json page = {{"object", "list"},
                 {"data", Json::array({info})},
                 {"first_id", sp->model_name},
                 {"last_id", sp->model_name},
                 {"has_more", false}};
    res.set_content(json_text(page), "application/json");
  });
  http.Get(R"(/v1/models/(.+))", [sp](const httplib::Request& req, httplib::Response& res) {
    std::string id = req.matches[1];
    if (id != sp->model_name) {
      send_error(res, ApiError{404, "not_found_error", "model: " + id});
      return;
    }
    res.set_content(json_text(model_info(*sp)), "application/json");
  });
}

}  // namespace glassbox::server
