// McpServerConfig: parsing .mcp.json files.
#include "agent/mcp/mcp_config.h"

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace glassbox::agent::mcp {

using nlohmann::json;

namespace {

Result<std::map<std::string, std::string>> string_map(const json& j, const std::string& where) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object()) return invalid_argument(where + ": expected an object of strings");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return invalid_argument(where + "." + k + ": expected a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<double> timeout_field(const json& server, const char* key, double fallback,
                             const std::string& where) {
  if (!server.contains(key)) return fallback;
  const json& v = server[key];
  if (!v.is_number() || v.get<double>() <= 0)
    return invalid_argument(where + "." + key + ": expected a positive number of milliseconds");
  return v.get<double>() / 1000.0;
}

}  // namespace

Result<std::vector<McpServerConfig>> parse_mcp_config(const std::string& text,
                                                      const std::string& source) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object())
    return invalid_argument("mcp: " + source + " is not a JSON object");
  std::vector<McpServerConfig> out;
  if (!root.contains("mcpServers")) return out;
  const json& servers = root["mcpServers"];
  if (!servers.is_object())
    return invalid_argument("mcp: " + source + ": mcpServers must be an object");
  for (const auto& [name, s] : servers.items()) {
    std::string where = "mcp: " + source + ": mcpServers." + name;
    if (name.empty()) return invalid_argument("mcp: " + source + ": a server has an empty name");
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
        return invalid_argument(where + ": server names may hold only letters, digits, _ and -");
    }
    if (!s.is_object()) return invalid_argument(where + ": expected an object");
    McpServerConfig c;
    c.name = name;
    c.source = source;
    std::string type = s.value("type", s.contains("url") ? "http" : "stdio");
    if (type == "stdio") {
      if (!s.contains("command") || !s["command"].is_string() ||
          s["command"].get<std::string>().empty())
        return invalid_argument(where + ": a stdio server needs \"command\" (a string)");
      c.command = s["command"].get<std::string>();
      if (s.contains("args")) {
        if (!s["args"].is_array()) return invalid_argument(where + ".args: expected an array");
        for (const auto& a : s["args"]) {
          if (!a.is_string()) return invalid_argument(where + ".args: expected strings");
          c.args.push_back(a.get<std::string>());
        }
      }
      GB_ASSIGN_OR_RETURN(c.env, string_map(s.value("env", json()), where + ".env"));
    } else if (type == "http" || type == "streamable-http" || type == "streamableHttp") {
      c.kind = McpServerConfig::Kind::kHttp;
      if (!s.contains("url") || !s["url"].is_string())
        return invalid_argument(where + ": an http server needs \"url\" (a string)");
      c.url = s["url"].get<std::string>();
      if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
        return invalid_argument(where + ".url: '" + c.url +
                                "' must start with http:// or https://");
      GB_ASSIGN_OR_RETURN(c.headers, string_map(s.value("headers", json()), where + ".headers"));
    } else {
      return invalid_argument(where + ".type: '" + type +
                              "' is not supported (expected stdio or http)");
    }
    GB_ASSIGN_OR_RETURN(c.startup_timeout_s,
                        timeout_field(s, "startup_timeout_ms", c.startup_timeout_s, where));
    GB_ASSIGN_OR_RETURN(c.call_timeout_s, timeout_field(s, "timeout_ms", c.call_timeout_s, where));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<McpServerConfig>> load_mcp_configs(const std::vector<std::string>& paths) {
  std::map<std::string, McpServerConfig> by_name;
  for (const auto& path : paths) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    GB_ASSIGN_OR_RETURN(auto text, read_file_to_string(path));
    GB_ASSIGN_OR_RETURN(auto servers, parse_mcp_config(text, path));
    for (auto& s : servers) by_name[s.name] = std::move(s);
  }
  std::vector<McpServerConfig> out;
  for (auto& [_, s] : by_name) out.push_back(std::move(s));
  return out;
}

}  // namespace glassbox::agent::mcp
