// Server: model loading, the HTTP server's edges (auth, errors, request ids, metrics) and the small routes.
#include "server/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "base/mapped_file.h"
#include "base/status.h"
#include "server/server_state.h"
#include "server/web/web_routes.h"

namespace glassbox::server {

struct Server::Impl {
  ServerState state;
  httplib::Server http;
  int port = 0;
  std::thread thread;
};

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string ServerState::new_id(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t counter = id_counter.fetch_add(1);
  std::string id = prefix;
  for (int i = 0; i < 20; ++i) id += kAlphabet[rng() % 62];
  for (int i = 0; i < 4; ++i, counter /= 62) id += kAlphabet[counter % 62];
  return id;
}

bool ServerState::serves_model(const std::string& name) const {
  // Claude Code sends claude-* names and `glassbox agent` sends "glassbox": both mean the served model.
  return name == model_name || name.rfind("claude", 0) == 0 || name == "default" || name == "glassbox";
}

Result<std::vector<int32_t>> ServerState::prompt_tokens(const Json& messages, const Json& tools) const {
  const tokenizer::Tokenizer& tk = *tokenizer;
  std::string bos = tk.bos_id() >= 0 ? tk.token_text(tk.bos_id()) : "";
  std::string eos = tk.eos_id() >= 0 ? tk.token_text(tk.eos_id()) : "";
  auto text = chat_template->render(messages, tools.is_array() && !tools.empty() ? tools : Json(), true, bos, eos,
                                    Json::object());
  if (!text.ok()) return text.status();
  // The template writes BOS itself when the model wants it; add one only when it did not.
  bool has_bos = !bos.empty() && text->rfind(bos, 0) == 0;
  std::vector<int32_t> tokens = tk.encode(*text, tk.add_bos_default() && !has_bos, true);
  if (tokens.empty() && tk.bos_id() >= 0) tokens.push_back(tk.bos_id());
  if (tokens.empty()) return invalid_argument("the rendered prompt is empty");
  return tokens;
}

bool ServerState::needs_output_parsing(const Json& tools) const {
  const chat::TemplateTraits& traits = chat_template->traits();
  if (traits.reasoning) return true;
  return tools.is_array() && !tools.empty() && traits.format != chat::ToolCallFormat::kNone;
}

void throw_invalid(const std::string& message) { throw ApiError{400, "invalid_request_error", message}; }

Json parse_body(const httplib::Request& req) {
  Json body;
  try {
    body = Json::parse(req.body);
  } catch (const nlohmann::json::exception& e) {
    throw_invalid(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw_invalid("the request body must be a JSON object");
  return body;
}

const Json* optional_field(const Json& obj, const char* name, Json::value_t type, const char* type_name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  bool ok = it->type() == type ||
            (type == Json::value_t::number_float && it->is_number()) ||
            (type == Json::value_t::number_integer && it->is_number_integer());
  if (!ok) throw_invalid(str_format("%s: expected %s, got %s", name, type_name, it->type_name()));
  return &*it;
}

double optional_number(const Json& obj, const char* name, double fallback) {
  const Json* v = optional_field(obj, name, Json::value_t::number_float, "a number");
  return v ? v->get<double>() : fallback;
}

int64_t optional_int(const Json& obj, const char* name, int64_t fallback) {
  const Json* v = optional_field(obj, name, Json::value_t::number_integer, "an integer");
  return v ? v->get<int64_t>() : fallback;
}

bool sink_write(httplib::DataSink& sink, const std::string& data) {
  if (sink.is_writable && !sink.is_writable()) return false;
  return sink.write(data.data(), data.size());
}

std::string anthropic_error_body(const std::string& type, const std::string& message) {
  Json body = {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
  return json_text(body);
}

namespace {

const char* error_type_for_status(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string route_label(const std::string& path) {
  static const char* kKnown[] = {"/v1/messages", "/v1/messages/count_tokens", "/v1/chat/completions",
                                 "/v1/completions", "/v1/embeddings", "/v1/models", "/health", "/metrics"};
  for (const char* k : kKnown) {
    if (path == k) return k;
  }
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return "other";
}

std::string default_model_name(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int Server::port() const { return impl_->port; }

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  ServerState& st = impl->state;
  st.options = options;
  st.model_name = options.model_name.empty() ? default_model_name(options.model_path) : options.model_name;
  st.created_unix = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  auto access = AccessControl::create(options, st.model_name);
  if (!access.ok()) return access.status();
  st.access = std::move(*access);
  auto model = model::Model::load(options.model_path);
  if (!model.ok()) return model.status();
  st.model = *model;
  auto tok = tokenizer::Tokenizer::from_gguf(st.model->gguf());
  if (!tok.ok()) return tok.status();
  st.tokenizer = std::move(*tok);
  std::string template_source = st.tokenizer->chat_template().value_or("");
  if (!options.chat_template_path.empty()) {
    auto text = read_file_to_string(options.chat_template_path);
    if (!text.ok()) return text.status();
    template_source = *text;
  }
  auto tmpl = chat::ChatTemplate::parse(template_source);
  if (!tmpl.ok()) return tmpl.status();
  st.chat_template = std::make_unique<chat::ChatTemplate>(std::move(*tmpl));
  model::ContextOptions co;
  co.n_ctx = options.n_ctx;
  co.n_threads = options.n_threads;
  co.n_seq = options.n_parallel > 0 ? options.n_parallel : 1;
  st.queue = std::make_unique<GenerationQueue>(st.model, *st.tokenizer, co, options.max_waiting, &st.metrics);

  httplib::Server& http = impl->http;
  http.set_payload_max_length(options.max_body_bytes);
  // A streaming request holds an HTTP thread until it ends: enough for every slot and waiting request plus a few
  // for /health and /metrics, so overload is answered with 529/429 by the queue, not left waiting for a thread.
  const int http_threads = std::max(options.http_threads, options.n_parallel + options.max_waiting + 4);
  http.new_task_queue = [n = http_threads] { return new httplib::ThreadPool(n); };
  ServerState* sp = &st;
  http.set_pre_routing_handler([sp](const httplib::Request& req, httplib::Response& res) {
    res.set_header("request-id", sp->new_id("req_"));
    if (req.path == "/health" || is_web_page_request(req) || sp->access->on_request(req, res))
      return httplib::Server::HandlerResponse::Unhandled;
    return httplib::Server::HandlerResponse::Handled;
  });
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!res.body.empty() || res.content_length_ > 0) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = res.status == 404   ? "no route for " + req.method + " " + req.path
                          : res.status == 413 ? "request body is too large"
                                              : "request failed";
    res.set_content(anthropic_error_body(error_type_for_status(res.status), message), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(anthropic_error_body("api_error", message), "application/json");
  });
  http.set_post_routing_handler(
      [sp](const httplib::Request&, httplib::Response& res) { sp->access->on_handled(res); });
  http.set_logger([sp](const httplib::Request& req, const httplib::Response& res) {
    sp->metrics.record_request(route_label(req.path), res.status);
    sp->access->on_response(res);
  });

  http.Get("/health", [sp](const httplib::Request&, httplib::Response& res) {
    Json body = {{"status", "ok"}, {"model", sp->model_name}, {"queue_depth", sp->queue->queue_depth()}};
    res.set_content(json_text(body), "application/json");
  });
  http.Get("/metrics", [sp](const httplib::Request&, httplib::Response& res) {
    res.set_content(sp->metrics.render(sp->queue->queue_depth()), "text/plain; version=0.0.4");
  });
  register_anthropic_routes(http, st);
  register_openai_routes(http, st);
  register_embeddings_routes(http, st);
  register_web_routes(http);

  // SO_REUSEADDR only: cpp-httplib's default also sets SO_REUSEPORT, which lets a second server bind a port
  // that is in use and then receive half of its connections, instead of failing with "address in use".
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  int port = options.port == 0 ? http.bind_to_any_port(options.host) : options.port;
  if (options.port != 0 && !http.bind_to_port(options.host, options.port)) port = -1;
  if (port < 0) return io_error(str_format("cannot listen on %s:%d (in use by another process, or not an address of this machine)", options.host.c_str(), options.port));
  impl->port = port;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::listen() { impl_->http.listen_after_bind(); }

void Server::start() {
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  for (int i = 0; i < 200 && !impl_->http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Server::stop() { impl_->http.stop(); }


std::shared_ptr<GenerationJob> submit_job(ServerState& state, GenerationRequest request, int overload_status,
                                          const char* overload_type) {
  state.access->before_submit(request);
  auto job = state.queue->submit(std::move(request));
  if (job) state.access->on_submitted(job.get());
  if (!job) {
    throw ApiError{overload_status, overload_type,
                   "Overloaded: the generation queue is full, retry later"};
  }
  return job;
}

const GenerationResult& finish_job(ServerState& state, GenerationJob& job) {
  const GenerationResult& r = job.wait();
  state.access->on_finished(&job, r);
  state.metrics.record_generation(r.input_tokens, r.cached_tokens, r.output_tokens, r.time_to_first_token_s,
                                  r.generation_s);
  return r;
}

bool pump_job(ServerState& state, GenerationJob& job, httplib::DataSink& sink,
              const std::function<std::string(const std::string&)>& format, const std::string& keepalive) {
  for (;;) {
    std::string piece;
    auto event = job.next(&piece, std::chrono::milliseconds(5000));
    if (event == GenerationJob::Event::kDone) break;
    const std::string out = event == GenerationJob::Event::kPiece ? format(piece) : keepalive;
    if (out.empty()) continue;  // an empty chunk would end a chunked response
    if (!sink_write(sink, out)) {
      job.cancel();
      finish_job(state, job);
      return false;
    }
  }
  finish_job(state, job);
  return true;
}

void check_prompt_fits(const ServerState& state, size_t n_prompt_tokens) {
  const int64_t limit = state.queue->n_ctx() - 1;
  if (static_cast<int64_t>(n_prompt_tokens) > limit) {
    throw_invalid(str_format("prompt is too long: %zu tokens > %lld maximum", n_prompt_tokens,
                             static_cast<long long>(limit)));
  }
}

}  // namespace glassbox::server
