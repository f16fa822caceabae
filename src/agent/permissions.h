// Permissions: which tool calls run without asking. Modes (default, acceptEdits, plan,
// bypassPermissions) and allow/deny rules like `Bash(git status:*)`, `Edit(src/**)`, `Read`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::agent {

enum class PermissionMode { kDefault, kAcceptEdits, kPlan, kBypassPermissions };

Result<PermissionMode> parse_permission_mode(const std::string& name);
const char* permission_mode_name(PermissionMode mode);

// One rule: a tool name and an optional specifier. For Bash the specifier is a command: exact, a
// prefix ending in ":*" ("git status:*"), or a glob with '*'. For file tools it is a path glob,
// relative to the project root unless it starts with '/' ("src/**", "/tmp/*.txt"). Edit rules also
// cover Write; Read rules also cover Glob and Grep.
struct PermissionRule {
  std::string tool;
  std::optional<std::string> specifier;
  static Result<PermissionRule> parse(const std::string& text);
  std::string to_string() const;
};

enum class Decision { kAllow, kDeny, kAsk };

struct PermissionVerdict {
  Decision decision;
  std::string reason;  // for kDeny: why, in words fit to send to the model
};

// Thread-compatible; check() is const and safe to call from several threads.
class PermissionPolicy {
 public:
  explicit PermissionPolicy(PermissionMode mode = PermissionMode::kDefault,
                            std::string project_root = "")
      : mode_(mode), project_root_(std::move(project_root)) {}

  Status add_allow(const std::string& rule);
  Status add_deny(const std::string& rule);
  // Reads `permissions.allow`, `permissions.deny` (and `defaultMode` unless a mode was forced) from
  // a settings.json file; a missing file is fine, a malformed one is an error naming it.
  Status load_settings_file(const std::string& path, bool mode_forced);

  // `subject`: the Bash command or the absolute file path; `read_only`/`edits_files` describe the
  // tool.
  PermissionVerdict check(const std::string& tool, const std::string& subject, bool read_only,
                          bool edits_files) const;

  PermissionMode mode() const { return mode_; }
  void set_mode(PermissionMode mode) { mode_ = mode; }

 private:
  bool matches(const PermissionRule& rule, const std::string& tool,
               const std::string& subject) const;
  PermissionMode mode_;
  std::string project_root_;
  std::vector<PermissionRule> allow_, deny_;
};

// Splits a --allowed-tools value: rules separated by commas or spaces, keeping "Bash(git log:*)"
// whole.
std::vector<std::string> split_rule_list(const std::string& list);

}  // namespace glassbox::agent
