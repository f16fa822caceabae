// SessionStore: a session's transcript as JSON Lines under
// <home>/sessions/<project-hash>/<id>.jsonl, one record per message
// ({"type":"user"|"assistant","message":{...},"session_id","timestamp","cwd"}); a "compact"
// record ({"message":{"messages":[...]}}) replaces the conversation so far, a "rewind" record
// ({"message":{"message_count":N}}) truncates it to N messages.
#pragma once

#include <cstdio>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/status.h"

namespace glassbox::agent {

// $GLASSBOX_HOME, else $HOME/.glassbox.
std::string glassbox_home();
// <home>/sessions/<16 hex digits of FNV-1a of the absolute project root>.
std::string project_sessions_dir(const std::string& home, const std::string& project_root);
// The nearest directory at or above `dir` holding .git, else `dir` itself.
std::string find_project_root(const std::string& dir);

// Append-only; not thread-safe (the agent loop owns it).
class SessionStore {
 public:
  // A new session with a fresh random id; creates `dir`.
  static Result<SessionStore> create(const std::string& dir);
  // An existing session; fills `messages` (a JSON array) with its user/assistant messages in order
  // and repairs the tail (an unanswered tool_use gets an is_error result) so the next request is
  // valid.
  static Result<SessionStore> open(const std::string& dir, const std::string& id,
                                   nlohmann::json* messages);
  // The id of the most recently modified session in `dir`.
  static Result<std::string> latest(const std::string& dir);

  SessionStore(SessionStore&& other) noexcept;
  SessionStore& operator=(SessionStore&&) = delete;
  ~SessionStore();

  // Appends one record (type, message) with session_id, cwd and timestamp; flushed at once.
  Status append(const std::string& type, const nlohmann::json& message, const std::string& cwd);

  const std::string& id() const { return id_; }
  const std::string& path() const { return path_; }

 private:
  SessionStore(std::string id, std::string path, FILE* file)
      : id_(std::move(id)), path_(std::move(path)), file_(file) {}
  std::string id_;
  std::string path_;
  FILE* file_ = nullptr;
};

}  // namespace glassbox::agent
