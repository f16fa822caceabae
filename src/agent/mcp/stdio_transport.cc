// StdioTransport: an MCP server as a child process speaking newline-delimited JSON-RPC on its
// stdin/stdout (MCP spec, "Transports: stdio").
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/mcp/mcp_transport.h"

extern char** environ;

namespace glassbox::agent::mcp {

using nlohmann::json;

json answer_server_request(const json& request) {
  json reply = {{"jsonrpc", "2.0"}, {"id", request["id"]}};
  if (request.value("method", "") == "ping") {
    reply["result"] = json::object();
  } else {
    reply["error"] = {{"code", -32601},
                      {"message", "method not found: " + request.value("method", "")}};
  }
  return reply;
}

namespace {

std::string clip(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

class StdioTransport : public McpTransport {
 public:
  StdioTransport(std::string name, pid_t pid, int in_fd, int out_fd, int err_fd)
      : name_(std::move(name)), pid_(pid), in_fd_(in_fd), out_fd_(out_fd) {
    stderr_thread_ = std::thread([this, err_fd] {
      char buf[4096];
      while (true) {
        ssize_t n = read(err_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard<std::mutex> lock(err_mu_);
        stderr_tail_.append(buf, static_cast<size_t>(n));
        if (stderr_tail_.size() > 4000) stderr_tail_.erase(0, stderr_tail_.size() - 2000);
      }
      close(err_fd);
    });
  }

  ~StdioTransport() override {
    if (in_fd_ >= 0) close(in_fd_);  // EOF on stdin: the spec's polite shutdown
    if (!reap(std::chrono::milliseconds(500))) {
      kill(-pid_, SIGTERM);
      if (!reap(std::chrono::milliseconds(1000))) {
        kill(-pid_, SIGKILL);
        reap(std::chrono::milliseconds(5000));
      }
    }
    kill(-pid_, SIGKILL);  // anything the server left behind in its group
    if (out_fd_ >= 0) close(out_fd_);
    if (stderr_thread_.joinable()) stderr_thread_.join();
  }

  Result<json> request(const json& message, double timeout_s,
                       const std::atomic<bool>* interrupted) override {
    GB_RETURN_IF_ERROR(send(message));
    const json& want_id = message["id"];
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    while (true) {
      // Complete lines already buffered first.
      size_t nl;
      while ((nl = buffer_.find('\n')) != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        json msg = json::parse(line, nullptr, false);
        if (msg.is_discarded() || !msg.is_object()) {
          return data_loss("MCP server '" + name_ +
                           "' wrote something that is not JSON-RPC on its stdout: '" +
                           clip(line, 200) + "'");
        }
        if (msg.contains("method")) {
          if (msg.contains("id")) GB_RETURN_IF_ERROR(send(answer_server_request(msg)));
          continue;  // a notification (progress, logging, list_changed)
        }
        if (msg.contains("id") && msg["id"] == want_id) return msg;
      }
      if (interrupted && interrupted->load()) {
        (void)send({{"jsonrpc", "2.0"},
                    {"method", "notifications/cancelled"},
                    {"params", {{"requestId", want_id}, {"reason", "interrupted by the user"}}}});
        return io_error("MCP server '" + name_ + "': the call was interrupted by the user");
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        (void)send({{"jsonrpc", "2.0"},
                    {"method", "notifications/cancelled"},
                    {"params", {{"requestId", want_id}, {"reason", "timed out"}}}});
        return io_error(str_format("MCP server '%s' did not answer %s within %.0f s", name_.c_str(),
                                   message.value("method", "").c_str(), timeout_s));
      }
      int wait_ms = static_cast<int>(std::min<int64_t>(
          100, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1));
      pollfd pfd{out_fd_, POLLIN, 0};
      int r = poll(&pfd, 1, wait_ms);
      if (r < 0 && errno != EINTR) return io_error("MCP server '" + name_ + "': poll failed");
      if (r <= 0) continue;
      char buf[65536];
      ssize_t n = read(out_fd_, buf, sizeof(buf));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return exited_error();
      buffer_.append(buf, static_cast<size_t>(n));
      if (buffer_.size() > (64u << 20))
        return data_loss("MCP server '" + name_ + "' sent a line longer than 64 MiB");
    }
  }

  Status notify(const json& message) override { return send(message); }

 private:
  // Writes one line; SIGPIPE (a server that is gone) is blocked and consumed, not fatal.
  Status send(const json& message) {
    if (dead_) return exited_error().status();
    std::string line = message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    size_t off = 0;
    int err = 0;
    while (off < line.size()) {
      ssize_t n = write(in_fd_, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      off += static_cast<size_t>(n);
    }
    if (err == EPIPE) {
      timespec zero{0, 0};
      sigtimedwait(&pipe_set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
    if (err != 0) return exited_error().status();
    return ok_status();
  }

  // Waits up to `limit` for the child to exit; records its status.
  bool reap(std::chrono::milliseconds limit) {
    if (reaped_) return true;
    auto end = std::chrono::steady_clock::now() + limit;
    while (true) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) {
        reaped_ = true;
        exit_status_ = status;
        return true;
      }
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  Result<json> exited_error() {
    dead_ = true;
    std::string how = "closed its output";
    if (reap(std::chrono::milliseconds(500))) {
      if (WIFEXITED(exit_status_))
        how = str_format("exited with status %d", WEXITSTATUS(exit_status_));
      else if (WIFSIGNALED(exit_status_))
        how = str_format("was killed by signal %d", WTERMSIG(exit_status_));
    }
    std::string tail;
    {
      std::lock_guard<std::mutex> lock(err_mu_);
      tail = stderr_tail_;
    }
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
    if (tail.size() > 600) tail = "..." + tail.substr(tail.size() - 600);
    return io_error("MCP server '" + name_ + "' " + how + " and is not running" +
                    (tail.empty() ? std::string() : "; its last error output: " + tail));
  }

  std::string name_;
  pid_t pid_;
  int in_fd_, out_fd_;
  std::string buffer_;
  bool dead_ = false, reaped_ = false;
  int exit_status_ = 0;
  std::mutex err_mu_;
  std::string stderr_tail_;
  std::thread stderr_thread_;
};

}  // namespace

Result<std::unique_ptr<McpTransport>> start_stdio_transport(const McpServerConfig& config,
                                                            const std::string& cwd) {
  int in_pipe[2], out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(exec_pipe, O_CLOEXEC) != 0) {
    return io_error("MCP server '" + config.name +
                    "': cannot create pipes: " + std::strerror(errno));
  }
  // Everything the child needs is built before fork (only async-signal-safe calls after it).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    if (!config.env.count(key)) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : config.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {config.command};
  args.insert(args.end(), config.args.begin(), config.args.end());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return io_error("MCP server '" + config.name + "': fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
      int e = errno;
      (void)!write(exec_pipe[1], &e, sizeof(e));
      _exit(127);
    }
    signal(SIGPIPE, SIG_DFL);
    execvpe(argv[0], argv.data(), envp.data());
    int e = errno;
    (void)!write(exec_pipe[1], &e, sizeof(e));
    _exit(127);
  }
  setpgid(pid, pid);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(exec_pipe[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    waitpid(pid, nullptr, 0);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return io_error("MCP server '" + config.name + "' (" + config.source + "): cannot run '" +
                    config.command + "': " + std::strerror(child_errno));
  }
  return std::unique_ptr<McpTransport>(
      new StdioTransport(config.name, pid, in_pipe[1], out_pipe[0], err_pipe[0]));
}

}  // namespace glassbox::agent::mcp
