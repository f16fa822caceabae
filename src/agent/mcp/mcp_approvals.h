// McpApprovals: which project-scoped MCP servers (a repository's own .mcp.json) the user agreed to
// start. A cloned repository could otherwise run any program, outside the sandbox, the moment the
// agent starts in it; so approvals live in the user's $GLASSBOX_HOME, never in the project, and
// name the exact command, arguments and URL (a changed .mcp.json entry needs approval again).
#pragma once

#include <string>

#include "agent/mcp/mcp_config.h"
#include "base/status.h"

namespace glassbox::agent::mcp {

// What an approval covers: the server's name, kind, command, args, env and url.
std::string mcp_server_fingerprint(const McpServerConfig& config);

// <home>/mcp-approvals.json: {"projects": {"<project root>": ["<fingerprint>", ...]}}.
// Not safe against concurrent writers in several processes (the last write wins).
class McpApprovals {
 public:
  explicit McpApprovals(std::string home) : path_(std::move(home) + "/mcp-approvals.json") {}
  // A malformed file is an error naming it; a missing one approves nothing.
  Result<bool> approved(const std::string& project_root, const McpServerConfig& config) const;
  // Records the approval (written to a temp file, then renamed).
  Status approve(const std::string& project_root, const McpServerConfig& config);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace glassbox::agent::mcp
