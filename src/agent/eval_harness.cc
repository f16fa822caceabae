// EvalHarness: loading task folders, running the agent and the hidden test on a fresh copy.
#include "agent/eval_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/mapped_file.h"

extern char** environ;

namespace glassbox::agent {

using nlohmann::json;
namespace fs = std::filesystem;

Result<std::vector<EvalTask>> load_eval_tasks(const std::string& tasks_dir) {
  std::error_code ec;
  if (!fs::is_directory(tasks_dir, ec))
    return not_found("eval: " + tasks_dir + " is not a directory");
  std::vector<EvalTask> tasks;
  for (const auto& e : fs::directory_iterator(tasks_dir, ec)) {
    if (!e.is_directory()) continue;
    fs::path dir = fs::absolute(e.path()).lexically_normal();
    EvalTask t;
    t.name = dir.filename().string();
    t.dir = dir.string();
    t.test_command = "bash \"$TASK_DIR/test.sh\"";
    if (fs::exists(dir / "task.json", ec)) {
      GB_ASSIGN_OR_RETURN(auto text, read_file_to_string((dir / "task.json").string()));
      json j = json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return invalid_argument("eval: " + (dir / "task.json").string() + " is not a JSON object");
      if (!j.contains("prompt") || !j["prompt"].is_string() ||
          j["prompt"].get<std::string>().empty())
        return invalid_argument("eval: " + (dir / "task.json").string() +
                                ": \"prompt\" (a non-empty string) is required");
      t.prompt = j["prompt"].get<std::string>();
      if (j.contains("test")) {
        if (!j["test"].is_string())
          return invalid_argument("eval: " + (dir / "task.json").string() +
                                  ": \"test\" must be a shell command string");
        t.test_command = j["test"].get<std::string>();
      }
      if (j.contains("timeout_s") && j["timeout_s"].is_number()) t.timeout_s = j["timeout_s"];
      if (j.contains("max_turns") && j["max_turns"].is_number_integer())
        t.max_turns = j["max_turns"];
    } else if (fs::exists(dir / "task.md", ec)) {
      GB_ASSIGN_OR_RETURN(t.prompt, read_file_to_string((dir / "task.md").string()));
    } else {
      continue;  // not a task folder
    }
    if (!fs::is_directory(dir / "workspace", ec))
      return invalid_argument("eval: task " + t.name + " has no workspace/ folder");
    tasks.push_back(std::move(t));
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const EvalTask& a, const EvalTask& b) { return a.name < b.name; });
  if (tasks.empty())
    return not_found("eval: no tasks (folders with task.json or task.md) in " + tasks_dir);
  return tasks;
}

Result<ProcessResult> run_process(const std::vector<std::string>& argv_in, const std::string& cwd,
                                  const std::vector<std::pair<std::string, std::string>>& env,
                                  double timeout_s, bool merge_stderr) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return io_error("eval: pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return io_error("eval: pipe failed");
  }
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (const auto& [k, _] : env) replaced |= k == key;
    if (!replaced) env_s.push_back(kv);
  }
  for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv_in;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return io_error("eval: fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the harness killed (Ctrl-C, a timeout): its runs end too
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_pipe[1], 1);
    dup2(merge_stderr ? out_pipe[1] : err_pipe[1], 2);
    if (chdir(cwd.c_str()) != 0) _exit(126);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);
  close(out_pipe[1]);
  close(err_pipe[1]);
  ProcessResult r;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  bool timed_out = false;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    int n = poll(fds, 2, static_cast<int>(std::min<int64_t>(left, 200)));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = read(fds[i].fd, buf, sizeof(buf));
      if (got <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      std::string& dst = i == 0 ? r.output : r.err;
      if (dst.size() < (4u << 20)) dst.append(buf, static_cast<size_t>(got));
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  kill(-pid, SIGKILL);  // anything it left running in its group
  r.exit_code = timed_out             ? 124
                : WIFEXITED(status)   ? WEXITSTATUS(status)
                : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                      : -1;
  return r;
}

namespace {

std::string last_lines(const std::string& text, size_t n) {
  size_t pos = text.size();
  while (pos > 0 && (text[pos - 1] == '\n')) --pos;
  for (size_t lines = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++lines == n) break;
  }
  return text.substr(pos);
}

}  // namespace

EvalTaskResult run_eval_task(const EvalTask& task, const EvalOptions& options) {
  EvalTaskResult r;
  r.name = task.name;
  auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::path ws = fs::path(options.work_dir) / (task.name + "-" + std::to_string(getpid()));
  fs::remove_all(ws, ec);
  fs::create_directories(ws.parent_path(), ec);
  fs::copy(fs::path(task.dir) / "workspace", ws, fs::copy_options::recursive, ec);
  if (ec) {
    r.subtype = "setup_failed";
    r.error = "cannot copy the workspace of " + task.name + ": " + ec.message();
    return r;
  }
  // A repository of its own, so the agent's project root is the copy.
  auto git = run_process({"git", "init", "-q", "."}, ws.string(), {}, 30, true);
  if (!git.ok() || git->exit_code != 0) fs::create_directories(ws / ".git", ec);

  std::string home = (fs::path(options.work_dir) / "home").string();
  std::vector<std::string> argv = {
      options.glassbox_bin,
      "agent",
      "-p",
      task.prompt,
      "--output-format",
      "json",
      "--permission-mode",
      "bypassPermissions",
      "--max-turns",
      std::to_string(task.max_turns > 0 ? task.max_turns : options.max_turns)};
  argv.insert(argv.end(), options.agent_args.begin(), options.agent_args.end());
  auto agent = run_process(argv, ws.string(), {{"GLASSBOX_HOME", home}}, task.timeout_s, false);
  if (!agent.ok()) {
    r.subtype = "agent_failed";
    r.error = agent.status().message();
  } else if (agent->exit_code == 124) {
    r.subtype = "timeout";
    r.error = str_format("the agent did not finish within %.0f s", task.timeout_s);
  } else {
    json result = json::parse(last_lines(agent->output, 1), nullptr, false);
    if (result.is_object() && result.value("type", "") == "result") {
      r.subtype = result.value("subtype", "");
      r.num_turns = result.value("num_turns", 0);
      const json& u = result.value("usage", json::object());
      r.usage.input_tokens = u.value("input_tokens", int64_t{0});
      r.usage.output_tokens = u.value("output_tokens", int64_t{0});
      r.usage.cache_read_input_tokens = u.value("cache_read_input_tokens", int64_t{0});
      r.usage.cache_creation_input_tokens = u.value("cache_creation_input_tokens", int64_t{0});
      if (result.value("is_error", false)) r.error = result.value("result", "");
    } else {
      r.subtype = "agent_failed";
      r.error = str_format("glassbox agent exited %d: %s", agent->exit_code,
                           last_lines(agent->err, 3).c_str());
    }
  }
  // The hidden test runs whatever the agent's outcome: a task may pass even after a turn limit.
  auto test = run_process({"bash", "-c", task.test_command}, ws.string(), {{"TASK_DIR", task.dir}},
                          options.test_timeout_s, true);
  if (test.ok()) {
    r.passed = test->exit_code == 0;
    r.test_output = last_lines(test->output, 10);
    if (test->exit_code == 124) r.test_output += "\n(the test timed out)";
  } else {
    r.test_output = test.status().message();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (options.keep_workspaces) {
    r.workspace = ws.string();
  } else {
    fs::remove_all(ws, ec);
  }
  return r;
}

}  // namespace glassbox::agent
