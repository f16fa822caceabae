// SessionStore: JSONL transcripts, session discovery and history repair on resume.
#include "agent/session_store.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "base/mapped_file.h"

namespace glassbox::agent {

using nlohmann::json;
namespace fs = std::filesystem;

std::string glassbox_home() {
  if (const char* h = std::getenv("GLASSBOX_HOME"); h && *h) return h;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.glassbox";
}

std::string project_sessions_dir(const std::string& home, const std::string& project_root) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : project_root) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return home + "/sessions/" + str_format("%016llx", static_cast<unsigned long long>(h));
}

std::string find_project_root(const std::string& dir) {
  std::error_code ec;
  for (fs::path p = fs::absolute(dir, ec).lexically_normal(); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) return p.string();
    if (p == p.parent_path()) break;
  }
  return fs::absolute(dir, ec).lexically_normal().string();
}

namespace {

std::string new_session_id() {
  std::random_device rd;
  std::mt19937_64 rng(
      (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  uint64_t a = rng(), b = rng();
  // UUID v4 layout.
  return str_format("%08llx-%04llx-4%03llx-%04llx-%012llx",
                    static_cast<unsigned long long>(a >> 32),
                    static_cast<unsigned long long>((a >> 16) & 0xffff),
                    static_cast<unsigned long long>(a & 0xfff),
                    static_cast<unsigned long long>(0x8000 | ((b >> 48) & 0x3fff)),
                    static_cast<unsigned long long>(b & 0xffffffffffffull));
}

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return str_format("%s.%03lldZ", buf, static_cast<long long>(ms));
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 100) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

void repair_tail(json& messages) {
  if (messages.empty()) return;
  const json& last = messages.back();
  if (last.value("role", "") != "assistant" || !last.contains("content") ||
      !last["content"].is_array())
    return;
  json results = json::array();
  for (const auto& block : last["content"]) {
    if (block.value("type", "") == "tool_use") {
      results.push_back({{"type", "tool_result"},
                         {"tool_use_id", block.value("id", "")},
                         {"content", "The session ended before this tool ran; it was not run."},
                         {"is_error", true}});
    }
  }
  if (!results.empty()) messages.push_back({{"role", "user"}, {"content", results}});
}

}  // namespace

Result<SessionStore> SessionStore::create(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("sessions: cannot create " + dir + ": " + ec.message());
  std::string id = new_session_id();
  std::string path = dir + "/" + id + ".jsonl";
  FILE* f = std::fopen(path.c_str(), "ae");  // e: O_CLOEXEC, not inherited by tools
  if (!f) return io_error("sessions: cannot open " + path + ": " + std::strerror(errno));
  return SessionStore(id, path, f);
}

Result<SessionStore> SessionStore::open(const std::string& dir, const std::string& id,
                                        json* messages) {
  if (!valid_id(id)) return invalid_argument("sessions: '" + id + "' is not a session id");
  std::string path = dir + "/" + id + ".jsonl";
  std::error_code ec;
  if (!fs::exists(path, ec))
    return not_found("sessions: no session '" + id + "' for this project (looked in " + dir + ")");
  GB_ASSIGN_OR_RETURN(auto text, read_file_to_string(path));
  *messages = json::array();
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    json rec = json::parse(line, nullptr, false);
    if (rec.is_discarded()) {
      if (pos >= text.size()) break;  // a torn last line from a crash: drop it
      return data_loss(str_format("sessions: %s line %zu is not JSON", path.c_str(), line_no));
    }
    if (!rec.is_object()) continue;
    std::string type = rec.value("type", "");
    // A compaction replaces the conversation; a rewind truncates it.
    if (type == "compact" && rec.contains("message") && rec["message"].is_object() &&
        rec["message"].contains("messages") && rec["message"]["messages"].is_array()) {
      *messages = rec["message"]["messages"];
      continue;
    }
    if (type == "rewind" && rec.contains("message") && rec["message"].is_object()) {
      size_t keep = rec["message"].value("message_count", messages->size());
      if (keep < messages->size()) messages->erase(messages->begin() + keep, messages->end());
      continue;
    }
    if ((type != "user" && type != "assistant") || !rec.contains("message") ||
        !rec["message"].is_object()) {
      continue;
    }
    json msg = {{"role", rec["message"].value("role", type)},
                {"content", rec["message"].value("content", json::array())}};
    if (!messages->empty() && messages->back()["role"] == msg["role"]) {
      // Two user records in a row (a prompt after a failed turn): merge, as the API wants
      // alternation.
      json& prev = messages->back()["content"];
      if (prev.is_string()) prev = json::array({{{"type", "text"}, {"text", prev}}});
      json add = msg["content"].is_string()
                     ? json::array({{{"type", "text"}, {"text", msg["content"]}}})
                     : msg["content"];
      for (auto& b : add) prev.push_back(b);
    } else {
      messages->push_back(std::move(msg));
    }
  }
  repair_tail(*messages);
  FILE* f = std::fopen(path.c_str(), "ae");  // e: O_CLOEXEC, not inherited by tools
  if (!f) return io_error("sessions: cannot open " + path + ": " + std::strerror(errno));
  return SessionStore(id, path, f);
}

Result<std::string> SessionStore::latest(const std::string& dir) {
  std::error_code ec;
  std::string best;
  fs::file_time_type best_time;
  if (fs::is_directory(dir, ec)) {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() != ".jsonl") continue;
      auto t = e.last_write_time(ec);
      if (best.empty() || t > best_time) {
        best = e.path().stem().string();
        best_time = t;
      }
    }
  }
  if (best.empty())
    return not_found("sessions: no earlier session for this project (looked in " + dir + ")");
  return best;
}

SessionStore::SessionStore(SessionStore&& other) noexcept
    : id_(std::move(other.id_)), path_(std::move(other.path_)), file_(other.file_) {
  other.file_ = nullptr;
}

SessionStore::~SessionStore() {
  if (file_) std::fclose(file_);
}

Status SessionStore::append(const std::string& type, const json& message, const std::string& cwd) {
  json rec = {{"type", type},
              {"session_id", id_},
              {"timestamp", now_iso8601()},
              {"cwd", cwd},
              {"message", message}};
  std::string line = rec.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return io_error("sessions: cannot write " + path_ + ": " + std::strerror(errno));
  }
  return ok_status();
}

}  // namespace glassbox::agent
