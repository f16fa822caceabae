// OpenAI-compatible routes: POST /v1/chat/completions and POST /v1/completions (JSON and `data:` streams), with
// response_format and forced tool_choice as constrained decoding.
#include <chrono>
#include <random>

#include "base/status.h"
#include "chat/tool_call_parser.h"
#include "server/constrained_output.h"
#include "server/server_state.h"

namespace glassbox::server {
namespace {

using Type = Json::value_t;

std::string openai_error_body(const ApiError& e) {
  std::string type = e.status == 429 ? "rate_limit_error" : e.type;
  Json body = {{"error", {{"message", e.message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
  return json_text(body);
}

template <typename F>
void guarded(httplib::Response& res, F&& body) {
  ApiError error{0, "", ""};
  try {
    body();
    return;
  } catch (const ApiError& e) {
    error = e;
  } catch (const nlohmann::json::exception& e) {
    error = ApiError{400, "invalid_request_error", e.what()};
  }
  res.status = error.status;
  if (error.status == 429) res.set_header("retry-after", "1");
  res.set_content(openai_error_body(error), "application/json");
}

void check_model(const ServerState&, const Json& body) {
  const Json* model = optional_field(body, "model", Type::string, "a string");
  // OpenAI clients send whatever name they were configured with; one model is served, so any name maps to it.
  if (!model) throw_invalid("model: Field required");
}

engine::SamplingParams sampling_from(const Json& body) {
  engine::SamplingParams sp;
  sp.temperature = static_cast<float>(optional_number(body, "temperature", 1.0));
  sp.top_p = static_cast<float>(optional_number(body, "top_p", 1.0));
  sp.top_k = static_cast<int32_t>(optional_int(body, "top_k", 0));
  sp.min_p = static_cast<float>(optional_number(body, "min_p", 0.0));
  sp.frequency_penalty = static_cast<float>(optional_number(body, "frequency_penalty", 0.0));
  sp.presence_penalty = static_cast<float>(optional_number(body, "presence_penalty", 0.0));
  int64_t seed = optional_int(body, "seed", -1);
  sp.seed = seed >= 0 ? static_cast<uint64_t>(seed) : std::random_device{}();
  if (sp.temperature < 0 || sp.temperature > 2) throw_invalid("temperature: must be between 0 and 2");
  if (Status s = sp.validate(); !s.ok()) throw_invalid(s.message());
  return sp;
}

std::vector<std::string> stops_from(const Json& body) {
  std::vector<std::string> stops;
  auto it = body.find("stop");
  if (it == body.end() || it->is_null()) return stops;
  if (it->is_string()) {
    if (!it->get<std::string>().empty()) stops.push_back(*it);
    return stops;
  }
  if (!it->is_array()) throw_invalid("stop: expected a string or an array of strings");
  for (const Json& s : *it) {
    if (!s.is_string()) throw_invalid("stop: expected a string or an array of strings");
    if (!s.get<std::string>().empty()) stops.push_back(s);
  }
  return stops;
}

int64_t max_tokens_from(const ServerState& state, const Json& body, size_t n_prompt) {
  int64_t room = state.queue->n_ctx() - static_cast<int64_t>(n_prompt);
  int64_t n = optional_int(body, "max_completion_tokens", optional_int(body, "max_tokens", room));
  if (n < 0) throw_invalid("max_tokens: must be >= 0");
  return n;
}

const char* finish_name(FinishReason reason, bool tool_calls) {
  if (tool_calls) return "tool_calls";
  return reason == FinishReason::kMaxTokens || reason == FinishReason::kContextFull ? "length" : "stop";
}

Json usage_json(const GenerationResult& r) {
  int64_t prompt = r.input_tokens + r.cached_tokens;
  return {{"prompt_tokens", prompt},
          {"completion_tokens", r.output_tokens},
          {"total_tokens", prompt + r.output_tokens},
          {"prompt_tokens_details", {{"cached_tokens", r.cached_tokens}}}};
}

// OpenAI messages → what chat templates expect: text parts joined, tool-call arguments as objects.
Json convert_messages(const Json& body) {
  auto it = body.find("messages");
  if (it == body.end()) throw_invalid("messages: Field required");
  if (!it->is_array() || it->empty()) throw_invalid("messages: expected a non-empty array");
  Json out = Json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    Json msg = (*it)[i];
    std::string where = str_format("messages[%zu]", i);
    if (!msg.is_object() || !msg.contains("role") || !msg["role"].is_string()) {
      throw_invalid(where + ": expected an object with a string `role`");
    }
    std::string role = msg["role"];
    if (role == "developer") msg["role"] = role = "system";
    if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
      throw_invalid(where + ".role: unknown role '" + role + "'");
    }
    if (msg.contains("content") && msg["content"].is_array()) {
      std::string text;
      for (const Json& part : msg["content"]) {
        if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
          text += part["text"].get<std::string>();
        } else if (part.is_object() && part.value("type", "") != "text") {
          throw_invalid(where + ".content: only text parts are supported by this model");
        }
      }
      msg["content"] = text;
    } else if (msg.contains("content") && !msg["content"].is_string() && !msg["content"].is_null()) {
      throw_invalid(where + ".content: expected a string or an array of parts");
    }
    if (!msg.contains("content") || msg["content"].is_null()) msg["content"] = "";
    if (msg.contains("tool_calls") && msg["tool_calls"].is_array()) {
      for (Json& call : msg["tool_calls"]) {
        if (call.contains("function") && call["function"].contains("arguments") &&
            call["function"]["arguments"].is_string()) {
          Json args = Json::parse(call["function"]["arguments"].get<std::string>(), nullptr, false);
          if (args.is_object()) call["function"]["arguments"] = args;
        }
      }
    }
    out.push_back(std::move(msg));
  }
  return out;
}

std::string data_line(const Json& chunk) { return "data: " + json_text(chunk) + "\n\n"; }

// What tool_choice and response_format ask for. forced: the reply is one tool call (forced_name empty: any of
// the tools, "required"); constraint: set for a forced call or a JSON response_format.
struct OutputMode {
  bool forced = false;
  std::string forced_name;
  std::shared_ptr<engine::TokenConstraint> constraint;
};

OutputMode output_mode(ServerState& state, const Json& body, Json* tools) {
  OutputMode mode;
  if (auto it = body.find("tool_choice"); it != body.end() && !it->is_null()) {
    const char* expected = "tool_choice: expected \"none\", \"auto\", \"required\" or {\"type\": \"function\", "
                           "\"function\": {\"name\": ...}}";
    if (it->is_string()) {
      const std::string choice = *it;
      if (choice == "none") {
        *tools = Json();
      } else if (choice == "required") {
        mode.forced = true;
      } else if (choice != "auto") {
        throw_invalid(std::string(expected) + ", got '" + choice + "'");
      }
    } else if (it->is_object() && it->value("type", "") == "function" && it->contains("function") &&
               (*it)["function"].is_object() && (*it)["function"].contains("name") &&
               (*it)["function"]["name"].is_string()) {
      mode.forced = true;
      mode.forced_name = (*it)["function"]["name"];
    } else {
      throw_invalid(expected);
    }
  }
  if (mode.forced) {
    if (!tools->is_array() || tools->empty()) throw_invalid("tool_choice: forcing a tool call needs `tools`");
    for (size_t i = 0; i < tools->size(); ++i) {
      const Json& tool = (*tools)[i];
      if (!tool.is_object() || !tool.contains("function") || !tool["function"].is_object() ||
          !tool["function"].contains("name") || !tool["function"]["name"].is_string()) {
        throw_invalid(str_format("tools[%zu]: expected {\"type\": \"function\", \"function\": {\"name\": ...}}", i));
      }
    }
    if (!mode.forced_name.empty()) {
      const Json* tool = find_tool(*tools, mode.forced_name);
      if (!tool) throw_invalid("tool_choice.function.name: no tool named '" + mode.forced_name + "' in tools");
      mode.constraint = schema_constraint(state, tool_parameters(*tool),
                                          "tools." + mode.forced_name + ".function.parameters");
    } else {
      mode.constraint = schema_constraint(state, any_tool_schema(*tools, "arguments"), "tools");
    }
    return mode;
  }
  if (const Json* rf = optional_field(body, "response_format", Type::object, "an object")) {
    const Json* type = optional_field(*rf, "type", Type::string, "a string");
    const std::string t = type ? type->get<std::string>() : "text";
    if (t == "json_object") {
      mode.constraint = any_object_constraint(state);
    } else if (t == "json_schema") {
      const Json* js = optional_field(*rf, "json_schema", Type::object, "an object");
      if (!js) throw_invalid("response_format.json_schema: Field required");
      auto schema = js->find("schema");
      mode.constraint = schema_constraint(state, schema != js->end() ? *schema : Json::object(),
                                          "response_format.json_schema.schema");
    } else if (t != "text") {
      throw_invalid("response_format.type: expected text, json_object or json_schema, got '" + t + "'");
    }
  }
  return mode;
}

// A forced call finished is "tool_calls"; cut short it is "length".
const char* forced_finish(const GenerationResult& r) {
  return r.finish == FinishReason::kMaxTokens || r.finish == FinishReason::kContextFull ? "length" : "tool_calls";
}

Json chat_chunk(const std::string& id, const std::string& model, int64_t created, Json delta, Json finish) {
  return Json{{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices", Json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr},
                                        {"finish_reason", finish}}})}};
}

// stream_options.include_usage: a last chunk with no choices and the usage.
std::string usage_chunk_line(const std::string& id, const std::string& model, int64_t created,
                             const GenerationResult& r) {
  Json u = chat_chunk(id, model, created, Json::object(), nullptr);
  u["choices"] = Json::array();
  u["usage"] = usage_json(r);
  return data_line(u);
}

// A forced tool call: tool_calls with the constrained arguments. Streamed, a named call's arguments arrive
// piece by piece; with "required" the name is known only at the end, so the call comes whole then.
void respond_forced_call(ServerState& state, httplib::Response& res, std::shared_ptr<GenerationJob> job, bool stream,
                         bool include_usage, const std::string& id, const std::string& model, int64_t created,
                         const std::string& forced_name) {
  const std::string call_id = state.new_id("call_");
  if (!stream) {
    const GenerationResult& r = finish_job(state, *job);
    if (r.finish == FinishReason::kError) throw ApiError{500, "api_error", r.error.message()};
    ConstrainedCall call = read_constrained_call(r.text, forced_name, "arguments");
    Json calls = Json::array({{{"id", call_id},
                               {"type", "function"},
                               {"function", {{"name", call.name}, {"arguments", call.arguments_text}}}}});
    Json message = {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}};
    Json out = {{"id", id},
                {"object", "chat.completion"},
                {"created", created},
                {"model", model},
                {"choices", Json::array({{{"index", 0},
                                          {"message", message},
                                          {"logprobs", nullptr},
                                          {"finish_reason", forced_finish(r)}}})},
                {"usage", usage_json(r)}};
    res.set_content(json_text(out), "application/json");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&state, job, id, model, created, include_usage, forced_name, call_id](size_t, httplib::DataSink& sink) {
        auto chunk = [&](Json delta, Json finish) { return chat_chunk(id, model, created, delta, finish); };
        auto call_start = [&](const std::string& name, const std::string& arguments) {
          Json call = {{"index", 0},
                       {"id", call_id},
                       {"type", "function"},
                       {"function", {{"name", name}, {"arguments", arguments}}}};
          return data_line(chunk({{"tool_calls", Json::array({call})}}, nullptr));
        };
        std::string head = data_line(chunk({{"role", "assistant"}, {"content", nullptr}}, nullptr));
        if (!forced_name.empty()) head += call_start(forced_name, "");
        if (!sink_write(sink, head)) {
          job->cancel();
          finish_job(state, *job);
          return false;
        }
        auto format = [&](const std::string& piece) -> std::string {
          if (forced_name.empty()) return "";
          return data_line(chunk({{"tool_calls", Json::array({{{"index", 0}, {"function", {{"arguments", piece}}}}})}},
                                 nullptr));
        };
        if (!pump_job(state, *job, sink, format, ": keep-alive\n\n")) return false;
        const GenerationResult& r = job->result();
        std::string tail;
        if (r.finish == FinishReason::kError) {
          tail = data_line({{"error", {{"message", r.error.message()}, {"type", "api_error"}}}});
        } else {
          if (forced_name.empty()) {
            ConstrainedCall call = read_constrained_call(r.text, "", "arguments");
            tail += call_start(call.name, call.arguments_text);
          }
          tail += data_line(chunk(Json::object(), forced_finish(r)));
          if (include_usage) tail += usage_chunk_line(id, model, created, r);
        }
        tail += "data: [DONE]\n\n";
        sink_write(sink, tail);
        sink.done();
        return true;
      });
}

void handle_chat(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  Json body = parse_body(req);
  check_model(state, body);
  Json messages = convert_messages(body);
  Json tools;
  if (const Json* t = optional_field(body, "tools", Type::array, "an array")) tools = *t;
  OutputMode mode = output_mode(state, body, &tools);
  bool stream = false;
  if (const Json* s = optional_field(body, "stream", Type::boolean, "a boolean")) stream = s->get<bool>();
  bool include_usage = false;
  if (const Json* so = optional_field(body, "stream_options", Type::object, "an object")) {
    include_usage = so->value("include_usage", false);
  }
  GenerationRequest gen;
  gen.sampling = sampling_from(body);
  gen.stop_sequences = stops_from(body);
  auto tokens = state.prompt_tokens(messages, tools);
  if (!tokens.ok()) throw_invalid(tokens.status().message());
  gen.prompt = std::move(*tokens);
  check_prompt_fits(state, gen.prompt.size());
  gen.max_tokens = max_tokens_from(state, body, gen.prompt.size());
  gen.constraint = mode.constraint;
  if (mode.constraint) gen.stop_sequences.clear();  // a stop sequence would cut the JSON
  const bool parse = !mode.constraint && state.needs_output_parsing(tools);
  auto job = submit_job(state, std::move(gen), 429, "rate_limit_error");
  const std::string id = state.new_id("chatcmpl-");
  const std::string model = body["model"];
  const int64_t created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (mode.forced) {
    respond_forced_call(state, res, job, stream, include_usage, id, model, created, mode.forced_name);
    return;
  }

  auto final_message = [&state, parse](const GenerationResult& r, bool* has_calls) {
    Json message = {{"role", "assistant"}, {"content", r.text}};
    *has_calls = false;
    if (!parse) return message;
    chat::ParsedOutput out = chat::parse_model_output(r.text, state.chat_template->traits());
    message["content"] = out.content;
    if (!out.reasoning.empty()) message["reasoning_content"] = out.reasoning;
    if (!out.tool_calls.empty()) {
      Json calls = Json::array();
      for (const auto& c : out.tool_calls) {
        calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
      }
      message["tool_calls"] = calls;
      *has_calls = true;
    }
    return message;
  };

  if (!stream) {
    const GenerationResult& r = finish_job(state, *job);
    if (r.finish == FinishReason::kError) throw ApiError{500, "api_error", r.error.message()};
    bool has_calls = false;
    Json message = final_message(r, &has_calls);
    Json out = {{"id", id},
                {"object", "chat.completion"},
                {"created", created},
                {"model", model},
                {"choices",
                 Json::array({{{"index", 0},
                               {"message", message},
                               {"logprobs", nullptr},
                               {"finish_reason", finish_name(r.finish, has_calls)}}})},
                {"usage", usage_json(r)}};
    res.set_content(json_text(out), "application/json");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [&state, job, id, model, created, parse, include_usage, final_message](size_t, httplib::DataSink& sink) {
        auto chunk = [&](Json delta, Json finish) { return chat_chunk(id, model, created, delta, finish); };
        if (!sink_write(sink, data_line(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)))) {
          job->cancel();
          finish_job(state, *job);
          return false;
        }
        auto format = [&](const std::string& piece) -> std::string {
          if (parse) return "";
          return data_line(chunk({{"content", piece}}, nullptr));
        };
        if (!pump_job(state, *job, sink, format, ": keep-alive\n\n")) return false;
        const GenerationResult& r = job->result();
        std::string tail;
        if (r.finish == FinishReason::kError) {
          tail = data_line({{"error", {{"message", r.error.message()}, {"type", "api_error"}}}});
        } else {
          bool has_calls = false;
          if (parse) {
            Json message = final_message(r, &has_calls);
            Json delta = {{"content", message["content"]}};
            if (message.contains("reasoning_content")) delta["reasoning_content"] = message["reasoning_content"];
            if (has_calls) {
              Json calls = message["tool_calls"];
              for (size_t i = 0; i < calls.size(); ++i) calls[i]["index"] = i;
              delta["tool_calls"] = calls;
            }
            tail += data_line(chunk(delta, nullptr));
          }
          tail += data_line(chunk(Json::object(), finish_name(r.finish, has_calls)));
          if (include_usage) tail += usage_chunk_line(id, model, created, r);
        }
        tail += "data: [DONE]\n\n";
        sink_write(sink, tail);
        sink.done();
        return true;
      });
}

void handle_completions(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  Json body = parse_body(req);
  check_model(state, body);
  auto p = body.find("prompt");
  if (p == body.end()) throw_invalid("prompt: Field required");
  std::string prompt;
  if (p->is_string()) {
    prompt = *p;
  } else if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
    prompt = (*p)[0];
  } else {
    throw_invalid("prompt: expected a string");
  }
  bool stream = false;
  if (const Json* s = optional_field(body, "stream", Type::boolean, "a boolean")) stream = s->get<bool>();
  const tokenizer::Tokenizer& tk = *state.tokenizer;
  GenerationRequest gen;
  gen.sampling = sampling_from(body);
  gen.stop_sequences = stops_from(body);
  gen.prompt = tk.encode(prompt, tk.add_bos_default(), false);
  if (gen.prompt.empty() && tk.bos_id() >= 0) gen.prompt.push_back(tk.bos_id());
  if (gen.prompt.empty()) throw_invalid("prompt: empty, and the model has no BOS token to start from");
  check_prompt_fits(state, gen.prompt.size());
  gen.max_tokens = optional_int(body, "max_tokens", 16);
  if (gen.max_tokens < 0) throw_invalid("max_tokens: must be >= 0");
  auto job = submit_job(state, std::move(gen), 429, "rate_limit_error");
  const std::string id = state.new_id("cmpl-");
  const std::string model = body["model"];
  const int64_t created =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto envelope = [id, model, created](const std::string& text, Json finish) {
    return Json{{"id", id},
                {"object", "text_completion"},
                {"created", created},
                {"model", model},
                {"choices", Json::array({{{"text", text}, {"index", 0}, {"logprobs", nullptr},
                                          {"finish_reason", finish}}})}};
  };
  if (!stream) {
    const GenerationResult& r = finish_job(state, *job);
    if (r.finish == FinishReason::kError) throw ApiError{500, "api_error", r.error.message()};
    Json out = envelope(r.text, finish_name(r.finish, false));
    out["usage"] = usage_json(r);
    res.set_content(json_text(out), "application/json");
    return;
  }
  res.set_chunked_content_provider("text/event-stream", [&state, job, envelope](size_t, httplib::DataSink& sink) {
    auto format = [&](const std::string& piece) { return data_line(envelope(piece, nullptr)); };
    if (!pump_job(state, *job, sink, format, ": keep-alive\n\n")) return false;
    const GenerationResult& r = job->result();
    std::string tail = data_line(envelope("", finish_name(r.finish, false))) + "data: [DONE]\n\n";
    sink_write(sink, tail);
    sink.done();
    return true;
  });
}

}  // namespace

void register_openai_routes(httplib::Server& http, ServerState& state) {
  ServerState* sp = &state;
  http.Post("/v1/chat/completions", [sp](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { handle_chat(*sp, req, res); });
  });
  http.Post("/v1/completions", [sp](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { handle_completions(*sp, req, res); });
  });
}

}  // namespace glassbox::server
