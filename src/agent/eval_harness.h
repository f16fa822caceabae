// EvalHarness: offline evaluation of the agent on a task set. A task is a folder holding the
// prompt (task.json {"prompt", "test", "timeout_s", "max_turns"} or task.md), a `workspace/`
// copied into a fresh temporary directory, and a hidden test (default: `bash "$TASK_DIR/test.sh"`,
// never copied into the workspace) run there after the agent finishes; exit 0 = pass.
#pragma once

#include <string>
#include <vector>

#include "agent/message_stream.h"
#include "base/status.h"

namespace glassbox::agent {

struct EvalTask {
  std::string name;  // the folder name
  std::string dir;   // absolute
  std::string prompt;
  std::string test_command;  // run with bash -c in the workspace copy, TASK_DIR set
  double timeout_s = 600;    // for the agent run
  int max_turns = 0;         // 0: the harness default
};

// The tasks in `tasks_dir` (every subfolder with task.json or task.md), sorted by name. A folder
// with a malformed task.json or no workspace/ is an error naming it.
Result<std::vector<EvalTask>> load_eval_tasks(const std::string& tasks_dir);

struct EvalOptions {
  std::string glassbox_bin;             // the binary whose `agent -p` runs each task
  std::vector<std::string> agent_args;  // extra flags: --base-url, --model, --sandbox, ...
  int max_turns = 30;
  double test_timeout_s = 120;
  std::string work_dir;  // where workspaces (and the agent's GLASSBOX_HOME) go
  bool keep_workspaces = false;
};

struct EvalTaskResult {
  std::string name;
  bool passed = false;
  std::string subtype;  // the agent's result subtype, or "agent_failed" / "timeout"
  int num_turns = 0;
  Usage usage;
  double seconds = 0;
  std::string test_output;  // the test's last lines
  std::string error;        // why the agent run failed, when it did
  std::string workspace;    // kept only with keep_workspaces
};

// Copies the workspace, runs `glassbox agent -p` (bypassPermissions, JSON output) in it, then the
// hidden test. Never throws; every failure is a failed result with `error` set.
EvalTaskResult run_eval_task(const EvalTask& task, const EvalOptions& options);

struct ProcessResult {
  int exit_code = -1;  // 124 on timeout (the process group is killed)
  std::string output;  // stdout (and stderr when merged), at most 4 MiB
  std::string err;     // stderr when not merged
};
// Runs argv in `cwd` with extra environment variables, killing its process group after
// `timeout_s`.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const std::string& cwd,
                                  const std::vector<std::pair<std::string, std::string>>& env,
                                  double timeout_s, bool merge_stderr);

}  // namespace glassbox::agent
