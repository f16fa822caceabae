// System prompt assembly.
#include "agent/system_prompt.h"

#include <ctime>
#include <filesystem>

#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::agent {

namespace fs = std::filesystem;

std::vector<std::string> find_instruction_files(const std::string& project_root,
                                                const std::string& cwd) {
  std::vector<fs::path> dirs;
  fs::path root = fs::path(project_root).lexically_normal();
  fs::path here = fs::path(cwd).lexically_normal();
  for (fs::path p = here;; p = p.parent_path()) {
    dirs.push_back(p);
    if (p == root || p == p.parent_path()) break;
  }
  if (dirs.back() != root) dirs = {here};  // cwd outside the project: only its own files
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    for (const char* name : {"AGENTS.md", "CLAUDE.md"}) {
      fs::path f = *it / name;
      if (fs::is_regular_file(f, ec)) out.push_back(f.string());
    }
  }
  return out;
}

std::string build_system_prompt(const std::string& project_root, const std::string& cwd,
                                const std::vector<std::string>& tool_names) {
  std::string tools;
  for (const auto& t : tool_names) tools += (tools.empty() ? "" : ", ") + t;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d", &tm);
  std::string prompt =
      "You are glassbox agent, a coding agent working in the user's repository through tools (" +
      tools +
      ").\n"
      "Work step by step: read the relevant code before changing it, make focused edits, run the "
      "tests or the "
      "command that shows the change works, and finish with a short summary of what you did.\n"
      "File paths given to tools should be absolute. When a tool returns an error, read it and "
      "adjust the call "
      "rather than repeating it. Several independent tool calls may be made in one turn; they run "
      "in parallel.\n"
      "Use TodoWrite to plan and track multi-step tasks.\n\n"
      "<env>\nWorking directory: " +
      cwd + "\nProject root: " + project_root + "\nPlatform: linux\nToday's date: " + date +
      "\n</env>\n";
  for (const auto& path : find_instruction_files(project_root, cwd)) {
    auto text = read_file_to_string(path);
    if (!text.ok()) continue;
    std::string body = text->size() > 40000 ? text->substr(0, 40000) + "\n[truncated]" : *text;
    prompt += "\nInstructions from " + path + ":\n<instructions>\n" + body + "\n</instructions>\n";
  }
  return prompt;
}

}  // namespace glassbox::agent
