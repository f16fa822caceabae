// Keys, quotas and the ledger at the server's edges: glassbox serve in-process with a SQLite key database.
#include "server/access_control.h"

#include <httplib.h>

#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/server.h"
#include "store/store.h"

namespace glassbox::server {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const std::string kModel = std::string(GLASSBOX_SHARED_DIR) + "/reference/storyteller-16m-q8_0.gguf";

class TempDb {
 public:
  TempDb() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / ("gb-access-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  ~TempDb() { fs::remove_all(dir_); }
  std::string url() const { return "sqlite:" + (dir_ / "keys.db").string(); }
  std::unique_ptr<store::Store> open() const {
    auto s = store::Store::open(url());
    EXPECT_TRUE(s.ok()) << s.status().message();
    return std::move(*s);
  }

 private:
  fs::path dir_;
};

TEST(AccessControlTest, RefusesAnOpenNonLoopbackServerSayingWhy) {
  TempDb db;
  ServerOptions opt;
  opt.model_path = "/nonexistent/model.gguf";
  opt.host = "0.0.0.0";
  opt.db = db.url();
  auto s = Server::create(opt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("refusing to listen on 0.0.0.0 without an API key"), std::string::npos)
      << s.status().message();
  EXPECT_NE(s.status().message().find("glassbox keys create NAME --db " + db.url()), std::string::npos);
  // An active key in the database is enough: creation gets past the check (and fails on the missing model).
  auto key = db.open()->create_key("ops", {}, store::now_ms());
  ASSERT_TRUE(key.ok());
  s = Server::create(opt);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message().find("refusing"), std::string::npos) << s.status().message();
  // A revoked last key does not count.
  ASSERT_TRUE(db.open()->revoke_key(key->info.prefix, store::now_ms()).ok());
  s = Server::create(opt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("refusing"), std::string::npos) << s.status().message();
}

class AccessServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kModel)) GTEST_SKIP() << "reference model absent: " << kModel;
  }
  void start(const std::string& api_key = "") {
    ServerOptions opt;
    opt.model_path = kModel;
    opt.port = 0;
    opt.n_threads = 1;
    opt.api_key = api_key;
    opt.db = db_.url();
    auto s = Server::create(opt);
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(*s);
    server_->start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60);
  }
  httplib::Result message(const std::string& key, int max_tokens = 4) {
    Json body = {{"model", "glassbox"},
                 {"max_tokens", max_tokens},
                 {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}}};
    httplib::Headers h;
    if (!key.empty()) h.emplace("x-api-key", key);
    return client_->Post("/v1/messages", h, body.dump(), "application/json");
  }
  std::vector<store::LedgerRow> ledger() {
    auto rows = db_.open()->ledger({});
    EXPECT_TRUE(rows.ok());
    return *rows;
  }

  TempDb db_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AccessServerTest, BadKeysGet401InEachApisShapeAndTheServerKeepsServing) {
  auto key = db_.open()->create_key("alice", {}, store::now_ms());
  ASSERT_TRUE(key.ok());
  start("cli-secret");
  auto none = message("");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Json::parse(none->body)["error"]["type"], "authentication_error");
  EXPECT_EQ(message("gb-wrong")->status, 401);
  auto openai = client_->Post("/v1/chat/completions", {{"Authorization", "Bearer gb-wrong"}},
                              R"({"model":"x","messages":[{"role":"user","content":"hi"}]})", "application/json");
  ASSERT_TRUE(openai);
  EXPECT_EQ(openai->status, 401);
  Json err = Json::parse(openai->body)["error"];
  EXPECT_EQ(err["code"], "invalid_api_key");
  EXPECT_TRUE(err["message"].is_string());
  EXPECT_EQ(client_->Get("/health")->status, 200);
  // The database key and the --api-key key both work, each under its own name in the ledger.
  EXPECT_EQ(message(key->secret)->status, 200);
  auto bearer = client_->Post("/v1/messages", {{"Authorization", "Bearer cli-secret"}},
                              R"({"model":"glassbox","max_tokens":2,"messages":[{"role":"user","content":"hi"}]})",
                              "application/json");
  EXPECT_EQ(bearer->status, 200);
  auto rows = ledger();
  ASSERT_EQ(rows.size(), 2u);  // refused authentication writes no row: there is no key to charge
  EXPECT_EQ(rows[0].key_name, "alice");
  EXPECT_EQ(rows[1].key_name, "--api-key");
  // A key revoked while the server runs stops working at once.
  ASSERT_TRUE(db_.open()->revoke_key(key->info.prefix, store::now_ms()).ok());
  EXPECT_EQ(message(key->secret)->status, 401);
}

TEST_F(AccessServerTest, QuotaGives429WithRetryAfterAndTheLedgerMatchesTheResponses) {
  auto key = db_.open()->create_key("limited", {2, 0, 0}, store::now_ms());
  ASSERT_TRUE(key.ok());
  start();
  auto first = message(key->secret);
  auto second = message(key->secret);
  auto third = message(key->secret);
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(third->status, 429);
  EXPECT_EQ(Json::parse(third->body)["error"]["type"], "rate_limit_error");
  EXPECT_GE(std::stoi(third->get_header_value("retry-after")), 50);
  auto rows = ledger();
  ASSERT_EQ(rows.size(), 3u);
  Json usage = Json::parse(first->body)["usage"];
  EXPECT_EQ(rows[0].status, "ok");
  EXPECT_EQ(rows[0].input_tokens, usage["input_tokens"].get<int64_t>());
  EXPECT_EQ(rows[0].cached_tokens, usage["cache_read_input_tokens"].get<int64_t>());
  EXPECT_EQ(rows[0].output_tokens, usage["output_tokens"].get<int64_t>());
  EXPECT_EQ(rows[0].model, "storyteller-16m-q8_0");
  EXPECT_EQ(rows[0].http_request_id, first->get_header_value("request-id"));
  EXPECT_EQ(rows[2].status, "rate_limited");
  // A bad request still leaves its row, closed as "invalid".
  auto key2 = db_.open()->create_key("sloppy", {}, store::now_ms());
  auto bad = client_->Post("/v1/messages", {{"x-api-key", key2->secret}}, "{not json", "application/json");
  EXPECT_EQ(bad->status, 400);
  // The HTTP logger closes that row after the response went out: give it a moment.
  for (int i = 0; i < 200 && ledger().back().status == "incomplete"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  rows = ledger();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3].status, "invalid");
}

TEST_F(AccessServerTest, TokenQuotaLowersMaxTokensToWhatIsLeft) {
  auto key = db_.open()->create_key("tokens", {0, 40, 0}, store::now_ms());
  ASSERT_TRUE(key.ok());
  start();
  auto r = message(key->secret, 200);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json usage = Json::parse(r->body)["usage"];
  const int64_t prompt = usage["input_tokens"].get<int64_t>() + usage["cache_read_input_tokens"].get<int64_t>();
  EXPECT_LE(usage["output_tokens"].get<int64_t>(), 40 - prompt);
  // A key with fewer tokens left than the prompt needs: admitted (tokens are left), then refused before
  // generation with 429 and one retry-after that says when the UTC day ends.
  auto small = db_.open()->create_key("small", {0, std::max<int64_t>(1, prompt / 2), 0}, store::now_ms());
  ASSERT_TRUE(small.ok());
  auto refused = message(small->secret, 200);
  ASSERT_EQ(refused->status, 429) << refused->body;
  Json err = Json::parse(refused->body)["error"];
  EXPECT_EQ(err["type"], "rate_limit_error");
  EXPECT_NE(err["message"].get<std::string>().find("token quota reached"), std::string::npos) << err;
  EXPECT_EQ(refused->get_header_value_count("retry-after"), 1u);
  EXPECT_GT(std::stoll(refused->get_header_value("retry-after")), 1);
  EXPECT_EQ(ledger().back().status, "rate_limited");
}

TEST_F(AccessServerTest, StreamedRequestsCloseTheirRowWithTheStreamsUsage) {
  start();
  Json body = {{"model", "glassbox"},
               {"max_tokens", 6},
               {"stream", true},
               {"messages", {{{"role", "user"}, {"content", "Once upon a time"}}}}};
  auto r = client_->Post("/v1/messages", body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const size_t at = r->body.find("\"type\":\"message_delta\"");
  ASSERT_NE(at, std::string::npos);
  const size_t line_start = r->body.rfind("data: ", at) + 6;
  Json delta = Json::parse(r->body.substr(line_start, r->body.find('\n', at) - line_start));
  auto rows = ledger();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "ok");
  EXPECT_EQ(rows[0].output_tokens, delta["usage"]["output_tokens"].get<int64_t>());
  EXPECT_GT(rows[0].output_tokens, 0);
}

TEST_F(AccessServerTest, AnOpenLoopbackServerClosesOnceAKeyExists) {
  start();
  EXPECT_EQ(message("")->status, 200);  // no keys yet: open, recorded as anonymous
  EXPECT_EQ(message("anything")->status, 200);
  auto rows = ledger();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key_name, "anonymous");
  auto key = db_.open()->create_key("first", {}, store::now_ms());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(message("")->status, 401);
  EXPECT_EQ(message(key->secret)->status, 200);
  ASSERT_TRUE(db_.open()->revoke_key(key->info.prefix, store::now_ms()).ok());
  EXPECT_EQ(message("")->status, 401);  // revoking the last key does not open it again
}

}  // namespace
}  // namespace glassbox::server
