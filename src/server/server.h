// Server: the HTTP front of glassbox serve: Anthropic Messages and OpenAI routes over one shared model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace glassbox::server {

struct ServerOptions {
  std::string model_path;       // GGUF file
  std::string model_name;       // id reported by /v1/models; "" = the file's stem
  std::string chat_template_path;  // a Jinja file that replaces the model's chat template; "" = the model's
  std::string host = "127.0.0.1";
  int port = 8080;              // 0 = any free port (see Server::port())
  std::string api_key;          // a key accepted for this run only, not stored ("" = none)
  std::string db;               // keys, ledger and quotas: "sqlite:PATH" or "postgres://..."; "" = none
  int64_t n_ctx = 0;            // per slot; 0 = min(trained, 4096)
  int n_parallel = 4;           // sequence slots: requests generating at once, batched in one forward
  int n_threads = 0;            // 0 = all cores
  int max_waiting = 8;          // requests that may wait for a free slot
  size_t max_body_bytes = 32u << 20;  // Anthropic's 32 MB limit
  int http_threads = 8;         // at least n_parallel + max_waiting + 4 are started
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  // Loads the model, opens the key database and binds the socket. Errors: the model, the database, a non-loopback
  // host with no key configured, the port.
  static Result<std::unique_ptr<Server>> create(const ServerOptions& options);
  ~Server();  // stops listening and joins every thread

  int port() const;
  // Serves until stop() (from another thread or a signal handler thread).
  void listen();
  // Serves on a background thread (tests).
  void start();
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::server
