// AgentE2eTest: the fixture the agent's end-to-end tests share: a temporary repository (with .git),
// a ScriptedServer on 127.0.0.1, and helpers to run the agent and read what the server received.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "agent/testing/scripted_server.h"
#include "base/mapped_file.h"

namespace glassbox::agent::testing {

using nlohmann::json;
namespace fs = std::filesystem;

inline std::string jstr(const json& j) { return j.dump(); }

class AgentE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = fs::path(::testing::TempDir()) /
            ("agent_e2e_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
             std::to_string(getpid()));
    fs::remove_all(repo_);
    fs::create_directories(repo_ / ".git");
    ASSERT_TRUE(server_.start());
    ctx_.project_root = repo_.string();
    ctx_.cwd = repo_.string();
  }

  void TearDown() override {
    std::error_code ec;
    for (const char* suffix : {"", "_home", "_sessions"})
      fs::remove_all(repo_.string() + suffix, ec);
  }

  RunResult run(const std::string& prompt, PermissionMode mode = PermissionMode::kBypassPermissions,
                int max_retries = 2, double read_timeout_s = 30, int max_turns = 20) {
    ClientOptions opts;
    opts.base_url = server_.base_url();
    opts.api_key = "test-key";
    opts.max_retries = max_retries;
    opts.backoff_initial_s = 0.01;
    opts.http.read_timeout_s = read_timeout_s;
    auto client = MessagesClient::create(opts);
    EXPECT_TRUE(client.ok());
    policy_ = std::make_unique<PermissionPolicy>(mode, repo_.string());
    auto store = SessionStore::create(
        (repo_.parent_path() / (repo_.filename().string() + "_sessions")).string());
    EXPECT_TRUE(store.ok());
    store_ = std::make_unique<SessionStore>(std::move(*store));
    AgentOptions aopts;
    aopts.system_prompt = system_prompt_;
    aopts.max_turns = max_turns;
    aopts.context_window = context_window_;
    AgentEvents events;
    events.on_text = [this](std::string_view t) { streamed_ += t; };
    events.on_notice = [this](const std::string& n) { notices_.push_back(n); };
    auto tools = make_builtin_tools();
    for (auto& t : extra_tools_) tools.push_back(std::move(t));
    extra_tools_.clear();
    for (const auto& rule : allow_rules_) EXPECT_TRUE(policy_->add_allow(rule).ok());
    Agent agent(client->get(), std::move(tools), policy_.get(), &ctx_, store_.get(), aopts,
                events, approve_);
    return agent.run(prompt, &messages_);
  }

  // The tool_result blocks of the request body at `index`, by tool_use_id.
  std::map<std::string, json> results_in_request(size_t index) {
    std::map<std::string, json> out;
    json body = json::parse(server_.requests().at(index));
    for (const auto& block : body["messages"].back()["content"]) {
      if (block.value("type", "") == "tool_result") out[block["tool_use_id"]] = block;
    }
    return out;
  }

  void write(const std::string& rel, const std::string& text) {
    std::ofstream(repo_ / rel, std::ios::binary) << text;
  }
  std::string read(const std::string& rel) { return *read_file_to_string((repo_ / rel).string()); }
  std::string p(const std::string& rel) { return (repo_ / rel).string(); }

  fs::path repo_;
  ScriptedServer server_;
  ToolContext ctx_;
  std::unique_ptr<PermissionPolicy> policy_;
  std::unique_ptr<SessionStore> store_;
  json messages_ = json::array();
  std::string streamed_;
  // Set before run(): tools added to the built-ins (moved in), rules, approval, compaction.
  std::vector<std::unique_ptr<Tool>> extra_tools_;
  std::vector<std::string> allow_rules_;
  ApproveFn approve_;
  int64_t context_window_ = 0;
  std::string system_prompt_ = "test system prompt";
  std::vector<std::string> notices_;
};

}  // namespace glassbox::agent::testing
