// AccessControl: API keys, quotas and the write-ahead usage ledger at the server's HTTP edges.
#include "server/access_control.h"

#include "server/server_state.h"
#include "store/key_secret.h"

namespace glassbox::server {
namespace {

// The request being served on this HTTP thread: set by on_request, read by before_submit/on_submitted, closed by
// on_response. cpp-httplib runs a request's pre-routing handler, route handler, content provider and logger on
// one worker thread, one request at a time.
thread_local std::shared_ptr<AccessControl::Pending> t_current;

bool is_generation_route(const httplib::Request& req) {
  return req.method == "POST" &&
         (req.path == "/v1/messages" || req.path == "/v1/chat/completions" || req.path == "/v1/completions");
}

bool is_openai_route(const std::string& path) {
  return path.rfind("/v1/chat/", 0) == 0 || path == "/v1/completions" || path.rfind("/v1/embeddings", 0) == 0;
}

void send_refusal(const httplib::Request& req, httplib::Response& res, int status, const std::string& type,
                  const std::string& message, int64_t retry_after_s = 0) {
  res.status = status;
  if (retry_after_s > 0) {
    res.set_header("retry-after", std::to_string(retry_after_s));
    res.set_header("x-should-retry", "true");
  } else if (status == 401) {
    res.set_header("x-should-retry", "false");
  }
  // The body was not read (pre-routing runs before it is): the connection cannot carry another request.
  res.set_header("Connection", "close");
  if (is_openai_route(req.path)) {
    const char* code = status == 401 ? "invalid_api_key" : status == 429 ? "rate_limit_exceeded" : nullptr;
    const std::string openai_type = status == 401 ? "invalid_request_error" : type;
    Json body = {{"error", {{"message", message}, {"type", openai_type}, {"param", nullptr},
                            {"code", code ? Json(code) : Json()}}}};
    res.set_content(json_text(body), "application/json");
  } else {
    res.set_content(anthropic_error_body(type, message), "application/json");
  }
}

std::string presented_key(const httplib::Request& req) {
  std::string key = req.get_header_value("x-api-key");
  if (key.empty()) {
    std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) == 0) key = auth.substr(7);
  }
  return key;
}

const char* status_for_http(int http_status) {
  if (http_status < 400) return "ok";
  switch (http_status) {
    case 400: return "invalid";
    case 404: return "not_found";
    case 413: return "too_large";
    case 429:
    case 503:
    case 529: return "overloaded";
    default: return http_status >= 500 ? "error" : "refused";
  }
}

}  // namespace

AccessControl::AccessControl(std::unique_ptr<store::Store> store, const ServerOptions& options,
                             std::string model_name)
    : store_(std::move(store)),
      cli_key_(options.api_key),
      loopback_(is_loopback_host(options.host)),
      model_name_(std::move(model_name)) {}

Result<std::unique_ptr<AccessControl>> AccessControl::create(const ServerOptions& options,
                                                             const std::string& model_name) {
  std::unique_ptr<store::Store> store;
  int64_t active_keys = 0;
  if (!options.db.empty()) {
    auto opened = store::Store::open(options.db);
    if (!opened.ok()) return opened.status();
    store = std::move(*opened);
    auto keys = store->list_keys();
    if (!keys.ok()) return keys.status();
    for (const auto& k : *keys) active_keys += k.active() ? 1 : 0;
  }
  if (!is_loopback_host(options.host) && options.api_key.empty() && active_keys == 0) {
    return invalid_argument(str_format(
        "refusing to listen on %s without an API key: anyone who can reach it could use the model; %s, pass "
        "--api-key KEY, or bind to 127.0.0.1",
        options.host.c_str(),
        options.db.empty() ? "give a key database with --db"
                           : ("create a key with `glassbox keys create NAME --db " + options.db +
                              "` (the database has no active key)").c_str()));
  }
  return std::unique_ptr<AccessControl>(new AccessControl(std::move(store), options, model_name));
}

Result<bool> AccessControl::auth_required() {
  if (!loopback_ || !cli_key_.empty() || keys_exist_.load()) return true;
  if (!store_) return false;
  auto n = store_->count_keys();
  if (!n.ok()) return n.status();
  if (*n > 0) keys_exist_.store(true);
  return *n > 0;
}

bool AccessControl::on_request(const httplib::Request& req, httplib::Response& res) {
  t_current.reset();
  store::Principal who{0, "anonymous"};
  auto required = auth_required();
  if (!required.ok()) {
    send_refusal(req, res, 503, "api_error", "the key database is unavailable: " + required.status().message(), 1);
    return false;
  }
  if (*required) {
    const std::string key = presented_key(req);
    if (key.empty()) {
      send_refusal(req, res, 401, "authentication_error",
                   "missing API key: send it in the x-api-key header or as Authorization: Bearer KEY");
      return false;
    }
    if (!cli_key_.empty() && store::constant_time_equal(store::sha256_hex(key), store::sha256_hex(cli_key_))) {
      who = {0, "--api-key"};
    } else if (!store_) {
      send_refusal(req, res, 401, "authentication_error", "invalid x-api-key");
      return false;
    } else {
      auto k = store_->authenticate(key);
      if (!k.ok()) {
        if (k.status().code() == StatusCode::kNotFound) {
          send_refusal(req, res, 401, "authentication_error", "invalid x-api-key");
        } else {
          send_refusal(req, res, 503, "api_error", "the key database is unavailable: " + k.status().message(), 1);
        }
        return false;
      }
      who = {k->id, k->name};
    }
  }
  if (!store_ || !is_generation_route(req)) return true;
  const int64_t now = store::now_ms();
  auto admission = store_->admit(who, model_name_, req.path, res.get_header_value("request-id"), now);
  if (!admission.ok()) {
    send_refusal(req, res, 503, "api_error", "the usage ledger is unavailable: " + admission.status().message(), 1);
    return false;
  }
  if (!admission->admitted) {
    send_refusal(req, res, 429, "rate_limit_error",
                 str_format("rate limit of key '%s' reached: %s; retry in %lld s", who.key_name.c_str(),
                            admission->reason.c_str(), static_cast<long long>(admission->retry_after_s)),
                 admission->retry_after_s);
    return false;
  }
  t_current = std::make_shared<Pending>();
  t_current->owner = this;
  t_current->request_id = admission->request_id;
  t_current->key_id = who.key_id;
  t_current->started_ms = now;
  return true;
}

void AccessControl::before_submit(GenerationRequest& request) {
  if (!t_current || t_current->owner != this || t_current->key_id <= 0) return;
  auto grant = store_->reserve_tokens(t_current->request_id, t_current->key_id,
                                      static_cast<int64_t>(request.prompt.size()), request.max_tokens,
                                      store::now_ms());
  if (!grant.ok()) throw ApiError{503, "api_error", "the usage ledger is unavailable: " + grant.status().message()};
  if (!grant->granted) {
    t_current->closed = true;  // the store marked the row rate_limited
    t_current->retry_after_s = grant->retry_after_s;
    throw ApiError{429, "rate_limit_error",
                   str_format("token quota reached: %s; retry in %lld s", grant->reason.c_str(),
                              static_cast<long long>(grant->retry_after_s))};
  }
  request.max_tokens = grant->max_output_tokens;
}

void AccessControl::on_submitted(const GenerationJob* job) {
  if (!t_current || t_current->owner != this) return;
  t_current->job = job;
  std::lock_guard<std::mutex> lock(mutex_);
  running_[job] = t_current;
}

void AccessControl::on_finished(const GenerationJob* job, const GenerationResult& r) {
  std::shared_ptr<Pending> pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = running_.find(job);
    if (it == running_.end()) return;
    pending = it->second;
    running_.erase(it);
  }
  const char* status = r.finish == FinishReason::kCancelled ? "cancelled"
                       : r.finish == FinishReason::kError   ? "error"
                                                            : "ok";
  close(*pending, {status, r.input_tokens, r.cached_tokens, r.output_tokens, store::now_ms() - pending->started_ms});
}

void AccessControl::on_handled(httplib::Response& res) {
  if (!t_current || t_current->owner != this || t_current->retry_after_s <= 0 || res.status != 429) return;
  res.headers.erase("retry-after");
  res.set_header("retry-after", std::to_string(t_current->retry_after_s));
}

void AccessControl::on_response(const httplib::Response& res) {
  std::shared_ptr<Pending> pending = std::move(t_current);
  t_current.reset();
  if (!pending || pending->owner != this || pending->closed) return;
  if (pending->job) {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.erase(pending->job);
  }
  // A job still attached here lost its client before its result was read: "cancelled", tokens unknown.
  close(*pending, {pending->job ? "cancelled" : status_for_http(res.status), 0, 0, 0,
                   store::now_ms() - pending->started_ms});
}

void AccessControl::close(Pending& pending, const store::Outcome& outcome) {
  if (pending.closed) return;
  pending.closed = true;
  Status s = store_->finish(pending.request_id, outcome);
  if (!s.ok()) std::fprintf(stderr, "glassbox serve: ledger: %s\n", s.message().c_str());
}

}  // namespace glassbox::server
