// Store::open: the database URL → a backend; resolve_db_url, now_ms.
#include "store/store.h"

#include <chrono>
#include <cstdlib>

#include "store/sql_backend.h"

namespace glassbox::store {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& url) {
  std::unique_ptr<SqlBackend> backend;
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    auto b = open_postgres_backend(url);
    if (!b.ok()) return b.status();
    backend = std::move(*b);
  } else {
    std::string path;
    if (url.rfind("sqlite:", 0) == 0) {
      path = url.substr(7);
      if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite://PATH
    } else if (ends_with(url, ".db") || ends_with(url, ".sqlite") || ends_with(url, ".sqlite3")) {
      path = url;
    }
    if (path.empty()) {
      return invalid_argument("--db '" + url +
                              "': expected sqlite:PATH, a file ending in .db, or postgres://user@host:port/dbname");
    }
    auto b = open_sqlite_backend(path);
    if (!b.ok()) return b.status();
    backend = std::move(*b);
  }
  return make_sql_store(std::move(backend));
}

std::string resolve_db_url(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("GLASSBOX_DB"); env && *env) return env;
  return "sqlite:glassbox.db";
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace glassbox::store
