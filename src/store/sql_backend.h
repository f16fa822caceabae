// SqlBackend: the few things the key/ledger/quota logic needs from a SQL database, so that the logic is written
// once (sql_store.cc) and each database is one file that alone includes its client header. Internal to src/store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"

namespace glassbox::store {

using SqlValue = std::variant<std::monostate, int64_t, std::string>;  // NULL, integer, text
using SqlRow = std::vector<std::optional<std::string>>;                 // every column as text (NULL = nullopt)

// One connection, used by one thread at a time. Statements use `?` placeholders.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
};

struct SqlDialect {
  std::string name;              // "sqlite", "postgres": starts error messages
  std::string begin_write;       // starts a transaction that will write ("BEGIN IMMEDIATE" / "BEGIN")
  std::string lock_row_suffix;   // appended to a SELECT of the key row to lock it until commit ("" / " FOR UPDATE")
  std::string id_column;         // the DDL of an auto-increment primary key
  std::string schema_lock;       // run first inside the schema transaction ("" / an advisory lock), may be ""
};

class SqlBackend {
 public:
  virtual ~SqlBackend() = default;
  virtual const SqlDialect& dialect() const = 0;
  // Runs `fn` with a session of its own (the backend serialises or pools connections). A session whose
  // connection broke is not reused.
  virtual Status with_session(const std::function<Status(SqlSession&)>& fn) = 0;
};

Result<std::unique_ptr<SqlBackend>> open_sqlite_backend(const std::string& path);
// `url`: a libpq connection URI. no_postgres.cc answers kUnimplemented when libpq was not found at build time.
Result<std::unique_ptr<SqlBackend>> open_postgres_backend(const std::string& url);

// Wraps a backend into the Store (sql_store.cc); creates the schema.
Result<std::unique_ptr<class Store>> make_sql_store(std::unique_ptr<SqlBackend> backend);

}  // namespace glassbox::store
