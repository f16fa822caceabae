// McpTool: the Tool adapter over McpClient::call_tool.
#include "agent/mcp/mcp_tool.h"

#include <nlohmann/json.hpp>
#include <thread>

namespace glassbox::agent::mcp {

using nlohmann::json;

std::string mcp_tool_name(const std::string& server, const std::string& tool) {
  std::string name = "mcp__" + server + "__" + tool;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return name;
}

namespace {

class McpTool : public Tool {
 public:
  McpTool(McpClient* client, McpToolInfo info)
      : client_(client),
        info_(std::move(info)),
        name_(mcp_tool_name(client->server_name(), info_.name)) {}

  std::string name() const override { return name_; }
  std::string description() const override {
    std::string d = info_.description.empty() ? "(no description)" : info_.description;
    return d + "\n(MCP tool '" + info_.name + "' of server '" + client_->server_name() + "')";
  }
  json input_schema() const override { return info_.input_schema; }
  bool read_only() const override { return false; }
  std::string permission_subject(const json&, ToolContext&) const override { return ""; }

  ToolOutput run(const json& input, ToolContext& ctx) const override {
    auto r =
        client_->call_tool(info_.name, input.is_object() ? input : json::object(), ctx.interrupted);
    if (!r.ok()) return {r.status().message(), true};
    std::string text = truncate_middle(r->text, ctx.max_output_chars);
    return {text, r->is_error};
  }

 private:
  McpClient* client_;
  McpToolInfo info_;
  std::string name_;
};

}  // namespace

std::vector<std::unique_ptr<Tool>> make_mcp_tools(McpClient* client) {
  std::vector<std::unique_ptr<Tool>> out;
  for (const auto& info : client->tools()) out.push_back(std::make_unique<McpTool>(client, info));
  return out;
}

McpConnections connect_mcp_servers(const std::vector<McpServerConfig>& configs,
                                   const std::string& cwd) {
  std::vector<std::unique_ptr<McpClient>> clients(configs.size());
  std::vector<std::string> errors(configs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < configs.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = McpClient::connect(configs[i], cwd);
      if (r.ok()) {
        clients[i] = std::move(*r);
      } else {
        errors[i] = r.status().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  McpConnections out;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (clients[i]) {
      out.clients.push_back(std::move(clients[i]));
    } else {
      out.errors.push_back(errors[i]);
    }
  }
  return out;
}

}  // namespace glassbox::agent::mcp
