// McpClient: one connected MCP server: the JSON-RPC 2.0 handshake (initialize, then
// notifications/initialized), its tools (tools/list, every page) and tools/call.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/mcp/mcp_config.h"
#include "agent/mcp/mcp_transport.h"
#include "base/status.h"

namespace glassbox::agent::mcp {

inline constexpr const char* kMcpProtocolVersion = "2025-06-18";

struct McpToolInfo {
  std::string name;
  std::string description;
  nlohmann::json input_schema;  // a JSON Schema object
};

struct McpCallResult {
  std::string text;  // the content blocks rendered as text (non-text blocks summarised)
  bool is_error = false;
};

// Thread-safe: calls are serialised (one JSON-RPC exchange at a time per server).
class McpClient {
 public:
  // Starts (stdio) or reaches (http) the server, runs the handshake and lists its tools, all
  // within config.startup_timeout_s. Errors name the server and what went wrong.
  static Result<std::unique_ptr<McpClient>> connect(const McpServerConfig& config,
                                                    const std::string& cwd);
  // Over an existing transport (tests).
  static Result<std::unique_ptr<McpClient>> connect(const McpServerConfig& config,
                                                    std::unique_ptr<McpTransport> transport);

  const McpServerConfig& config() const { return config_; }
  const std::string& server_name() const { return config_.name; }
  const nlohmann::json& server_info() const { return server_info_; }
  const std::vector<McpToolInfo>& tools() const { return tools_; }

  // tools/call. A JSON-RPC error or a transport failure is a Status; a tool that reports failure
  // (isError) is a result with is_error set.
  Result<McpCallResult> call_tool(const std::string& tool, const nlohmann::json& arguments,
                                  const std::atomic<bool>* interrupted);

 private:
  McpClient(McpServerConfig config, std::unique_ptr<McpTransport> transport)
      : config_(std::move(config)), transport_(std::move(transport)) {}
  Result<nlohmann::json> rpc(const std::string& method, nlohmann::json params, double timeout_s,
                             const std::atomic<bool>* interrupted);
  McpServerConfig config_;
  std::unique_ptr<McpTransport> transport_;
  std::mutex mu_;
  int64_t next_id_ = 1;
  nlohmann::json server_info_;
  std::vector<McpToolInfo> tools_;
};

// A tools/call result's content as text: text blocks verbatim; images, audio, resources and
// links summarised in one line each; structuredContent when there is no content.
std::string render_tool_content(const nlohmann::json& result);

}  // namespace glassbox::agent::mcp
