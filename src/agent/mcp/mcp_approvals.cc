// McpApprovals: the user's record of approved project MCP servers.
#include "agent/mcp/mcp_approvals.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace glassbox::agent::mcp {

using nlohmann::json;

std::string mcp_server_fingerprint(const McpServerConfig& c) {
  json j = {
      {"name", c.name},       {"kind", c.kind == McpServerConfig::Kind::kStdio ? "stdio" : "http"},
      {"command", c.command}, {"args", c.args},
      {"env", c.env},         {"url", c.url}};
  return j.dump();
}

namespace {

Result<json> load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return json{{"projects", json::object()}};
  GB_ASSIGN_OR_RETURN(auto text, read_file_to_string(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("projects") || !j["projects"].is_object())
    return invalid_argument("mcp: " + path + " is not {\"projects\": {...}}; fix or delete it");
  return j;
}

}  // namespace

Result<bool> McpApprovals::approved(const std::string& project_root,
                                    const McpServerConfig& config) const {
  GB_ASSIGN_OR_RETURN(json j, load(path_));
  const json& list = j["projects"].value(project_root, json::array());
  std::string fp = mcp_server_fingerprint(config);
  if (!list.is_array()) return false;
  for (const auto& e : list) {
    if (e.is_string() && e.get<std::string>() == fp) return true;
  }
  return false;
}

Status McpApprovals::approve(const std::string& project_root, const McpServerConfig& config) {
  GB_ASSIGN_OR_RETURN(json j, load(path_));
  json& list = j["projects"][project_root];
  if (!list.is_array()) list = json::array();
  list.push_back(mcp_server_fingerprint(config));
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  std::string text = j.dump(2) + "\n";
  return write_file_atomic(path_, text.data(), text.size());
}

}  // namespace glassbox::agent::mcp
