// McpTool: an MCP server's tool offered to the model as `mcp__<server>__<tool>`, and the
// connection of every configured server at session start.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/mcp/mcp_client.h"
#include "agent/tool.h"

namespace glassbox::agent::mcp {

// The name the model sees: mcp__<server>__<tool>, with characters outside [A-Za-z0-9_-] as '_'.
std::string mcp_tool_name(const std::string& server, const std::string& tool);

// One Tool per tool of `client` (which must outlive them). They are never read-only: the
// permission policy asks before each call unless a rule (`mcp__server`, `mcp__server__tool`)
// allows it.
std::vector<std::unique_ptr<Tool>> make_mcp_tools(McpClient* client);

struct McpConnections {
  std::vector<std::unique_ptr<McpClient>> clients;
  std::vector<std::string> errors;  // one line per server that could not be used
};

// Connects to every server in parallel; a server that fails is reported in `errors` and skipped.
McpConnections connect_mcp_servers(const std::vector<McpServerConfig>& configs,
                                   const std::string& cwd);

}  // namespace glassbox::agent::mcp
