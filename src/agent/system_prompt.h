// The system prompt: the agent's instructions, its environment, and the AGENTS.md / CLAUDE.md files
// from the project root down to the working directory (outermost first).
#pragma once

#include <string>
#include <vector>

namespace glassbox::agent {

// Paths of AGENTS.md and CLAUDE.md files in each directory from `project_root` down to `cwd`.
std::vector<std::string> find_instruction_files(const std::string& project_root,
                                                const std::string& cwd);

std::string build_system_prompt(const std::string& project_root, const std::string& cwd,
                                const std::vector<std::string>& tool_names);

}  // namespace glassbox::agent
