// SQLite backend: one connection in WAL mode with synchronous=NORMAL and a busy timeout, serialised by a mutex.
// Other processes on the same file (replicas, `glassbox keys`) are serialised by SQLite's own locks:
// BEGIN IMMEDIATE takes the write lock before the quota check reads.
#include <sqlite3.h>

#include <mutex>

#include "store/sql_backend.h"

namespace glassbox::store {
namespace {

class SqliteSession : public SqlSession {
 public:
  SqliteSession(sqlite3* db, const std::string& path) : db_(db), path_(path) {}

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return error("prepare", sql);
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, idx, *v);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_null(stmt, idx);
      }
      if (rc != SQLITE_OK) return error("bind", sql);
    }
    std::vector<SqlRow> rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return error("step", sql);
      SqlRow row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const unsigned char* text = sqlite3_column_text(stmt, c);
          row.emplace_back(std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt, c)));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  Status error(const char* what, const std::string& sql) {
    return io_error(str_format("sqlite %s: %s failed: %s (statement: %.60s)", path_.c_str(), what,
                               sqlite3_errmsg(db_), sql.c_str()));
  }
  sqlite3* db_;
  const std::string& path_;
};

class SqliteBackend : public SqlBackend {
 public:
  SqliteBackend(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {
    dialect_ = {"sqlite", "BEGIN IMMEDIATE", "", "id INTEGER PRIMARY KEY AUTOINCREMENT", ""};
  }
  ~SqliteBackend() override { sqlite3_close(db_); }

  const SqlDialect& dialect() const override { return dialect_; }

  Status with_session(const std::function<Status(SqlSession&)>& fn) override {
    std::lock_guard<std::mutex> lock(mutex_);
    SqliteSession session(db_, path_);
    Status s = fn(session);
    // A failed statement inside a transaction leaves it open; never hand on a connection mid-transaction.
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }

 private:
  sqlite3* db_;
  std::string path_;
  SqlDialect dialect_;
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<SqlBackend>> open_sqlite_backend(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return io_error(str_format("sqlite %s: cannot open: %s", path.c_str(), message.c_str()));
  }
  auto backend = std::make_unique<SqliteBackend>(db, path);
  sqlite3_busy_timeout(db, 10000);
  // WAL: readers never block the writer and a commit is one append to the log, which a killed process cannot undo.
  // NORMAL syncs the log at checkpoints only: a power cut may lose the last commits; FULL (an fsync per commit)
  // cost ~45 ms per request here (three commits), NORMAL ~3 ms.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    char* err = nullptr;
    if (sqlite3_exec(db, pragma, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      return io_error(str_format("sqlite %s: %s failed: %s", path.c_str(), pragma, message.c_str()));
    }
  }
  return std::unique_ptr<SqlBackend>(std::move(backend));
}

}  // namespace glassbox::store
