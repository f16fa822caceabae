// Tool: the interface every agent tool implements (Bash, Read, Edit, ...), the context they share,
// and the registry of built-in tools (tool_registry.cc: one line per tool).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace glassbox::agent {

class CheckpointStore;

struct TodoItem {
  std::string content;
  std::string status;  // pending | in_progress | completed
  std::string active_form;
  std::string id;
};

// State shared by the tools of one session. Tools may run in parallel threads: `cwd` and `todos`
// are guarded by `mu`.
struct ToolContext {
  std::string project_root;  // absolute
  std::mutex mu;
  std::string cwd;                // absolute; Bash keeps it across calls (tracks `cd`)
  std::string temp_dir = "/tmp";  // the session's scratch directory (writable inside the sandbox)
  std::vector<TodoItem> todos;
  const std::atomic<bool>* interrupted = nullptr;
  int64_t bash_default_timeout_ms = 120000;
  int64_t bash_max_timeout_ms = 600000;
  size_t max_output_chars = 30000;
  // The command prefix Bash runs commands under (empty: none), e.g. a bwrap invocation; see
  // sandbox.h.
  std::vector<std::string> sandbox_argv;
  // Where Write and Edit save a file's content before changing it, and Bash (best effort) the
  // workspace files a command changed; null: no checkpoints.
  CheckpointStore* checkpoints = nullptr;

  std::string get_cwd() {
    std::lock_guard<std::mutex> lock(mu);
    return cwd;
  }
  // `path` made absolute against the current working directory.
  std::string resolve(const std::string& path);
};

struct ToolOutput {
  std::string content;
  bool is_error = false;
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  virtual nlohmann::json input_schema() const = 0;
  // Read-only tools never change the workspace (allowed in plan mode, never asked about).
  virtual bool read_only() const = 0;
  // True for tools whose approval `acceptEdits` grants (Write, Edit).
  virtual bool edits_files() const { return false; }
  // What permission rules match against: the command for Bash, the path for file tools.
  virtual std::string permission_subject(const nlohmann::json& input, ToolContext& ctx) const;
  // Runs the tool. Bad input returns is_error with a message that says how to fix the call.
  virtual ToolOutput run(const nlohmann::json& input, ToolContext& ctx) const = 0;
};

std::vector<std::unique_ptr<Tool>> make_builtin_tools();

// Keeps the first and last halves of `text` when it is longer than `max_chars`, with a marker
// between.
std::string truncate_middle(const std::string& text, size_t max_chars);

// Per-tool factories (one file each under tools/).
std::unique_ptr<Tool> make_bash_tool();
std::unique_ptr<Tool> make_read_tool();
std::unique_ptr<Tool> make_write_tool();
std::unique_ptr<Tool> make_edit_tool();
std::unique_ptr<Tool> make_glob_tool();
std::unique_ptr<Tool> make_grep_tool();
std::unique_ptr<Tool> make_todo_write_tool();

}  // namespace glassbox::agent
