// McpClient: the MCP lifecycle and tool calls over a transport.
#include "agent/mcp/mcp_client.h"

#include <algorithm>

namespace glassbox::agent::mcp {

using nlohmann::json;

Result<std::unique_ptr<McpClient>> McpClient::connect(const McpServerConfig& config,
                                                      const std::string& cwd) {
  std::unique_ptr<McpTransport> transport;
  if (config.kind == McpServerConfig::Kind::kStdio) {
    GB_ASSIGN_OR_RETURN(transport, start_stdio_transport(config, cwd));
  } else {
    GB_ASSIGN_OR_RETURN(transport, make_http_transport(config));
  }
  return connect(config, std::move(transport));
}

Result<std::unique_ptr<McpClient>> McpClient::connect(const McpServerConfig& config,
                                                      std::unique_ptr<McpTransport> transport) {
  std::unique_ptr<McpClient> c(new McpClient(config, std::move(transport)));
  double t = config.startup_timeout_s;
  GB_ASSIGN_OR_RETURN(json init,
                      c->rpc("initialize",
                             {{"protocolVersion", kMcpProtocolVersion},
                              {"capabilities", json::object()},
                              {"clientInfo", {{"name", "glassbox-agent"}, {"version", "0.1"}}}},
                             t, nullptr));
  if (!init.is_object() || !init.contains("protocolVersion")) {
    return data_loss("MCP server '" + config.name +
                     "': its initialize result has no protocolVersion: " + init.dump());
  }
  c->server_info_ = init.value("serverInfo", json::object());
  GB_RETURN_IF_ERROR(
      c->transport_->notify({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
  // tools/list, following nextCursor; a cursor seen twice would loop forever, so it ends the list.
  std::string cursor;
  std::vector<std::string> seen;
  for (int page = 0; page < 1000; ++page) {
    json params = json::object();
    if (!cursor.empty()) params["cursor"] = cursor;
    GB_ASSIGN_OR_RETURN(json list, c->rpc("tools/list", params, t, nullptr));
    if (!list.is_object() || !list.contains("tools") || !list["tools"].is_array()) {
      return data_loss("MCP server '" + config.name + "': tools/list result has no tools array");
    }
    for (const auto& tool : list["tools"]) {
      if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) {
        return data_loss("MCP server '" + config.name + "': a tool in tools/list has no name");
      }
      McpToolInfo info;
      info.name = tool["name"].get<std::string>();
      info.description = tool.value("description", "");
      info.input_schema = tool.value("inputSchema", json{{"type", "object"}});
      if (!info.input_schema.is_object()) info.input_schema = {{"type", "object"}};
      info.input_schema.erase("$schema");
      c->tools_.push_back(std::move(info));
    }
    if (!list.contains("nextCursor") || !list["nextCursor"].is_string()) break;
    cursor = list["nextCursor"].get<std::string>();
    if (cursor.empty() || std::find(seen.begin(), seen.end(), cursor) != seen.end()) break;
    seen.push_back(cursor);
  }
  return c;
}

Result<json> McpClient::rpc(const std::string& method, json params, double timeout_s,
                            const std::atomic<bool>* interrupted) {
  std::lock_guard<std::mutex> lock(mu_);
  json msg = {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}};
  if (!params.is_null()) msg["params"] = std::move(params);
  GB_ASSIGN_OR_RETURN(json reply, transport_->request(msg, timeout_s, interrupted));
  if (reply.contains("error")) {
    const json& e = reply["error"];
    std::string text = e.is_object() ? e.value("message", e.dump()) : e.dump();
    int64_t code = e.is_object() && e.contains("code") && e["code"].is_number_integer()
                       ? e["code"].get<int64_t>()
                       : 0;
    return invalid_argument(str_format("MCP server '%s' answered %s with error %lld: %s",
                                       config_.name.c_str(), method.c_str(),
                                       static_cast<long long>(code), text.c_str()));
  }
  if (!reply.contains("result")) {
    return data_loss("MCP server '" + config_.name + "' answered " + method +
                     " with neither result nor error");
  }
  return reply["result"];
}

Result<McpCallResult> McpClient::call_tool(const std::string& tool, const json& arguments,
                                           const std::atomic<bool>* interrupted) {
  GB_ASSIGN_OR_RETURN(json result, rpc("tools/call", {{"name", tool}, {"arguments", arguments}},
                                       config_.call_timeout_s, interrupted));
  if (!result.is_object()) {
    return data_loss("MCP server '" + config_.name + "': tools/call result is not an object");
  }
  return McpCallResult{render_tool_content(result), result.value("isError", false)};
}

std::string render_tool_content(const json& result) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += "\n";
    out += s;
  };
  if (result.contains("content") && result["content"].is_array()) {
    for (const auto& block : result["content"]) {
      if (!block.is_object()) continue;
      std::string type = block.value("type", "");
      if (type == "text") {
        add(block.value("text", ""));
      } else if (type == "image" || type == "audio") {
        std::string data = block.contains("data") && block["data"].is_string()
                               ? block["data"].get<std::string>()
                               : std::string();
        size_t bytes = data.size() / 4 * 3;  // base64: 3 bytes per 4 characters, less padding
        for (size_t i = data.size(); i > 0 && data[i - 1] == '=' && bytes > 0; --i) --bytes;
        add(str_format("[%s: %s, %zu bytes]", type.c_str(),
                       block.value("mimeType", "unknown type").c_str(), bytes));
      } else if (type == "resource" && block.contains("resource") &&
                 block["resource"].is_object()) {
        const json& r = block["resource"];
        if (r.contains("text") && r["text"].is_string()) {
          add("[resource " + r.value("uri", "") + "]\n" + r["text"].get<std::string>());
        } else {
          add("[resource " + r.value("uri", "") + ": " + r.value("mimeType", "binary") + "]");
        }
      } else if (type == "resource_link") {
        add("[resource link " + block.value("uri", "") +
            (block.contains("name") ? " (" + block.value("name", "") + ")" : "") + "]");
      } else {
        add("[" + (type.empty() ? std::string("unknown") : type) + " content]");
      }
    }
  }
  if (out.empty() && result.contains("structuredContent")) add(result["structuredContent"].dump());
  return out;
}

}  // namespace glassbox::agent::mcp
