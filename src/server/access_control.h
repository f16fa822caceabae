// AccessControl: who may use the server (API keys), how much (per-key quotas) and what they used (the ledger).
// The HTTP edges in server.cc call it; the routes never do. Internal to src/server.
#pragma once

#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "server/generation_queue.h"
#include "server/server.h"
#include "store/store.h"

namespace glassbox::server {

class AccessControl {
 public:
  // Opens options.db ("" = no database: only options.api_key, no ledger, no quotas). Refuses a non-loopback host
  // with no key configured (no --api-key and no active key in the database), saying why.
  static Result<std::unique_ptr<AccessControl>> create(const ServerOptions& options, const std::string& model_name);

  // Pre-routing, on the request's HTTP thread: authenticates the request (x-api-key or Authorization: Bearer) and,
  // for a generation route, admits it against the key's request rate and writes its ledger row (write-ahead:
  // "incomplete" until it ends). False when refused; `res` then holds the error (401, 429 with retry-after, 503)
  // in the route's API shape.
  bool on_request(const httplib::Request& req, httplib::Response& res);
  // submit_job, same thread: reserves the prompt + max_tokens against the key's token quotas, lowering
  // request.max_tokens to what is left. Throws ApiError 429 when the prompt alone does not fit.
  void before_submit(GenerationRequest& request);
  void on_submitted(const GenerationJob* job);
  // finish_job: writes the request's tokens, duration and status ("ok", "cancelled", "error") to its ledger row.
  void on_finished(const GenerationJob* job, const GenerationResult& result);
  // After the handler, before the response is written: a token-quota refusal's retry-after replaces the generic
  // one the route's error path wrote.
  void on_handled(httplib::Response& res);
  // The HTTP logger, after the response went out: closes the row if nothing did (e.g. "invalid" on a 400).
  void on_response(const httplib::Response& res);

  // A request's ledger row while it runs.
  struct Pending {
    const AccessControl* owner = nullptr;
    int64_t request_id = 0;
    int64_t key_id = 0;
    int64_t started_ms = 0;
    const GenerationJob* job = nullptr;
    bool closed = false;
    int64_t retry_after_s = 0;  // set when before_submit refused
  };

 private:
  AccessControl(std::unique_ptr<store::Store> store, const ServerOptions& options, std::string model_name);
  // Whether requests must carry a key: off the loopback, with --api-key, or once the database holds any key (a
  // revoked last key never opens the server again).
  Result<bool> auth_required();
  void close(Pending& pending, const store::Outcome& outcome);

  std::unique_ptr<store::Store> store_;
  std::string cli_key_;
  bool loopback_;
  std::string model_name_;
  std::atomic<bool> keys_exist_{false};
  std::mutex mutex_;
  std::map<const GenerationJob*, std::shared_ptr<Pending>> running_;
};

}  // namespace glassbox::server
