// SqlStore: keys, ledger and quotas written once over SqlBackend. Every quota decision reads and writes inside
// one write transaction that first locks the key (SQLite: BEGIN IMMEDIATE, the database write lock; PostgreSQL:
// SELECT ... FOR UPDATE on the key's row), so racing requests, threads or replicas are decided one at a time.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "store/key_secret.h"
#include "store/periods.h"
#include "store/sql_backend.h"
#include "store/store.h"

namespace glassbox::store {
namespace {

int64_t as_int(const std::optional<std::string>& v) { return v ? std::strtoll(v->c_str(), nullptr, 10) : 0; }
std::string as_text(const std::optional<std::string>& v) { return v.value_or(""); }

constexpr const char* kKeyColumns =
    "id, name, prefix, requests_per_minute, tokens_per_day, tokens_per_month, created_ms, revoked_ms";

KeyInfo key_from_row(const SqlRow& r) {
  KeyInfo k;
  k.id = as_int(r[0]);
  k.name = as_text(r[1]);
  k.prefix = as_text(r[2]);
  k.limits = {as_int(r[3]), as_int(r[4]), as_int(r[5])};
  k.created_ms = as_int(r[6]);
  k.revoked_ms = as_int(r[7]);
  return k;
}

constexpr const char* kLedgerColumns =
    "id, key_id, key_name, model, route, http_request_id, started_ms, duration_ms, status, admitted, "
    "input_tokens, cached_tokens, output_tokens, quota_tokens";

LedgerRow ledger_from_row(const SqlRow& r) {
  LedgerRow l;
  l.id = as_int(r[0]);
  l.key_id = as_int(r[1]);
  l.key_name = as_text(r[2]);
  l.model = as_text(r[3]);
  l.route = as_text(r[4]);
  l.http_request_id = as_text(r[5]);
  l.started_ms = as_int(r[6]);
  l.duration_ms = as_int(r[7]);
  l.status = as_text(r[8]);
  l.admitted = as_int(r[9]) != 0;
  l.input_tokens = as_int(r[10]);
  l.cached_tokens = as_int(r[11]);
  l.output_tokens = as_int(r[12]);
  l.quota_tokens = as_int(r[13]);
  return l;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A token limit that binds: how many tokens are left in its period and when the period ends.
struct TokenRoom {
  int64_t left = std::numeric_limits<int64_t>::max();
  int64_t period_end_ms = 0;
  const char* period = "";
  int64_t used = 0, limit = 0;
};

class SqlStore : public Store {
 public:
  explicit SqlStore(std::unique_ptr<SqlBackend> backend) : backend_(std::move(backend)) {}

  Status create_schema() {
    const SqlDialect& d = backend_->dialect();
    return backend_->with_session([&](SqlSession& s) -> Status {
      GB_RETURN_IF_ERROR(exec(s, d.begin_write));
      if (!d.schema_lock.empty()) GB_RETURN_IF_ERROR(exec(s, d.schema_lock));
      GB_RETURN_IF_ERROR(exec(s, "CREATE TABLE IF NOT EXISTS api_keys (" + d.id_column +
                                     ", name TEXT NOT NULL, prefix TEXT NOT NULL, secret_sha256 TEXT NOT NULL UNIQUE"
                                     ", requests_per_minute BIGINT NOT NULL DEFAULT 0"
                                     ", tokens_per_day BIGINT NOT NULL DEFAULT 0"
                                     ", tokens_per_month BIGINT NOT NULL DEFAULT 0"
                                     ", created_ms BIGINT NOT NULL, revoked_ms BIGINT NOT NULL DEFAULT 0)"));
      GB_RETURN_IF_ERROR(exec(s, "CREATE TABLE IF NOT EXISTS requests (" + d.id_column +
                                     ", key_id BIGINT NOT NULL, key_name TEXT NOT NULL, model TEXT NOT NULL"
                                     ", route TEXT NOT NULL, http_request_id TEXT NOT NULL"
                                     ", started_ms BIGINT NOT NULL, duration_ms BIGINT NOT NULL DEFAULT 0"
                                     ", status TEXT NOT NULL, admitted INTEGER NOT NULL"
                                     ", input_tokens BIGINT NOT NULL DEFAULT 0, cached_tokens BIGINT NOT NULL DEFAULT 0"
                                     ", output_tokens BIGINT NOT NULL DEFAULT 0"
                                     ", quota_tokens BIGINT NOT NULL DEFAULT 0)"));
      GB_RETURN_IF_ERROR(exec(s, "CREATE INDEX IF NOT EXISTS requests_by_key_time ON requests (key_id, started_ms)"));
      GB_RETURN_IF_ERROR(exec(s, "CREATE INDEX IF NOT EXISTS requests_by_time ON requests (started_ms)"));
      return exec(s, "COMMIT");
    });
  }

  Result<CreatedKey> create_key(const std::string& name, const KeyLimits& limits, int64_t now) override {
    if (name.empty() || name.size() > 200) return invalid_argument("an API key's name must be 1..200 characters");
    if (limits.requests_per_minute < 0 || limits.tokens_per_day < 0 || limits.tokens_per_month < 0) {
      return invalid_argument("API key limits must be >= 0 (0 = unlimited)");
    }
    auto secret = generate_secret();
    if (!secret.ok()) return secret.status();
    CreatedKey created;
    created.secret = *secret;
    created.info = {0, name, secret_prefix(*secret), limits, now, 0};
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      auto rows = s.query(
          "INSERT INTO api_keys (name, prefix, secret_sha256, requests_per_minute, tokens_per_day, tokens_per_month,"
          " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
          {name, created.info.prefix, sha256_hex(*secret), limits.requests_per_minute, limits.tokens_per_day,
           limits.tokens_per_month, now});
      if (!rows.ok()) return rows.status();
      created.info.id = as_int(rows->at(0)[0]);
      return ok_status();
    });
    if (!s.ok()) return s;
    return created;
  }

  Result<std::vector<KeyInfo>> list_keys() override {
    std::vector<KeyInfo> keys;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      auto rows = s.query(std::string("SELECT ") + kKeyColumns + " FROM api_keys ORDER BY id");
      if (!rows.ok()) return rows.status();
      for (const SqlRow& r : *rows) keys.push_back(key_from_row(r));
      return ok_status();
    });
    if (!s.ok()) return s;
    return keys;
  }

  Result<KeyInfo> revoke_key(const std::string& which, int64_t now) override {
    KeyInfo key;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      std::string where = "prefix = ?";
      SqlValue value = which;
      if (all_digits(which)) {
        where = "id = ?";
        value = std::strtoll(which.c_str(), nullptr, 10);
      } else if (which.size() > 11) {
        where = "secret_sha256 = ?";
        value = sha256_hex(which);
      }
      GB_RETURN_IF_ERROR(exec(s, backend_->dialect().begin_write));
      auto rows = s.query(std::string("SELECT ") + kKeyColumns + " FROM api_keys WHERE " + where, {value});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return not_found("no API key with id or prefix '" + which + "'");
      if (rows->size() > 1) {
        return invalid_argument("API key prefix '" + which +
                                "' matches several keys; revoke by id (glassbox keys list)");
      }
      key = key_from_row(rows->at(0));
      if (key.active()) {
        GB_RETURN_IF_ERROR(exec(s, "UPDATE api_keys SET revoked_ms = ? WHERE id = ?", {now, key.id}));
        key.revoked_ms = now;
      }
      return exec(s, "COMMIT");
    });
    if (!s.ok()) return s;
    return key;
  }

  Result<KeyInfo> authenticate(const std::string& secret) override {
    std::optional<KeyInfo> key;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      auto rows = s.query(std::string("SELECT ") + kKeyColumns +
                              " FROM api_keys WHERE secret_sha256 = ? AND revoked_ms = 0",
                          {sha256_hex(secret)});
      if (!rows.ok()) return rows.status();
      if (!rows->empty()) key = key_from_row(rows->at(0));
      return ok_status();
    });
    if (!s.ok()) return s;
    if (!key) return not_found("invalid API key");
    return *key;
  }

  Result<int64_t> count_keys() override {
    int64_t n = 0;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      auto rows = s.query("SELECT COUNT(*) FROM api_keys");
      if (!rows.ok()) return rows.status();
      n = as_int(rows->at(0)[0]);
      return ok_status();
    });
    if (!s.ok()) return s;
    return n;
  }

  Result<Admission> admit(const Principal& who, const std::string& model, const std::string& route,
                          const std::string& http_request_id, int64_t now) override {
    Admission a;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      GB_RETURN_IF_ERROR(exec(s, backend_->dialect().begin_write));
      a.admitted = true;
      if (who.key_id > 0) {
        auto limits = lock_key(s, who.key_id);
        if (!limits.ok()) return limits.status();
        if (limits->requests_per_minute > 0) {
          auto rows = s.query(
              "SELECT COUNT(*), MIN(started_ms) FROM requests WHERE key_id = ? AND admitted = 1 AND started_ms > ?",
              {who.key_id, now - kMinuteMs});
          if (!rows.ok()) return rows.status();
          const int64_t used = as_int(rows->at(0)[0]);
          if (used >= limits->requests_per_minute) {
            a.admitted = false;
            a.retry_after_s = seconds_until(as_int(rows->at(0)[1]) + kMinuteMs, now);
            a.reason = str_format("requests per minute: %lld of %lld used", static_cast<long long>(used),
                                  static_cast<long long>(limits->requests_per_minute));
          }
        }
        if (a.admitted) {
          auto room = token_room(s, who.key_id, *limits, now, 0);
          if (!room.ok()) return room.status();
          if (room->left <= 0) {
            a.admitted = false;
            a.retry_after_s = seconds_until(room->period_end_ms, now);
            a.reason = str_format("tokens per %s: %lld of %lld used", room->period,
                                  static_cast<long long>(room->used), static_cast<long long>(room->limit));
          }
        }
      }
      auto rows = s.query(
          "INSERT INTO requests (key_id, key_name, model, route, http_request_id, started_ms, status, admitted)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          {who.key_id, who.key_name, model, route, http_request_id, now,
           std::string(a.admitted ? "incomplete" : "rate_limited"), int64_t{a.admitted ? 1 : 0}});
      if (!rows.ok()) return rows.status();
      a.request_id = as_int(rows->at(0)[0]);
      return exec(s, "COMMIT");
    });
    if (!s.ok()) return s;
    return a;
  }

  Result<TokenGrant> reserve_tokens(int64_t request_id, int64_t key_id, int64_t prompt_tokens,
                                    int64_t max_output_tokens, int64_t now) override {
    TokenGrant g{true, max_output_tokens, 0, ""};
    if (key_id <= 0) return g;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      GB_RETURN_IF_ERROR(exec(s, backend_->dialect().begin_write));
      auto limits = lock_key(s, key_id);
      if (!limits.ok()) return limits.status();
      if (limits->tokens_per_day == 0 && limits->tokens_per_month == 0) return exec(s, "COMMIT");
      auto room = token_room(s, key_id, *limits, now, request_id);
      if (!room.ok()) return room.status();
      const int64_t need = prompt_tokens + std::min<int64_t>(max_output_tokens, 1);
      if (need > room->left) {
        g.granted = false;
        g.retry_after_s = seconds_until(room->period_end_ms, now);
        g.reason = str_format("tokens per %s: the prompt needs %lld, %lld of %lld left", room->period,
                              static_cast<long long>(prompt_tokens),
                              static_cast<long long>(std::max<int64_t>(0, room->left)),
                              static_cast<long long>(room->limit));
        GB_RETURN_IF_ERROR(exec(s, "UPDATE requests SET status = 'rate_limited', admitted = 0, quota_tokens = 0"
                                   " WHERE id = ?",
                                {request_id}));
      } else {
        g.max_output_tokens = std::min(max_output_tokens, room->left - prompt_tokens);
        GB_RETURN_IF_ERROR(exec(s, "UPDATE requests SET quota_tokens = ? WHERE id = ?",
                                {prompt_tokens + g.max_output_tokens, request_id}));
      }
      return exec(s, "COMMIT");
    });
    if (!s.ok()) return s;
    return g;
  }

  Status finish(int64_t request_id, const Outcome& o) override {
    return backend_->with_session([&](SqlSession& s) -> Status {
      return exec(s,
                  "UPDATE requests SET status = ?, duration_ms = ?, input_tokens = ?, cached_tokens = ?,"
                  " output_tokens = ?, quota_tokens = ? WHERE id = ? AND status = 'incomplete'",
                  {o.status, o.duration_ms, o.input_tokens, o.cached_tokens, o.output_tokens,
                   o.input_tokens + o.output_tokens, request_id});
    });
  }

  Result<std::vector<LedgerRow>> ledger(const UsageQuery& q) override {
    std::vector<LedgerRow> out;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      std::vector<SqlValue> params;
      auto rows = s.query(std::string("SELECT ") + kLedgerColumns + " FROM requests WHERE " + where(q, &params) +
                              " ORDER BY id",
                          params);
      if (!rows.ok()) return rows.status();
      for (const SqlRow& r : *rows) out.push_back(ledger_from_row(r));
      return ok_status();
    });
    if (!s.ok()) return s;
    return out;
  }

  Result<std::vector<UsageTotal>> usage(const UsageQuery& q) override {
    std::vector<UsageTotal> out;
    const bool by_day = q.group_by == UsageQuery::GroupBy::kDay;
    Status s = backend_->with_session([&](SqlSession& s) -> Status {
      std::vector<SqlValue> params;
      std::string group = by_day ? "(started_ms / 86400000) * 86400000" : "key_id, key_name";
      std::string select = by_day ? "(started_ms / 86400000) * 86400000, 0, ''" : "0, key_id, key_name";
      auto rows = s.query(
          "SELECT " + select +
              ", COUNT(*), SUM(CASE WHEN admitted = 0 THEN 1 ELSE 0 END),"
              " SUM(CASE WHEN status = 'incomplete' THEN 1 ELSE 0 END),"
              " SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens) FROM requests WHERE " +
              where(q, &params) + " GROUP BY " + group + " ORDER BY " + group,
          params);
      if (!rows.ok()) return rows.status();
      for (const SqlRow& r : *rows) {
        UsageTotal t;
        t.day_start_ms = as_int(r[0]);
        t.key_id = as_int(r[1]);
        t.key_name = as_text(r[2]);
        t.requests = as_int(r[3]);
        t.refused = as_int(r[4]);
        t.incomplete = as_int(r[5]);
        t.input_tokens = as_int(r[6]);
        t.cached_tokens = as_int(r[7]);
        t.output_tokens = as_int(r[8]);
        out.push_back(t);
      }
      return ok_status();
    });
    if (!s.ok()) return s;
    return out;
  }

 private:
  static Status exec(SqlSession& s, const std::string& sql, const std::vector<SqlValue>& params = {}) {
    auto rows = s.query(sql, params);
    return rows.ok() ? ok_status() : rows.status();
  }

  static std::string where(const UsageQuery& q, std::vector<SqlValue>* params) {
    std::string w = "started_ms >= ? AND started_ms < ?";
    params->push_back(q.since_ms);
    params->push_back(q.until_ms);
    if (q.key_id >= 0) {
      w += " AND key_id = ?";
      params->push_back(q.key_id);
    }
    return w;
  }

  // Reads a key's limits and locks it until the transaction ends.
  Result<KeyLimits> lock_key(SqlSession& s, int64_t key_id) {
    auto rows = s.query("SELECT requests_per_minute, tokens_per_day, tokens_per_month FROM api_keys WHERE id = ?" +
                            backend_->dialect().lock_row_suffix,
                        {key_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return not_found(str_format("no API key with id %lld", static_cast<long long>(key_id)));
    const SqlRow& r = rows->at(0);
    return KeyLimits{as_int(r[0]), as_int(r[1]), as_int(r[2])};
  }

  // The tightest of the key's token limits: tokens charged this day / month (the row `except_id` excluded).
  Result<TokenRoom> token_room(SqlSession& s, int64_t key_id, const KeyLimits& limits, int64_t now,
                               int64_t except_id) {
    TokenRoom room;
    struct Period {
      int64_t limit, start, end;
      const char* name;
    } periods[] = {{limits.tokens_per_day, utc_day_start(now), utc_day_start(now) + kDayMs, "day"},
                   {limits.tokens_per_month, utc_month_start(now), utc_next_month_start(now), "month"}};
    for (const Period& p : periods) {
      if (p.limit <= 0) continue;
      auto rows = s.query("SELECT COALESCE(SUM(quota_tokens), 0) FROM requests WHERE key_id = ? AND started_ms >= ?"
                          " AND id <> ?",
                          {key_id, p.start, except_id});
      if (!rows.ok()) return rows.status();
      const int64_t used = as_int(rows->at(0)[0]);
      if (p.limit - used < room.left) room = {p.limit - used, p.end, p.name, used, p.limit};
    }
    return room;
  }

  std::unique_ptr<SqlBackend> backend_;
};

}  // namespace

Result<std::unique_ptr<Store>> make_sql_store(std::unique_ptr<SqlBackend> backend) {
  auto store = std::make_unique<SqlStore>(std::move(backend));
  GB_RETURN_IF_ERROR(store->create_schema());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace glassbox::store
