// CheckpointStore: the content every file had before the agent's tools changed it, per user turn,
// so `/rewind` can put the workspace (and the conversation) back to the start of any turn.
// On disk: <dir>/index.jsonl ({"kind":"turn",turn,prompt,message_index,time} and
// {"kind":"file",turn,path,existed,blob,mode}) and one blob file per saved content.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::agent {

struct CheckpointTurn {
  int turn = 0;              // 1-based, in order
  std::string prompt;        // the user's text that started the turn
  size_t message_index = 0;  // conversation length before the turn's prompt was added;
                             // kNotRewindable once the conversation was compacted since
  static constexpr size_t kNotRewindable = static_cast<size_t>(-1);
  std::string time;                // ISO 8601
  std::vector<std::string> files;  // absolute paths changed during the turn
};

struct RewindResult {
  size_t message_index = 0;  // truncate the conversation to this many messages (or kNotRewindable)
  std::vector<std::string> restored;  // files given back their earlier content
  std::vector<std::string> removed;   // files that did not exist before, deleted
  std::vector<std::string> failed;    // "path: why" for files that could not be restored
};

// The regular files under a directory with their size and mtime, and the content of the small
// ones: what a Bash command may change (best effort; see capture_workspace).
struct WorkspaceScan {
  struct Entry {
    uintmax_t size = 0;
    int64_t mtime_ns = 0;
    unsigned mode = 0;
    std::shared_ptr<const std::string> content;  // null when over the size limits
  };
  std::map<std::string, Entry> files;  // absolute path -> entry
  bool truncated = false;              // the scan stopped at max_files
};

// Scans `root` (skipping .git, node_modules and build directories), keeping the content of files up
// to `max_file_bytes` while the total stays under `max_total_bytes`. Content of a file whose size
// and mtime match its entry in `reuse` (optional) is shared from there instead of read again.
WorkspaceScan capture_workspace(const std::string& root, size_t max_files = 5000,
                                size_t max_file_bytes = 1 << 20, size_t max_total_bytes = 32 << 20,
                                const WorkspaceScan* reuse = nullptr);

// Thread-safe (tools run in parallel).
class CheckpointStore {
 public:
  // Opens (creating) the store in `dir`; an existing index is loaded.
  static Result<std::unique_ptr<CheckpointStore>> open(const std::string& dir);

  // Starts a user turn; later snapshots belong to it.
  Status begin_turn(const std::string& prompt, size_t message_index);
  // Saves `path`'s current content (or its absence) unless the current turn already holds it.
  // Call before changing the file; a failure means the change should not happen.
  Status snapshot(const std::string& path);
  // Records what changed between `before` and the workspace now: a changed or deleted file gets
  // its earlier content (when the scan kept it), a new file is recorded as absent. Returns the
  // paths that changed but could not be checkpointed (too large).
  Result<std::vector<std::string>> record_changes(const WorkspaceScan& before,
                                                  const std::string& root);
  // capture_workspace(root) that reuses the previous scan's content for unchanged files, so a
  // session of many commands reads each file once.
  WorkspaceScan scan_workspace(const std::string& root);

  // The conversation was compacted: the message indexes of the turns so far no longer point into
  // it, so rewinding them restores files but leaves the conversation as it is.
  Status conversation_compacted();

  std::vector<CheckpointTurn> turns() const;
  // Restores each file changed in turn `turn` or later to its content before `turn` and forgets
  // those turns.
  Result<RewindResult> rewind_to(int turn);

  const std::string& dir() const { return dir_; }

 private:
  struct FileRecord {
    int turn;
    std::string path;
    bool existed;
    std::string blob;
    unsigned mode;
  };
  explicit CheckpointStore(std::string dir) : dir_(std::move(dir)) {}
  Status save_locked(const std::string& path, const std::optional<std::string>& content,
                     unsigned mode);
  Status append_index_locked(const std::string& line);
  bool has_locked(int turn, const std::string& path) const;
  std::string dir_;
  mutable std::mutex mu_;
  std::vector<CheckpointTurn> turns_;
  std::vector<FileRecord> files_;
  int blob_counter_ = 0;
  std::mutex scan_mu_;
  WorkspaceScan last_scan_;  // guarded by scan_mu_
};

}  // namespace glassbox::agent
