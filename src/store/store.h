// Store: API keys, the per-request usage ledger and per-key quotas, in SQLite (default) or PostgreSQL.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::store {

// Per-key limits; 0 means unlimited. Requests per minute is a sliding 60 s window; tokens per day and per month
// are UTC calendar periods. Tokens charged = input (computed prompt) + output; cached prompt tokens are free.
struct KeyLimits {
  int64_t requests_per_minute = 0;
  int64_t tokens_per_day = 0;
  int64_t tokens_per_month = 0;
};

struct KeyInfo {
  int64_t id = 0;
  std::string name;
  std::string prefix;     // the secret's first 11 characters ("gb-" + 8), safe to show
  KeyLimits limits;
  int64_t created_ms = 0;  // Unix time, milliseconds
  int64_t revoked_ms = 0;  // 0 = active
  bool active() const { return revoked_ms == 0; }
};

// A new key: the secret exists only here; the store keeps its SHA-256.
struct CreatedKey {
  KeyInfo info;
  std::string secret;  // "gb-" + 43 base64url characters (32 random bytes)
};

// Who sent a request: a stored key (key_id > 0, its limits apply), or key_id 0 (a --api-key key, or nobody on an
// open loopback server): recorded in the ledger under key_name, never limited.
struct Principal {
  int64_t key_id = 0;
  std::string key_name;
};

// The answer to admit(): the request's ledger row is written either way.
struct Admission {
  bool admitted = false;
  int64_t request_id = 0;     // ledger row
  int64_t retry_after_s = 0;  // when refused: seconds until the exhausted limit frees up (>= 1)
  std::string reason;         // when refused: which limit, e.g. "requests per minute: 5 of 5 used"
};

// The answer to reserve_tokens().
struct TokenGrant {
  bool granted = false;
  int64_t max_output_tokens = 0;  // the request's max_tokens, lowered so that the key's quota cannot be exceeded
  int64_t retry_after_s = 0;
  std::string reason;
};

// How a request ended. status: "ok", "cancelled", "error", "invalid", "overloaded", ... ("incomplete" is what an
// admitted row says until then, so a row left by a killed server reads "incomplete").
struct Outcome {
  std::string status;
  int64_t input_tokens = 0;   // prompt tokens computed
  int64_t cached_tokens = 0;  // prompt tokens reused from the cache
  int64_t output_tokens = 0;
  int64_t duration_ms = 0;
};

// One ledger row.
struct LedgerRow {
  int64_t id = 0;
  int64_t key_id = 0;
  std::string key_name;
  std::string model;
  std::string route;
  std::string http_request_id;
  int64_t started_ms = 0;
  int64_t duration_ms = 0;
  std::string status;
  bool admitted = false;
  int64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0;
  int64_t quota_tokens = 0;  // charged against the key: a reservation while incomplete, input + output after
};

struct UsageQuery {
  int64_t key_id = -1;  // -1 = every key (0 = the unstored principals)
  int64_t since_ms = 0;
  int64_t until_ms = std::numeric_limits<int64_t>::max();  // exclusive
  enum class GroupBy { kKey, kDay } group_by = GroupBy::kKey;
};

// Totals over one group of ledger rows.
struct UsageTotal {
  int64_t key_id = 0;
  std::string key_name;    // kKey grouping
  int64_t day_start_ms = 0;  // kDay grouping: the UTC day
  int64_t requests = 0;    // rows, refused ones included
  int64_t refused = 0;     // rate limited (never admitted, or refused for tokens)
  int64_t incomplete = 0;  // admitted and never finished (still running, or the server died)
  int64_t input_tokens = 0, cached_tokens = 0, output_tokens = 0;
};

// Thread-safe; several processes (replicas) may share one database: quota checks are atomic across them.
// Every method returns an error (kIo) when the database fails; none throws.
class Store {
 public:
  // "sqlite:PATH", a path ending in .db/.sqlite, or "postgres://..." / "postgresql://..." (libpq URI). Creates
  // the schema when it is missing (idempotent, safe when replicas start together).
  static Result<std::unique_ptr<Store>> open(const std::string& url);
  virtual ~Store() = default;

  // Keys. revoke_key takes an id ("3"), a displayed prefix ("gb-AbCdEfGh") or the whole secret.
  virtual Result<CreatedKey> create_key(const std::string& name, const KeyLimits& limits, int64_t now_ms) = 0;
  virtual Result<std::vector<KeyInfo>> list_keys() = 0;
  virtual Result<KeyInfo> revoke_key(const std::string& id_or_prefix, int64_t now_ms) = 0;
  // The active key whose secret this is; kNotFound for unknown or revoked secrets.
  virtual Result<KeyInfo> authenticate(const std::string& secret) = 0;
  // Number of keys ever created (revoked ones included).
  virtual Result<int64_t> count_keys() = 0;

  // Ledger + quota. admit() checks the key's request rate and whether any token quota is left, and writes the
  // request's row ("incomplete" when admitted, "rate_limited" when not) in the same transaction.
  virtual Result<Admission> admit(const Principal& who, const std::string& model, const std::string& route,
                                  const std::string& http_request_id, int64_t now_ms) = 0;
  // Reserves prompt_tokens + max_output_tokens against the key's token quotas (the output part lowered to what
  // is left), atomically. Refused when the prompt alone does not fit; the row then becomes "rate_limited".
  virtual Result<TokenGrant> reserve_tokens(int64_t request_id, int64_t key_id, int64_t prompt_tokens,
                                            int64_t max_output_tokens, int64_t now_ms) = 0;
  // Writes a request's outcome; its charge becomes input + output tokens. Only an "incomplete" row changes.
  virtual Status finish(int64_t request_id, const Outcome& outcome) = 0;

  virtual Result<std::vector<LedgerRow>> ledger(const UsageQuery& query) = 0;
  virtual Result<std::vector<UsageTotal>> usage(const UsageQuery& query) = 0;
};

// The database URL a command uses: `flag` when set, else $GLASSBOX_DB, else "sqlite:glassbox.db".
std::string resolve_db_url(const std::string& flag);

// Unix time in milliseconds.
int64_t now_ms();

}  // namespace glassbox::store
