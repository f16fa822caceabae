// CheckpointStore: file snapshots per user turn, and restoring them.
#include "agent/checkpoint_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace glassbox::agent {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool skipped_dir(const std::string& name) {
  return name == ".git" || name == "node_modules" || name == "build" || name == ".cache" ||
         name.rfind("build-", 0) == 0 || name == "__pycache__";
}

}  // namespace

WorkspaceScan capture_workspace(const std::string& root, size_t max_files, size_t max_file_bytes,
                                size_t max_total_bytes, const WorkspaceScan* reuse) {
  WorkspaceScan scan;
  size_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const auto& e = *it;
    std::error_code ec2;
    if (e.is_directory(ec2) && !e.is_symlink(ec2)) {
      if (skipped_dir(e.path().filename().string())) it.disable_recursion_pending();
      continue;
    }
    if (!e.is_regular_file(ec2) || e.is_symlink(ec2)) continue;
    if (scan.files.size() >= max_files) {
      scan.truncated = true;
      break;
    }
    struct stat st {};
    if (stat(e.path().c_str(), &st) != 0) continue;
    WorkspaceScan::Entry entry;
    entry.size = static_cast<uintmax_t>(st.st_size);
    entry.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    entry.mode = st.st_mode & 07777;
    std::string path = e.path().lexically_normal().string();
    if (entry.size <= max_file_bytes && total + entry.size <= max_total_bytes) {
      const WorkspaceScan::Entry* prev = nullptr;
      if (reuse) {
        auto it = reuse->files.find(path);
        if (it != reuse->files.end() && it->second.size == entry.size &&
            it->second.mtime_ns == entry.mtime_ns && it->second.content) {
          prev = &it->second;
        }
      }
      if (prev) {
        entry.content = prev->content;
        total += entry.size;
      } else if (auto text = read_file_to_string(path); text.ok()) {
        total += text->size();
        entry.content = std::make_shared<const std::string>(std::move(*text));
      }
    }
    scan.files[path] = std::move(entry);
  }
  return scan;
}

Result<std::unique_ptr<CheckpointStore>> CheckpointStore::open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir + "/blobs", ec);
  if (ec) return io_error("checkpoints: cannot create " + dir + ": " + ec.message());
  std::unique_ptr<CheckpointStore> store(new CheckpointStore(dir));
  std::string index = dir + "/index.jsonl";
  if (fs::exists(index, ec)) {
    GB_ASSIGN_OR_RETURN(auto text, read_file_to_string(index));
    size_t line_no = 0;
    for (size_t pos = 0; pos < text.size();) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (line.empty()) continue;
      json rec = json::parse(line, nullptr, false);
      if (rec.is_discarded() || !rec.is_object()) {
        if (pos >= text.size()) break;  // a torn last line
        return data_loss(
            str_format("checkpoints: %s line %zu is not JSON", index.c_str(), line_no));
      }
      if (rec.value("kind", "") == "turn") {
        CheckpointTurn t;
        t.turn = rec.value("turn", 0);
        t.prompt = rec.value("prompt", "");
        t.message_index = rec.value("message_index", size_t{0});
        t.time = rec.value("time", "");
        store->turns_.push_back(std::move(t));
      } else if (rec.value("kind", "") == "compacted") {
        for (auto& t : store->turns_) t.message_index = CheckpointTurn::kNotRewindable;
      } else if (rec.value("kind", "") == "file") {
        FileRecord f{rec.value("turn", 0), rec.value("path", ""), rec.value("existed", false),
                     rec.value("blob", ""), rec.value("mode", 0u)};
        for (auto& t : store->turns_) {
          if (t.turn == f.turn) t.files.push_back(f.path);
        }
        store->files_.push_back(std::move(f));
      }
    }
    store->blob_counter_ = static_cast<int>(store->files_.size());
  }
  return store;
}

Status CheckpointStore::append_index_locked(const std::string& line) {
  std::string path = dir_ + "/index.jsonl";
  FILE* f = std::fopen(path.c_str(), "ae");
  if (!f) return io_error("checkpoints: cannot open " + path + ": " + std::strerror(errno));
  std::string l = line + "\n";
  bool ok = std::fwrite(l.data(), 1, l.size(), f) == l.size();
  ok = std::fflush(f) == 0 && ok;
  std::fclose(f);
  if (!ok) return io_error("checkpoints: cannot write " + path + ": " + std::strerror(errno));
  return ok_status();
}

Status CheckpointStore::begin_turn(const std::string& prompt, size_t message_index) {
  std::lock_guard<std::mutex> lock(mu_);
  CheckpointTurn t;
  t.turn = turns_.empty() ? 1 : turns_.back().turn + 1;
  t.prompt = prompt;
  t.message_index = message_index;
  t.time = now_iso8601();
  GB_RETURN_IF_ERROR(append_index_locked(json{
      {"kind", "turn"},
      {"turn", t.turn},
      {"prompt", t.prompt},
      {"message_index", t.message_index},
      {"time", t.time}}.dump(-1, ' ', false, json::error_handler_t::replace)));
  turns_.push_back(std::move(t));
  return ok_status();
}

bool CheckpointStore::has_locked(int turn, const std::string& path) const {
  for (const auto& f : files_) {
    if (f.turn == turn && f.path == path) return true;
  }
  return false;
}

Status CheckpointStore::save_locked(const std::string& path,
                                    const std::optional<std::string>& content, unsigned mode) {
  if (turns_.empty()) return ok_status();  // no turn yet: nothing to attach the snapshot to
  int turn = turns_.back().turn;
  if (has_locked(turn, path)) return ok_status();
  FileRecord rec{turn, path, content.has_value(), "", mode};
  if (content) {
    rec.blob = str_format("%d-%d", turn, ++blob_counter_);
    GB_RETURN_IF_ERROR(
        write_file_atomic(dir_ + "/blobs/" + rec.blob, content->data(), content->size()));
  }
  GB_RETURN_IF_ERROR(append_index_locked(json{
      {"kind", "file"},
      {"turn", rec.turn},
      {"path", rec.path},
      {"existed", rec.existed},
      {"blob", rec.blob},
      {"mode", rec.mode}}.dump(-1, ' ', false, json::error_handler_t::replace)));
  turns_.back().files.push_back(path);
  files_.push_back(std::move(rec));
  return ok_status();
}

Status CheckpointStore::snapshot(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  std::lock_guard<std::mutex> lock(mu_);
  if (turns_.empty() || has_locked(turns_.back().turn, p)) return ok_status();
  struct stat st {};
  if (stat(p.c_str(), &st) != 0) return save_locked(p, std::nullopt, 0);
  if (!S_ISREG(st.st_mode)) return ok_status();  // directories and devices are not ours to keep
  auto text = read_file_to_string(p);
  if (!text.ok()) return io_error("checkpoints: cannot save " + p + ": " + text.status().message());
  return save_locked(p, *text, st.st_mode & 07777);
}

Result<std::vector<std::string>> CheckpointStore::record_changes(const WorkspaceScan& before,
                                                                 const std::string& root) {
  WorkspaceScan after = capture_workspace(root, before.files.size() + 5000, 0, 0);
  std::vector<std::string> missed;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [path, old] : before.files) {
    auto it = after.files.find(path);
    bool changed = it == after.files.end() || it->second.size != old.size ||
                   it->second.mtime_ns != old.mtime_ns;
    if (!changed) continue;
    if (!old.content) {
      missed.push_back(path);
      continue;
    }
    GB_RETURN_IF_ERROR(save_locked(path, *old.content, old.mode));
  }
  if (!before.truncated) {
    for (const auto& [path, _] : after.files) {
      if (!before.files.count(path)) GB_RETURN_IF_ERROR(save_locked(path, std::nullopt, 0));
    }
  }
  return missed;
}

WorkspaceScan CheckpointStore::scan_workspace(const std::string& root) {
  std::lock_guard<std::mutex> lock(scan_mu_);
  last_scan_ = capture_workspace(root, 5000, 1 << 20, 32 << 20, &last_scan_);
  return last_scan_;  // entries share their content with the cache
}

Status CheckpointStore::conversation_compacted() {
  std::lock_guard<std::mutex> lock(mu_);
  if (turns_.empty()) return ok_status();
  for (auto& t : turns_) t.message_index = CheckpointTurn::kNotRewindable;
  return append_index_locked(json{{"kind", "compacted"}}.dump());
}

std::vector<CheckpointTurn> CheckpointStore::turns() const {
  std::lock_guard<std::mutex> lock(mu_);
  return turns_;
}

Result<RewindResult> CheckpointStore::rewind_to(int turn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto first = std::find_if(turns_.begin(), turns_.end(),
                            [&](const CheckpointTurn& t) { return t.turn == turn; });
  if (first == turns_.end()) {
    return not_found(str_format("checkpoints: there is no turn %d (turns 1..%d)", turn,
                                turns_.empty() ? 0 : turns_.back().turn));
  }
  RewindResult out;
  out.message_index = first->message_index;
  // The earliest record of each path from `turn` on holds its content before `turn`.
  std::map<std::string, const FileRecord*> earliest;
  for (const auto& f : files_) {
    if (f.turn >= turn && !earliest.count(f.path)) earliest[f.path] = &f;
  }
  for (const auto& [path, rec] : earliest) {
    std::error_code ec;
    if (!rec->existed) {
      if (fs::exists(path, ec)) {
        if (fs::remove(path, ec)) {
          out.removed.push_back(path);
        } else {
          out.failed.push_back(path + ": " + ec.message());
        }
      }
      continue;
    }
    auto text = read_file_to_string(dir_ + "/blobs/" + rec->blob);
    if (!text.ok()) {
      out.failed.push_back(path + ": " + text.status().message());
      continue;
    }
    fs::create_directories(fs::path(path).parent_path(), ec);
    Status s = write_file_atomic(path, text->data(), text->size());
    if (!s.ok()) {
      out.failed.push_back(path + ": " + s.message());
      continue;
    }
    if (rec->mode) fs::permissions(path, static_cast<fs::perms>(rec->mode), ec);
    out.restored.push_back(path);
  }
  // Forget the rewound turns: rewrite the index without them (temp + rename), drop their blobs.
  std::string index;
  std::vector<FileRecord> kept_files;
  for (const auto& f : files_) {
    if (f.turn < turn) {
      kept_files.push_back(f);
    } else if (!f.blob.empty()) {
      std::error_code ec;
      fs::remove(dir_ + "/blobs/" + f.blob, ec);
    }
  }
  turns_.erase(first, turns_.end());
  for (const auto& t : turns_) {
    index += json{{"kind", "turn"},
                  {"turn", t.turn},
                  {"prompt", t.prompt},
                  {"message_index", t.message_index},
                  {"time", t.time}}
                 .dump(-1, ' ', false, json::error_handler_t::replace) +
             "\n";
    for (const auto& f : kept_files) {
      if (f.turn != t.turn) continue;
      index += json{{"kind", "file"},       {"turn", f.turn}, {"path", f.path},
                    {"existed", f.existed}, {"blob", f.blob}, {"mode", f.mode}}
                   .dump(-1, ' ', false, json::error_handler_t::replace) +
               "\n";
    }
  }
  files_ = std::move(kept_files);
  GB_RETURN_IF_ERROR(write_file_atomic(dir_ + "/index.jsonl", index.data(), index.size()));
  return out;
}

}  // namespace glassbox::agent
