// PostgreSQL backend: a small pool of libpq connections (one per concurrent caller, kept for reuse). Several
// servers may share one database: the quota logic locks the key's row (SELECT ... FOR UPDATE) for the length of
// its transaction, so concurrent check-and-reserve on one key are serialised by PostgreSQL itself.
#include <libpq-fe.h>

#include <mutex>

#include "store/sql_backend.h"

namespace glassbox::store {
namespace {

// `?` placeholders become `$1, $2, ...` (the statements here have no `?` inside string literals).
std::string numbered_placeholders(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

std::string one_line(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return s;
}

class PostgresSession : public SqlSession {
 public:
  explicit PostgresSession(PGconn* conn) : conn_(conn) {}

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*v);
        values[i] = texts[i].c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
      }
    }
    std::string text = numbered_placeholders(sql);
    PGresult* res = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                 nullptr, nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return io_error(str_format("postgres: %s (statement: %.60s)", one_line(PQerrorMessage(conn_)).c_str(),
                                 sql.c_str()));
    }
    std::vector<SqlRow> rows;
    for (int r = 0; r < PQntuples(res); ++r) {
      SqlRow row;
      for (int c = 0; c < PQnfields(res); ++c) {
        if (PQgetisnull(res, r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

 private:
  PGconn* conn_;
};

class PostgresBackend : public SqlBackend {
 public:
  explicit PostgresBackend(std::string url) : url_(std::move(url)) {
    // The advisory lock makes concurrent CREATE TABLE IF NOT EXISTS from replicas starting together safe.
    dialect_ = {"postgres", "BEGIN", " FOR UPDATE", "id BIGSERIAL PRIMARY KEY",
                "SELECT pg_advisory_xact_lock(7412665313)"};
  }
  ~PostgresBackend() override {
    for (PGconn* c : idle_) PQfinish(c);
  }

  const SqlDialect& dialect() const override { return dialect_; }

  Result<PGconn*> connect() {
    PGconn* conn = PQconnectdb(url_.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = one_line(PQerrorMessage(conn));
      PQfinish(conn);
      return io_error("postgres: cannot connect: " + message);
    }
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "relation already exists, skipping"
    return conn;
  }

  Status with_session(const std::function<Status(SqlSession&)>& fn) override {
    PGconn* conn = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        conn = idle_.back();
        idle_.pop_back();
      }
    }
    if (conn && PQstatus(conn) != CONNECTION_OK) {
      PQfinish(conn);
      conn = nullptr;
    }
    if (!conn) {
      auto fresh = connect();
      if (!fresh.ok()) return fresh.status();
      conn = *fresh;
    }
    PostgresSession session(conn);
    Status s = fn(session);
    if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
      PGresult* r = PQexec(conn, "ROLLBACK");
      PQclear(r);
    }
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
      PQfinish(conn);  // broken: a server restart, a dropped connection
    } else {
      std::lock_guard<std::mutex> lock(mutex_);
      idle_.push_back(conn);
    }
    return s;
  }

 private:
  std::string url_;
  SqlDialect dialect_;
  std::mutex mutex_;
  std::vector<PGconn*> idle_;
};

}  // namespace

Result<std::unique_ptr<SqlBackend>> open_postgres_backend(const std::string& url) {
  auto backend = std::make_unique<PostgresBackend>(url);
  auto conn = backend->connect();  // fail at startup, with libpq's reason, rather than on the first request
  if (!conn.ok()) return conn.status();
  PQfinish(*conn);
  return std::unique_ptr<SqlBackend>(std::move(backend));
}

}  // namespace glassbox::store
