// Permissions: rule parsing, settings files and the decision order (deny rules, plan mode, bypass,
// allow rules, read-only tools, acceptEdits, then ask).
#include "agent/permissions.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/glob_match.h"
#include "base/mapped_file.h"

namespace glassbox::agent {

using nlohmann::json;

Result<PermissionMode> parse_permission_mode(const std::string& name) {
  if (name == "default") return PermissionMode::kDefault;
  if (name == "acceptEdits") return PermissionMode::kAcceptEdits;
  if (name == "plan") return PermissionMode::kPlan;
  if (name == "bypassPermissions") return PermissionMode::kBypassPermissions;
  return invalid_argument("permission mode '" + name +
                          "': expected default, acceptEdits, plan or bypassPermissions");
}

const char* permission_mode_name(PermissionMode mode) {
  switch (mode) {
    case PermissionMode::kDefault:
      return "default";
    case PermissionMode::kAcceptEdits:
      return "acceptEdits";
    case PermissionMode::kPlan:
      return "plan";
    case PermissionMode::kBypassPermissions:
      return "bypassPermissions";
  }
  return "default";
}

Result<PermissionRule> PermissionRule::parse(const std::string& text) {
  std::string t = text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
  if (t.empty()) return invalid_argument("permission rule is empty");
  PermissionRule rule;
  size_t open = t.find('(');
  if (open == std::string::npos) {
    rule.tool = t;
  } else {
    if (t.back() != ')')
      return invalid_argument("permission rule '" + text + "': expected Tool or Tool(specifier)");
    rule.tool = t.substr(0, open);
    std::string spec = t.substr(open + 1, t.size() - open - 2);
    if (!spec.empty() && spec != "*") rule.specifier = spec;
  }
  // "mcp__server__*" is the same rule as "mcp__server": every tool of that server.
  if (rule.tool.rfind("mcp__", 0) == 0 && rule.tool.size() > 8 &&
      rule.tool.compare(rule.tool.size() - 3, 3, "__*") == 0) {
    rule.tool.resize(rule.tool.size() - 3);
  }
  for (char c : rule.tool) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return invalid_argument("permission rule '" + text + "': tool name '" + rule.tool +
                              "' is not a name");
    }
  }
  return rule;
}

std::string PermissionRule::to_string() const {
  return specifier ? tool + "(" + *specifier + ")" : tool;
}

Status PermissionPolicy::add_allow(const std::string& rule) {
  GB_ASSIGN_OR_RETURN(auto r, PermissionRule::parse(rule));
  allow_.push_back(std::move(r));
  return ok_status();
}

Status PermissionPolicy::add_deny(const std::string& rule) {
  GB_ASSIGN_OR_RETURN(auto r, PermissionRule::parse(rule));
  deny_.push_back(std::move(r));
  return ok_status();
}

Status PermissionPolicy::load_settings_file(const std::string& path, bool mode_forced) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return ok_status();
  GB_ASSIGN_OR_RETURN(auto text, read_file_to_string(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid_argument(path + ": not a JSON object");
  if (!j.contains("permissions")) return ok_status();
  const json& p = j["permissions"];
  if (!p.is_object()) return invalid_argument(path + ": 'permissions' must be an object");
  for (const char* key : {"allow", "deny"}) {
    if (!p.contains(key)) continue;
    if (!p[key].is_array())
      return invalid_argument(path + ": permissions." + key + " must be an array of strings");
    for (const auto& r : p[key]) {
      if (!r.is_string())
        return invalid_argument(path + ": permissions." + key + " must be an array of strings");
      Status s = std::string(key) == "allow" ? add_allow(r.get<std::string>())
                                             : add_deny(r.get<std::string>());
      if (!s.ok()) return invalid_argument(path + ": " + s.message());
    }
  }
  if (!mode_forced && p.contains("defaultMode") && p["defaultMode"].is_string()) {
    auto mode = parse_permission_mode(p["defaultMode"].get<std::string>());
    if (!mode.ok()) return invalid_argument(path + ": " + mode.status().message());
    // bypassPermissions only from an explicit flag, never from a file in the repository.
    if (*mode != PermissionMode::kBypassPermissions) mode_ = *mode;
  }
  return ok_status();
}

namespace {

// The simple commands of a command line, split at ; & | and newlines, trimmed, with a leading
// subshell or group opener dropped. Quotes are not parsed: splitting inside one only adds segments,
// which is the safe direction for deny rules.
std::vector<std::string> split_shell_segments(const std::string& command) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    size_t b = cur.find_first_not_of(" \t({");
    size_t e = cur.find_last_not_of(" \t)}");
    if (b != std::string::npos && e != std::string::npos && e >= b)
      out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (char c : command) {
    if (c == ';' || c == '&' || c == '|' || c == '\n' || c == '`' || c == '(' || c == ')') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

}  // namespace

bool PermissionPolicy::matches(const PermissionRule& rule, const std::string& tool,
                               const std::string& subject) const {
  bool tool_ok = rule.tool == tool || (rule.tool == "Edit" && tool == "Write") ||
                 (rule.tool == "Read" && (tool == "Glob" || tool == "Grep")) ||
                 // "mcp__server" covers every tool of the server ("mcp__server__tool").
                 (rule.tool.rfind("mcp__", 0) == 0 &&
                  rule.tool.find("__", 5) == std::string::npos &&
                  tool.rfind(rule.tool + "__", 0) == 0);
  if (!tool_ok) return false;
  if (!rule.specifier) return true;
  const std::string& spec = *rule.specifier;
  if (tool == "Bash") {
    if (spec.size() >= 2 && spec.compare(spec.size() - 2, 2, ":*") == 0) {
      std::string prefix = spec.substr(0, spec.size() - 2);
      // The prefix must end at a word boundary, and a compound command must not smuggle more in.
      if (subject.rfind(prefix, 0) != 0) return false;
      if (subject.size() > prefix.size() && subject[prefix.size()] != ' ') return false;
      return subject.find_first_of(";&|`\n$<>", prefix.size()) == std::string::npos;
    }
    if (spec.find('*') != std::string::npos) {
      if (subject.find_first_of(";&|`\n$<>") != std::string::npos) return false;
      // '*' may cross '/' in commands: hide slashes from the path-aware glob.
      std::string flat = subject;
      for (char& c : flat)
        if (c == '/') c = '\x01';
      std::string flat_spec = spec;
      for (char& c : flat_spec)
        if (c == '/') c = '\x01';
      return GlobMatcher(flat_spec).matches(flat);
    }
    return subject == spec;
  }
  if (subject.empty()) return false;
  std::string pattern = spec;
  std::string path = subject;
  if (pattern.rfind("//", 0) == 0) pattern = pattern.substr(1);  // "//abs/path" = absolute
  if (pattern.rfind("./", 0) == 0) pattern = pattern.substr(2);
  if (!pattern.empty() && pattern[0] != '/') {
    std::string root = project_root_.empty() ? "" : project_root_ + "/";
    if (path.rfind(root, 0) != 0) return false;  // relative rules only cover the project
    path = path.substr(root.size());
  }
  if (GlobMatcher(pattern).matches(path)) return true;
  // "src" or "src/" covers everything below it.
  std::string dir = pattern;
  if (!dir.empty() && dir.back() == '/') dir.pop_back();
  return dir.find_first_of("*?[{") == std::string::npos && path.rfind(dir + "/", 0) == 0;
}

PermissionVerdict PermissionPolicy::check(const std::string& tool, const std::string& subject,
                                          bool read_only, bool edits_files) const {
  for (const auto& rule : deny_) {
    if (matches(rule, tool, subject))
      return {Decision::kDeny, "denied by the rule " + rule.to_string()};
    // A deny rule also catches a denied command chained after others ("ls; rm -rf x").
    if (tool == "Bash" && rule.tool == "Bash" && rule.specifier) {
      for (const auto& part : split_shell_segments(subject)) {
        if (part != subject && matches(rule, tool, part))
          return {Decision::kDeny, "denied by the rule " + rule.to_string()};
      }
    }
  }
  if (mode_ == PermissionMode::kPlan && !read_only) {
    return {
        Decision::kDeny,
        "the session is in plan mode: only read-only tools may run; describe the change instead"};
  }
  if (mode_ == PermissionMode::kBypassPermissions) return {Decision::kAllow, ""};
  for (const auto& rule : allow_) {
    if (matches(rule, tool, subject)) return {Decision::kAllow, ""};
  }
  if (read_only) return {Decision::kAllow, ""};
  if (mode_ == PermissionMode::kAcceptEdits && edits_files) return {Decision::kAllow, ""};
  return {Decision::kAsk, ""};
}

std::vector<std::string> split_rule_list(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : list) {
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (depth == 0 && (c == ',' || c == ' ')) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace glassbox::agent
