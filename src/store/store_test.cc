// Store semantics, one test body per behaviour run against SQLite and against a real PostgreSQL server (started
// by the store_pg ctest fixture; those cases skip, saying why, when PostgreSQL is not installed).
#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "store/key_secret.h"
#include "store/periods.h"

#ifdef GLASSBOX_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

namespace glassbox::store {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-18 UTC, a fixed "now" for deterministic windows

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh, empty database per test: a temp SQLite file, or a new database on the fixture's PostgreSQL server.
class Database {
 public:
  explicit Database(const std::string& backend) : backend_(backend) {
    static std::atomic<int> counter{0};
    const std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter++);
    if (backend == "sqlite") {
      dir_ = fs::temp_directory_path() / ("gb-store-test-" + tag);
      fs::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "test.db").string();
      return;
    }
    const char* state = std::getenv("GLASSBOX_TEST_PG_STATE");
    if (!state) {
      skip_ = "GLASSBOX_TEST_PG_STATE is not set (run through ctest, whose store_pg fixture starts PostgreSQL)";
      return;
    }
    if (fs::exists(fs::path(state) / "skip")) {
      skip_ = "PostgreSQL unavailable: " + read_text(fs::path(state) / "skip");
      return;
    }
    std::string admin = read_text(fs::path(state) / "url");
    while (!admin.empty() && admin.back() == '\n') admin.pop_back();
#ifdef GLASSBOX_HAVE_LIBPQ
    db_name_ = "gbt_" + tag;
    admin_ = admin;
    run_admin("CREATE DATABASE " + db_name_);
    url_ = admin;
    url_.replace(url_.find("///postgres?"), 12, "///" + db_name_ + "?");
#else
    skip_ = "built without libpq";
#endif
  }
  ~Database() {
    if (!dir_.empty()) fs::remove_all(dir_);
#ifdef GLASSBOX_HAVE_LIBPQ
    if (!db_name_.empty()) run_admin("DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)");
#endif
  }
  const std::string& skip_reason() const { return skip_; }
  const std::string& url() const { return url_; }
  const fs::path& dir() const { return dir_; }

 private:
#ifdef GLASSBOX_HAVE_LIBPQ
  void run_admin(const std::string& sql) {
    PGconn* c = PQconnectdb(admin_.c_str());
    ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PGresult* r = PQexec(c, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
  }
  std::string admin_, db_name_;
#endif
  std::string backend_, url_, skip_;
  fs::path dir_;
};

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<Database>(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    store_ = open();
  }
  std::unique_ptr<Store> open() {
    auto s = Store::open(db_->url());
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  CreatedKey create(const std::string& name, KeyLimits limits = {}) {
    auto k = store_->create_key(name, limits, kT0);
    EXPECT_TRUE(k.ok()) << k.status().message();
    return *k;
  }
  Admission admit(const CreatedKey& k, int64_t now) {
    auto a = store_->admit({k.info.id, k.info.name}, "m", "/v1/messages", "req_x", now);
    EXPECT_TRUE(a.ok()) << a.status().message();
    return *a;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, CreatedKeyAuthenticatesAndWrongSecretsDoNot) {
  CreatedKey k = create("alice", {5, 1000, 0});
  EXPECT_EQ(k.secret.rfind("gb-", 0), 0u);
  EXPECT_EQ(k.secret.size(), 46u);
  EXPECT_EQ(k.info.prefix, k.secret.substr(0, 11));
  auto who = store_->authenticate(k.secret);
  ASSERT_TRUE(who.ok()) << who.status().message();
  EXPECT_EQ(who->id, k.info.id);
  EXPECT_EQ(who->name, "alice");
  EXPECT_EQ(who->limits.requests_per_minute, 5);
  EXPECT_EQ(who->limits.tokens_per_day, 1000);
  EXPECT_EQ(store_->authenticate(k.secret + "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->authenticate("").status().code(), StatusCode::kNotFound);
  CreatedKey other = create("bob");
  EXPECT_NE(other.secret, k.secret);
  auto keys = store_->list_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[1].name, "bob");
  EXPECT_TRUE((*keys)[1].active());
}

TEST_P(StoreTest, RevokedKeysStopAuthenticatingAndStillCount) {
  CreatedKey a = create("a");
  CreatedKey b = create("b");
  auto r = store_->revoke_key(std::to_string(a.info.id), kT0 + 5);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->revoked_ms, kT0 + 5);
  EXPECT_EQ(store_->authenticate(a.secret).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->authenticate(b.secret).ok());
  ASSERT_TRUE(store_->revoke_key(b.info.prefix, kT0 + 6).ok());  // by the displayed prefix
  EXPECT_FALSE(store_->authenticate(b.secret).ok());
  EXPECT_EQ(store_->revoke_key("gb-nosuchkey", kT0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->revoke_key("999", kT0).status().code(), StatusCode::kNotFound);
  auto again = store_->revoke_key(std::to_string(a.info.id), kT0 + 99);  // idempotent, keeps the first time
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revoked_ms, kT0 + 5);
  EXPECT_EQ(*store_->count_keys(), 2);
}

TEST_P(StoreTest, RequestsPerMinuteIsASlidingWindow) {
  CreatedKey k = create("k", {2, 0, 0});
  EXPECT_TRUE(admit(k, kT0).admitted);
  EXPECT_TRUE(admit(k, kT0 + 10'000).admitted);
  Admission refused = admit(k, kT0 + 20'000);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_s, 40);  // the first request leaves the window at kT0 + 60 s
  EXPECT_NE(refused.reason.find("requests per minute: 2 of 2"), std::string::npos) << refused.reason;
  EXPECT_GT(refused.request_id, 0);  // refused requests are in the ledger too
  EXPECT_FALSE(admit(k, kT0 + 59'999).admitted);
  EXPECT_TRUE(admit(k, kT0 + 60'001).admitted);
  // A principal that is not a stored key is never limited.
  for (int i = 0; i < 5; ++i) {
    auto a = store_->admit({0, "--api-key"}, "m", "/v1/messages", "req", kT0);
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(a->admitted);
  }
}

TEST_P(StoreTest, TokenQuotaReservesThenChargesWhatWasUsed) {
  CreatedKey k = create("k", {0, 100, 0});
  Admission a = admit(k, kT0);
  ASSERT_TRUE(a.admitted);
  auto g = store_->reserve_tokens(a.request_id, k.info.id, 30, 500, kT0);
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_TRUE(g->granted);
  EXPECT_EQ(g->max_output_tokens, 70);  // lowered to what is left
  Admission full = admit(k, kT0 + 1);   // all 100 reserved: nothing left
  EXPECT_FALSE(full.admitted);
  EXPECT_NE(full.reason.find("tokens per day: 100 of 100"), std::string::npos) << full.reason;
  ASSERT_TRUE(store_->finish(a.request_id, {"ok", 20, 10, 15, 123}).ok());  // charged 20 + 15 = 35
  Admission b = admit(k, kT0 + 2);
  ASSERT_TRUE(b.admitted);
  auto too_big = store_->reserve_tokens(b.request_id, k.info.id, 65, 10, kT0 + 2);
  ASSERT_TRUE(too_big.ok());
  EXPECT_FALSE(too_big->granted);  // the prompt alone needs all 65 left, and one output token more
  EXPECT_NE(too_big->reason.find("the prompt needs 65, 65 of 100 left"), std::string::npos) << too_big->reason;
  EXPECT_GE(too_big->retry_after_s, 1);
  Admission c = admit(k, kT0 + 3);
  ASSERT_TRUE(c.admitted);
  auto fits = store_->reserve_tokens(c.request_id, k.info.id, 60, 10, kT0 + 3);
  ASSERT_TRUE(fits.ok());
  EXPECT_TRUE(fits->granted);
  EXPECT_EQ(fits->max_output_tokens, 5);
  // The next UTC day starts with a fresh quota.
  EXPECT_TRUE(admit(k, utc_day_start(kT0) + kDayMs).admitted);
}

TEST_P(StoreTest, LedgerKeepsEveryRequestAndUsageSumsThem) {
  CreatedKey k = create("k", {1, 0, 0});
  Admission a = admit(k, kT0);
  Admission refused = admit(k, kT0 + 1);
  Admission killed = store_->admit({0, "anonymous"}, "m2", "/v1/chat/completions", "req_k", kT0 + kDayMs).value();
  ASSERT_TRUE(store_->finish(a.request_id, {"ok", 10, 4, 7, 50}).ok());
  ASSERT_TRUE(store_->finish(refused.request_id, {"ok", 1, 1, 1, 1}).ok());  // only incomplete rows change
  auto rows = store_->ledger({});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].status, "ok");
  EXPECT_EQ((*rows)[0].input_tokens, 10);
  EXPECT_EQ((*rows)[0].cached_tokens, 4);
  EXPECT_EQ((*rows)[0].output_tokens, 7);
  EXPECT_EQ((*rows)[0].duration_ms, 50);
  EXPECT_EQ((*rows)[0].quota_tokens, 17);
  EXPECT_EQ((*rows)[1].status, "rate_limited");
  EXPECT_FALSE((*rows)[1].admitted);
  EXPECT_EQ((*rows)[2].status, "incomplete");
  EXPECT_EQ((*rows)[2].route, "/v1/chat/completions");
  EXPECT_EQ((*rows)[2].id, killed.request_id);

  auto by_key = store_->usage({});
  ASSERT_TRUE(by_key.ok()) << by_key.status().message();
  ASSERT_EQ(by_key->size(), 2u);
  EXPECT_EQ((*by_key)[0].key_name, "anonymous");
  EXPECT_EQ((*by_key)[0].incomplete, 1);
  EXPECT_EQ((*by_key)[1].key_id, k.info.id);
  EXPECT_EQ((*by_key)[1].requests, 2);
  EXPECT_EQ((*by_key)[1].refused, 1);
  EXPECT_EQ((*by_key)[1].output_tokens, 7);

  UsageQuery by_day;
  by_day.group_by = UsageQuery::GroupBy::kDay;
  auto days = store_->usage(by_day);
  ASSERT_TRUE(days.ok()) << days.status().message();
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].day_start_ms, utc_day_start(kT0));
  EXPECT_EQ((*days)[0].requests, 2);
  EXPECT_EQ((*days)[1].requests, 1);

  UsageQuery one_key;
  one_key.key_id = k.info.id;
  one_key.since_ms = kT0 + 1;
  auto filtered = store_->ledger(one_key);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].id, refused.request_id);
}

// Two Store objects on one database stand for two server replicas; eight threads race for five requests.
TEST_P(StoreTest, RacingReplicasNeverExceedTheQuota) {
  CreatedKey k = create("shared", {5, 0, 0});
  auto second = open();
  ASSERT_TRUE(second);
  std::atomic<int> admitted{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Store& s = t % 2 ? *second : *store_;
      for (int i = 0; i < 4; ++i) {
        auto a = s.admit({k.info.id, "shared"}, "m", "/v1/messages", "r", kT0 + 1000);
        if (!a.ok()) {
          ++errors;
          ADD_FAILURE() << a.status().message();
        } else if (a->admitted) {
          ++admitted;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(admitted.load(), 5);
  EXPECT_EQ(store_->ledger({})->size(), 32u);

  // Tokens: 10 reservations of 100 fit in 1000 per day; 16 racers.
  CreatedKey t = create("tokens", {0, 1000, 0});
  std::atomic<int> granted{0};
  threads.clear();
  for (int th = 0; th < 8; ++th) {
    threads.emplace_back([&, th] {
      Store& s = th % 2 ? *second : *store_;
      for (int i = 0; i < 2; ++i) {
        auto a = s.admit({t.info.id, "tokens"}, "m", "/v1/messages", "r", kT0 + 2000);
        if (!a.ok() || !a->admitted) continue;
        auto g = s.reserve_tokens(a->request_id, t.info.id, 100, 0, kT0 + 2000);
        if (g.ok() && g->granted) ++granted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), 10);
}

TEST_P(StoreTest, ReopeningKeepsEverything) {
  CreatedKey k = create("persist");
  Admission a = admit(k, kT0);
  store_.reset();
  store_ = open();  // the schema is created idempotently
  ASSERT_TRUE(store_);
  EXPECT_TRUE(store_->authenticate(k.secret).ok());
  auto rows = store_->ledger({});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].id, a.request_id);
  EXPECT_EQ((*rows)[0].status, "incomplete");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(StoreSqliteTest, TheDatabaseFileHoldsOnlyTheSecretsHash) {
  Database db("sqlite");
  std::string secret, prefix;
  {
    auto store = Store::open(db.url());
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto k = (*store)->create_key("hashed", {}, kT0);
    ASSERT_TRUE(k.ok());
    secret = k->secret;
    prefix = k->info.prefix;
  }
  std::string bytes;
  for (const auto& entry : fs::directory_iterator(db.dir())) bytes += read_text(entry.path());  // + -wal, -shm
  EXPECT_EQ(bytes.find(secret), std::string::npos);
  EXPECT_EQ(bytes.find(secret.substr(11)), std::string::npos);  // not even the part after the prefix
  EXPECT_NE(bytes.find(sha256_hex(secret)), std::string::npos);
  EXPECT_NE(bytes.find(prefix), std::string::npos);
}

TEST(StoreOpenTest, RejectsUnknownUrlsAndUnopenableFiles) {
  auto bad = Store::open("mysql://x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected sqlite:PATH"), std::string::npos) << bad.status().message();
  auto missing_dir = Store::open("sqlite:/nonexistent-dir-gb/x.db");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_NE(missing_dir.status().message().find("/nonexistent-dir-gb/x.db"), std::string::npos);
}

TEST(KeySecretTest, Sha256MatchesTheFipsVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(KeySecretTest, SecretsAreLongRandomAndUrlSafe) {
  auto a = generate_secret();
  auto b = generate_secret();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), 46u);
  for (char c : a->substr(3)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  EXPECT_TRUE(constant_time_equal(*a, *a));
  EXPECT_FALSE(constant_time_equal(*a, *b));
  EXPECT_FALSE(constant_time_equal(*a, a->substr(1)));
}

TEST(PeriodsTest, DaysAndMonthsAreUtcCalendarPeriods) {
  const int64_t nov18 = kT0;  // 2026-11-18T...Z
  EXPECT_EQ(utc_day_start(nov18) % kDayMs, 0);
  EXPECT_EQ(utc_month_start(nov18), 1'793'491'200'000);       // 2026-11-01T00:00:00Z
  EXPECT_EQ(utc_next_month_start(nov18), 1'796'083'200'000);  // 2026-12-01T00:00:00Z
  const int64_t dec15 = 1'797'292'800'000;                    // 2026-12-15T00:00:00Z
  EXPECT_EQ(utc_next_month_start(dec15), 1'798'761'600'000);  // 2027-01-01T00:00:00Z
  EXPECT_EQ(seconds_until(nov18 + 1500, nov18), 2);
  EXPECT_EQ(seconds_until(nov18 - 10, nov18), 1);
}

}  // namespace
}  // namespace glassbox::store
