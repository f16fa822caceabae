// McpTransport: how JSON-RPC 2.0 messages reach one MCP server: a child process's stdin/stdout
// (stdio_transport.cc) or POSTs to a streamable-HTTP endpoint (http_transport.cc).
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/mcp/mcp_config.h"
#include "base/status.h"

namespace glassbox::agent::mcp {

// Not thread-safe: McpClient serialises calls. Every failure (the server died, timed out, sent
// something that is not JSON-RPC) is a Status whose message names the server.
class McpTransport {
 public:
  virtual ~McpTransport() = default;
  // Sends the request `message` (which has an "id") and returns the response with that id
  // ({"result"} or {"error"}). Notifications the server sends meanwhile are ignored; requests it
  // sends (ping, ...) are answered. Gives up after `timeout_s` or when `*interrupted` turns true.
  virtual Result<nlohmann::json> request(const nlohmann::json& message, double timeout_s,
                                         const std::atomic<bool>* interrupted) = 0;
  // Sends a notification (no "id"; no answer expected).
  virtual Status notify(const nlohmann::json& message) = 0;
};

// Starts `config.command` with `config.args` in `cwd` (its own process group; stderr kept for
// error messages). Fails clearly when the program cannot be run.
Result<std::unique_ptr<McpTransport>> start_stdio_transport(const McpServerConfig& config,
                                                            const std::string& cwd);
// A client of the streamable HTTP transport at `config.url` (the Mcp-Session-Id it is given is
// sent back on every later request).
Result<std::unique_ptr<McpTransport>> make_http_transport(const McpServerConfig& config);

// The JSON-RPC reply to a request the server sent us: ping gets {}, anything else "method not
// found". Shared by both transports.
nlohmann::json answer_server_request(const nlohmann::json& request);

}  // namespace glassbox::agent::mcp
