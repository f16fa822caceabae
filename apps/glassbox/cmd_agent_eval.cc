// glassbox agent eval: runs the coding agent on a task set (agent/eval_harness.h) and reports the
// pass rate, turns and tokens per task and in total, as a table or as JSON.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/eval_harness.h"
#include "args.h"
#include "commands.h"

namespace glassbox::app {

namespace {

constexpr const char* kEvalUsage =
    "usage: glassbox agent eval TASKS_DIR [options]\n"
    "  --base-url URL        Messages API server for the agent (default $ANTHROPIC_BASE_URL or\n"
    "                        http://127.0.0.1:8080)\n"
    "  --model NAME          model name sent to the server\n"
    "  --max-turns N         turn limit per task (default 30; task.json max_turns wins)\n"
    "  --max-tokens N        max_tokens per model turn, passed to the agent\n"
    "  --sandbox on|off      run the agent's commands under bubblewrap (default on)\n"
    "  --filter TEXT         only tasks whose name contains TEXT\n"
    "  --work-dir DIR        where the workspace copies go (default a new /tmp directory)\n"
    "  --keep                keep each task's workspace (printed) for inspection\n"
    "  --test-timeout S      seconds for each hidden test (default 120)\n"
    "  --json                one JSON object instead of the table\n"
    "A task is a folder with task.json {\"prompt\", \"test\"?, \"timeout_s\"?, \"max_turns\"?} or\n"
    "task.md (the prompt), a workspace/ copied fresh for the run, and the hidden test (default\n"
    "`bash \"$TASK_DIR/test.sh\"`, run in the copy after the agent finishes; exit 0 = pass).\n"
    "Exit code: 0 when every task passed, 1 otherwise, 2 on a usage error.\n";

}  // namespace

int cmd_agent_eval(int argc, char** argv) {
  using nlohmann::json;
  namespace ag = glassbox::agent;
  auto args = Args::parse(argc, argv,
                          {"--base-url", "--model", "--max-turns", "--sandbox", "--filter",
                           "--work-dir", "--test-timeout", "--max-tokens"},
                          {"-h|--help", "--json", "--keep"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox agent eval: %s\n%s", args.status().message().c_str(),
                 kEvalUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kEvalUsage, stdout);
    return 0;
  }
  if (args->positionals().size() != 1) {
    std::fprintf(stderr, "glassbox agent eval: expected one TASKS_DIR\n%s", kEvalUsage);
    return 2;
  }
  auto max_turns = args->get_int("--max-turns", 30);
  auto test_timeout = args->get_double("--test-timeout", 120);
  if (!max_turns.ok() || !test_timeout.ok()) {
    std::fprintf(stderr, "glassbox agent eval: %s\n",
                 (!max_turns.ok() ? max_turns.status() : test_timeout.status()).message().c_str());
    return 2;
  }
  auto tasks = ag::load_eval_tasks(args->positionals()[0]);
  if (!tasks.ok()) {
    std::fprintf(stderr, "glassbox agent %s\n", tasks.status().message().c_str());
    return 2;
  }
  std::string filter = args->get_or("--filter", "");

  ag::EvalOptions opts;
  std::error_code ec;
  opts.glassbox_bin = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) opts.glassbox_bin = "glassbox";
  opts.max_turns = static_cast<int>(*max_turns);
  opts.test_timeout_s = *test_timeout;
  opts.keep_workspaces = args->has("--keep");
  for (const char* flag : {"--base-url", "--model", "--sandbox", "--max-tokens"}) {
    if (auto v = args->get(flag)) {
      opts.agent_args.push_back(flag);
      opts.agent_args.push_back(*v);
    }
  }
  std::string made_dir;
  if (auto w = args->get("--work-dir")) {
    opts.work_dir = std::filesystem::absolute(*w, ec).string();
    std::filesystem::create_directories(opts.work_dir, ec);
  } else {
    char tmpl[] = "/tmp/glassbox-eval-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::fprintf(stderr, "glassbox agent eval: cannot create a temporary directory\n");
      return 1;
    }
    opts.work_dir = made_dir = tmpl;
  }

  const bool as_json = args->has("--json");
  std::vector<ag::EvalTaskResult> results;
  for (const auto& task : *tasks) {
    if (!filter.empty() && task.name.find(filter) == std::string::npos) continue;
    if (!as_json) std::fprintf(stderr, "running %s ...\n", task.name.c_str());
    results.push_back(ag::run_eval_task(task, opts));
    const auto& r = results.back();
    if (!as_json) {
      std::fprintf(stderr, "  %s (%s, %d turns, %.1f s)%s%s\n", r.passed ? "PASS" : "FAIL",
                   r.subtype.c_str(), r.num_turns, r.seconds, r.error.empty() ? "" : ": ",
                   r.error.substr(0, 200).c_str());
      if (!r.passed && !r.test_output.empty()) {
        std::fprintf(stderr, "  test output:\n%s\n", r.test_output.c_str());
      }
      if (!r.workspace.empty()) std::fprintf(stderr, "  workspace: %s\n", r.workspace.c_str());
    }
  }
  if (!made_dir.empty() && !opts.keep_workspaces) std::filesystem::remove_all(made_dir, ec);
  if (results.empty()) {
    std::fprintf(stderr, "glassbox agent eval: no task matches --filter '%s'\n", filter.c_str());
    return 2;
  }

  size_t passed = 0;
  int turns = 0;
  ag::Usage total;
  double seconds = 0;
  for (const auto& r : results) {
    passed += r.passed;
    turns += r.num_turns;
    total.add(r.usage);
    seconds += r.seconds;
  }
  double rate = static_cast<double>(passed) / static_cast<double>(results.size());
  if (as_json) {
    auto usage_json = [](const ag::Usage& u) {
      return json{{"input_tokens", u.input_tokens},
                  {"output_tokens", u.output_tokens},
                  {"cache_read_input_tokens", u.cache_read_input_tokens},
                  {"cache_creation_input_tokens", u.cache_creation_input_tokens}};
    };
    json out = {{"passed", passed},      {"total", results.size()}, {"pass_rate", rate},
                {"num_turns", turns},    {"seconds", seconds},      {"usage", usage_json(total)},
                {"tasks", json::array()}};
    for (const auto& r : results) {
      json t = {{"name", r.name},           {"passed", r.passed},   {"subtype", r.subtype},
                {"num_turns", r.num_turns}, {"seconds", r.seconds}, {"usage", usage_json(r.usage)}};
      if (!r.error.empty()) t["error"] = r.error;
      if (!r.passed) t["test_output"] = r.test_output;
      if (!r.workspace.empty()) t["workspace"] = r.workspace;
      out["tasks"].push_back(std::move(t));
    }
    std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    std::printf("%-28s %-5s %-22s %6s %10s %10s %10s %8s\n", "task", "pass", "agent", "turns",
                "input", "output", "cache_read", "seconds");
    for (const auto& r : results) {
      std::printf("%-28s %-5s %-22s %6d %10lld %10lld %10lld %8.1f\n", r.name.c_str(),
                  r.passed ? "yes" : "no", r.subtype.c_str(), r.num_turns,
                  static_cast<long long>(r.usage.input_tokens),
                  static_cast<long long>(r.usage.output_tokens),
                  static_cast<long long>(r.usage.cache_read_input_tokens), r.seconds);
    }
    std::printf("%-28s %-5s %-22s %6d %10lld %10lld %10lld %8.1f\n", "total",
                (std::to_string(passed) + "/" + std::to_string(results.size())).c_str(), "", turns,
                static_cast<long long>(total.input_tokens),
                static_cast<long long>(total.output_tokens),
                static_cast<long long>(total.cache_read_input_tokens), seconds);
    std::printf("pass rate: %.1f%% (%zu of %zu)\n", 100.0 * rate, passed, results.size());
  }
  return passed == results.size() ? 0 : 1;
}

}  // namespace glassbox::app
