// McpServerConfig: the MCP servers a session connects to, read from `.mcp.json` files
// ({"mcpServers": {"name": {"command", "args", "env"} | {"type": "http", "url", "headers"}}}).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::agent::mcp {

struct McpServerConfig {
  std::string name;  // letters, digits, '_' and '-': it becomes part of tool names
  enum class Kind { kStdio, kHttp } kind = Kind::kStdio;
  // stdio: the program (looked up on PATH), its arguments and extra environment variables.
  std::string command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  // http (streamable HTTP): the endpoint and extra request headers.
  std::string url;
  std::map<std::string, std::string> headers;
  double startup_timeout_s = 30;  // spawn + initialize + tools/list
  double call_timeout_s = 120;    // one tools/call
  std::string source;             // the file it came from, for messages
};

// Parses one file's text. Servers are returned sorted by name. `source` names the file in errors.
Result<std::vector<McpServerConfig>> parse_mcp_config(const std::string& text,
                                                      const std::string& source);

// Reads each existing file of `paths` in order (a missing file is skipped); a server named again
// by a later file replaces the earlier one.
Result<std::vector<McpServerConfig>> load_mcp_configs(const std::vector<std::string>& paths);

}  // namespace glassbox::agent::mcp
