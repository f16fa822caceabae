// Bash: runs a shell command in the session's persistent working directory, in its own process
// group, with a timeout that kills the whole group, and output truncated to head + tail.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "agent/checkpoint_store.h"
#include "agent/tool.h"
#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;

class BashTool : public Tool {
 public:
  std::string name() const override { return "Bash"; }
  std::string description() const override {
    return "Runs a bash command and returns its combined stdout and stderr. The working directory "
           "persists "
           "between calls (use `cd`). Commands time out after `timeout` ms (default 120000, max "
           "600000); "
           "the whole process group is then killed. Long output keeps its head and tail.";
  }
  json input_schema() const override {
    return {{"type", "object"},
            {"properties",
             {{"command", {{"type", "string"}, {"description", "The command to run"}}},
              {"timeout",
               {{"type", "number"}, {"description", "Timeout in milliseconds (max 600000)"}}},
              {"description",
               {{"type", "string"}, {"description", "What the command does, in 5-10 words"}}}}},
            {"required", {"command"}},
            {"additionalProperties", false}};
  }
  bool read_only() const override { return false; }
  std::string permission_subject(const json& input, ToolContext&) const override {
    return input.is_object() && input.contains("command") && input["command"].is_string()
               ? input["command"].get<std::string>()
               : "";
  }
  ToolOutput run(const json& input, ToolContext& ctx) const override;

 private:
  ToolOutput run_command(const json& input, ToolContext& ctx) const;
};

// Checkpoints, best effort: a command can change any file, so the workspace's small files are
// read before it runs and those it changed, created or deleted are recorded afterwards.
ToolOutput BashTool::run(const json& input, ToolContext& ctx) const {
  if (!ctx.checkpoints || ctx.project_root.empty()) return run_command(input, ctx);
  WorkspaceScan before = ctx.checkpoints->scan_workspace(ctx.project_root);
  ToolOutput out = run_command(input, ctx);
  auto missed = ctx.checkpoints->record_changes(before, ctx.project_root);
  if (!missed.ok()) {
    out.content += "\n(checkpoint: " + missed.status().message() + ")";
  } else if (!missed->empty()) {
    out.content += str_format("\n(checkpoint: %zu changed file(s) too large to keep for /rewind, "
                              "e.g. %s)",
                              missed->size(), missed->front().c_str());
  }
  return out;
}

ToolOutput BashTool::run_command(const json& input, ToolContext& ctx) const {
  if (!input.contains("command") || !input["command"].is_string() ||
      input["command"].get<std::string>().empty()) {
    return {"Bash: 'command' is required and must be a non-empty string", true};
  }
  std::string command = input["command"].get<std::string>();
  int64_t timeout_ms = ctx.bash_default_timeout_ms;
  if (input.contains("timeout") && !input["timeout"].is_null()) {
    if (!input["timeout"].is_number() || input["timeout"].get<double>() <= 0) {
      return {"Bash: 'timeout' must be a positive number of milliseconds", true};
    }
    timeout_ms = std::min<int64_t>(static_cast<int64_t>(input["timeout"].get<double>()),
                                   ctx.bash_max_timeout_ms);
  }
  std::string cwd = ctx.get_cwd();
  if (!std::filesystem::is_directory(cwd)) cwd = ctx.project_root;

  std::string cwd_template = ctx.temp_dir + "/glassbox-cwd-XXXXXX";
  int cwd_fd = mkstemp(cwd_template.data());
  if (cwd_fd < 0)
    return {std::string("Bash: cannot create a temporary file: ") + std::strerror(errno), true};
  close(cwd_fd);
  std::string cwd_file = cwd_template;
  // The EXIT trap records the final directory even when the command calls `exit`.
  std::string script = "trap 'pwd -P > \"$GB_CWD_FILE\"' EXIT\n" + command + "\n";

  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0)
    return {std::string("Bash: pipe failed: ") + std::strerror(errno), true};
  std::vector<std::string> argv_s = ctx.sandbox_argv;
  argv_s.insert(argv_s.end(), {"/bin/bash", "-c", script});
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  // The environment is built before fork: other tools may be running in other threads, and only
  // async-signal-safe calls are allowed between fork and exec.
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("GB_CWD_FILE=", 0) != 0 && kv.rfind("GLASSBOX_AGENT=", 0) != 0)
      env_s.emplace_back(kv);
  }
  env_s.push_back("GB_CWD_FILE=" + cwd_file);
  env_s.push_back("GLASSBOX_AGENT=1");
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return {std::string("Bash: fork failed: ") + std::strerror(errno), true};
  }
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(out_pipe[1], 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);
  close(out_pipe[1]);

  std::string output;
  auto start = std::chrono::steady_clock::now();
  bool timed_out = false, interrupted = false, exited = false, eof = false;
  int wstatus = 0;
  const size_t keep_limit = ctx.max_output_chars * 4 + (1u << 20);
  std::string tail_overflow;  // when output passes keep_limit we keep the head and a rolling tail
  size_t overflow_bytes = 0;
  char buf[65536];
  std::chrono::steady_clock::time_point exit_time;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (!exited && now - start > std::chrono::milliseconds(timeout_ms)) {
      timed_out = true;
      break;
    }
    if (!exited && ctx.interrupted && ctx.interrupted->load()) {
      interrupted = true;
      break;
    }
    // After the shell exits, background children may hold the pipe open: drain briefly, then stop.
    if (exited && now - exit_time > std::chrono::milliseconds(200)) break;
    if (eof) {
      if (exited) break;
      usleep(20000);
    } else {
      pollfd pfd{out_pipe[0], POLLIN, 0};
      if (poll(&pfd, 1, 50) > 0) {
        ssize_t n = read(out_pipe[0], buf, sizeof(buf));
        if (n > 0) {
          if (output.size() < keep_limit) {
            output.append(buf, static_cast<size_t>(n));
          } else {
            overflow_bytes += static_cast<size_t>(n);
            tail_overflow.append(buf, static_cast<size_t>(n));
            if (tail_overflow.size() > 2 * ctx.max_output_chars) {
              tail_overflow.erase(0, tail_overflow.size() - ctx.max_output_chars);
            }
          }
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof = true;
        }
      }
    }
    if (!exited && waitpid(pid, &wstatus, WNOHANG) == pid) {
      exited = true;
      exit_time = std::chrono::steady_clock::now();
    }
  }
  if (!exited) {
    kill(-pid, SIGTERM);
    for (int i = 0; i < 20 && waitpid(pid, &wstatus, WNOHANG) != pid; ++i) usleep(10000);
    kill(-pid, SIGKILL);
    waitpid(pid, &wstatus, 0);
  }
  close(out_pipe[0]);
  if (overflow_bytes > 0)
    output += "\n... [" + std::to_string(overflow_bytes) + " bytes elided] ...\n" + tail_overflow;
  if (!timed_out && !interrupted) {
    auto new_cwd = read_file_to_string(cwd_file);
    if (new_cwd.ok()) {
      std::string dir = *new_cwd;
      while (!dir.empty() && (dir.back() == '\n' || dir.back() == '\r')) dir.pop_back();
      if (!dir.empty() && std::filesystem::is_directory(dir)) {
        std::lock_guard<std::mutex> lock(ctx.mu);
        ctx.cwd = dir;
      }
    }
  }
  std::remove(cwd_file.c_str());

  ToolOutput result;
  result.content = truncate_middle(output, ctx.max_output_chars);
  if (timed_out) {
    result.is_error = true;
    result.content += str_format(
        "\nCommand timed out after %lld ms; its process group was killed. Run long tasks "
        "with a larger `timeout`, or in the background with output to a file.",
        static_cast<long long>(timeout_ms));
  } else if (interrupted) {
    result.is_error = true;
    result.content += "\nCommand interrupted by the user; its process group was killed.";
  } else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
    result.is_error = true;
    result.content += str_format("\nExit code %d", WEXITSTATUS(wstatus));
  } else if (WIFSIGNALED(wstatus)) {
    result.is_error = true;
    result.content += str_format("\nKilled by signal %d", WTERMSIG(wstatus));
  }
  if (result.content.empty()) result.content = "(no output)";
  return result;
}

}  // namespace

std::unique_ptr<Tool> make_bash_tool() { return std::make_unique<BashTool>(); }

}  // namespace glassbox::agent
