// The agent loop end to end against a scripted Messages API server on 127.0.0.1: multi-step tasks
// in temporary repositories, parallel tool calls, malformed input, server failures, runaway
// commands.
#include "agent/testing/e2e_fixture.h"
#include "agent/sandbox.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;
using testing::AgentE2eTest;
using testing::jstr;
using testing::PlannedResponse;
namespace fs = std::filesystem;

TEST_F(AgentE2eTest, FixesAFailingTestReadEditRunFinish) {
  write("calc.sh", "add() {\n\techo $(($1 - $2))\n}\n");
  write("test.sh",
        "source ./calc.sh\n[ \"$(add 2 3)\" = 5 ] && echo PASS || { echo FAIL; exit 1; }\n");
  server_.plan_turn("Let me look at the test.",
                    {{"toolu_1", "Bash", jstr({{"command", "bash test.sh"}})}});
  server_.plan_turn("", {{"toolu_2", "Read", jstr({{"file_path", p("calc.sh")}})}});
  server_.plan_turn("The sign is wrong.", {{"toolu_3", "Edit",
                                            jstr({{"file_path", p("calc.sh")},
                                                  {"old_string", "\techo $(($1 - $2))"},
                                                  {"new_string", "\techo $(($1 + $2))"}})}});
  server_.plan_turn(
      "", {{"toolu_4", "Bash", jstr({{"command", "bash test.sh"}, {"description", "run tests"}})}});
  server_.plan_turn("Fixed: add() now adds.");

  RunResult r = run("Fix the failing test");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(r.result, "Fixed: add() now adds.");
  EXPECT_EQ(r.num_turns, 5);
  EXPECT_EQ(r.usage.input_tokens, 500);
  EXPECT_EQ(read("calc.sh"), "add() {\n\techo $(($1 + $2))\n}\n");
  EXPECT_NE(streamed_.find("The sign is wrong."), std::string::npos);
  ASSERT_EQ(server_.requests().size(), 5u);

  auto first = results_in_request(1)["toolu_1"];
  EXPECT_TRUE(first.value("is_error", false));  // the failing test exits 1
  EXPECT_NE(first["content"].get<std::string>().find("FAIL"), std::string::npos);
  EXPECT_NE(results_in_request(2)["toolu_2"]["content"].get<std::string>().find("     2\t\techo"),
            std::string::npos);
  auto last = results_in_request(4)["toolu_4"];
  EXPECT_FALSE(last.value("is_error", false));
  EXPECT_EQ(last["content"], "PASS\n");

  json req0 = json::parse(server_.requests()[0]);
  EXPECT_EQ(req0["model"], "glassbox");
  EXPECT_EQ(req0["stream"], true);
  EXPECT_EQ(req0["system"], "test system prompt");
  EXPECT_EQ(req0["tools"].size(), 7u);
  EXPECT_EQ(server_.request_header("x-api-key")[0], "test-key");
  EXPECT_EQ(server_.request_header("anthropic-version")[0], "2023-06-01");
  // The last request replays the whole conversation, alternating roles.
  json req4 = json::parse(server_.requests()[4]);
  ASSERT_EQ(req4["messages"].size(), 9u);
  for (size_t i = 0; i < req4["messages"].size(); ++i) {
    EXPECT_EQ(req4["messages"][i]["role"], i % 2 == 0 ? "user" : "assistant");
  }
  // The transcript has every message, one JSON object per line.
  std::string transcript = *read_file_to_string(store_->path());
  size_t lines = std::count(transcript.begin(), transcript.end(), '\n');
  EXPECT_EQ(lines, 10u);
  json reopened;
  auto again =
      SessionStore::open(fs::path(store_->path()).parent_path().string(), store_->id(), &reopened);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(reopened, messages_);
}

TEST_F(AgentE2eTest, RunsParallelToolCallsConcurrentlyAndAnswersEach) {
  // Each command waits for the other's marker: they finish only if they run at the same time.
  std::string a =
      "touch a.mark; for i in $(seq 100); do [ -f b.mark ] && break; sleep 0.05; done; [ -f b.mark "
      "] && echo A-ok";
  std::string b =
      "touch b.mark; for i in $(seq 100); do [ -f a.mark ] && break; sleep 0.05; done; [ -f a.mark "
      "] && echo B-ok";
  server_.plan_turn("", {{"toolu_a", "Bash", jstr({{"command", a}})},
                         {"toolu_b", "Bash", jstr({{"command", b}})},
                         {"toolu_c", "Glob", jstr({{"pattern", "*.mark"}})}});
  server_.plan_turn("done");
  RunResult r = run("go");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  auto results = results_in_request(1);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results["toolu_a"]["content"], "A-ok\n");
  EXPECT_EQ(results["toolu_b"]["content"], "B-ok\n");
  // Results come back in the order of the tool_use blocks.
  json body = json::parse(server_.requests()[1]);
  EXPECT_EQ(body["messages"].back()["content"][0]["tool_use_id"], "toolu_a");
  EXPECT_EQ(body["messages"].back()["content"][2]["tool_use_id"], "toolu_c");
}

TEST_F(AgentE2eTest, MalformedToolInputGetsAnIsErrorResultAndTheModelRecovers) {
  write("f.txt", "x\n");
  server_.plan_turn("", {{"toolu_bad", "Read", "{\"file_path\": \"" + p("f.txt")},
                         {"toolu_unknown", "Teleport", "{}"}});
  server_.plan_turn("", {{"toolu_ok", "Read", jstr({{"file_path", p("f.txt")}})}});
  server_.plan_turn("recovered");
  RunResult r = run("read f");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  auto results = results_in_request(1);
  EXPECT_TRUE(results["toolu_bad"]["is_error"].get<bool>());
  EXPECT_NE(results["toolu_bad"]["content"].get<std::string>().find("not valid JSON"),
            std::string::npos);
  EXPECT_TRUE(results["toolu_unknown"]["is_error"].get<bool>());
  EXPECT_NE(results["toolu_unknown"]["content"].get<std::string>().find("No tool named 'Teleport'"),
            std::string::npos);
  EXPECT_FALSE(results_in_request(2)["toolu_ok"].value("is_error", false));
}

TEST_F(AgentE2eTest, RetriesAServerErrorThenSucceeds) {
  server_.plan({500, testing::error_body("api_error", "boom")});
  server_.plan({529, testing::error_body("overloaded_error", "Overloaded")});
  server_.plan_turn("hello after retries");
  RunResult r = run("hi");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(r.result, "hello after retries");
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(AgentE2eTest, FailsClearlyOnABadRequestWithoutRetrying) {
  server_.plan({400, testing::error_body("invalid_request_error", "prompt is too long")});
  RunResult r = run("hi");
  EXPECT_EQ(r.stop, StopKind::kError);
  EXPECT_NE(r.result.find("HTTP 400 invalid_request_error: prompt is too long"), std::string::npos)
      << r.result;
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(AgentE2eTest, GivesUpOnAServerThatNeverAnswersInTime) {
  PlannedResponse slow;
  slow.delay_ms = 1500;
  slow.body = testing::sse_turn("too late");
  server_.plan(slow);
  auto t0 = std::chrono::steady_clock::now();
  RunResult r =
      run("hi", PermissionMode::kBypassPermissions, /*max_retries=*/0, /*read_timeout_s=*/0.3);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.4);
  EXPECT_EQ(r.stop, StopKind::kError);
  EXPECT_NE(r.result.find("failed"), std::string::npos) << r.result;
  EXPECT_NE(r.result.find(server_.base_url()), std::string::npos) << r.result;
}

TEST_F(AgentE2eTest, RejectsAGarbageStream) {
  for (int i = 0; i < 2; ++i)
    server_.plan({200, "event: message_start\ndata: <html>oops</html>\n\n"});
  RunResult r = run("hi", PermissionMode::kBypassPermissions, /*max_retries=*/1);
  EXPECT_EQ(r.stop, StopKind::kError);
  EXPECT_NE(r.result.find("not a JSON object"), std::string::npos) << r.result;
}

TEST_F(AgentE2eTest, RejectsAStreamThatStopsEarly) {
  std::string full = testing::sse_turn("partial answer");
  std::string cut = full.substr(0, full.find("event: message_delta"));
  server_.plan({200, cut});
  RunResult r = run("hi", PermissionMode::kBypassPermissions, /*max_retries=*/0);
  EXPECT_EQ(r.stop, StopKind::kError);
  EXPECT_NE(r.result.find("ended before message_stop"), std::string::npos) << r.result;
}

TEST_F(AgentE2eTest, KillsACommandThatNeverEnds) {
  server_.plan_turn("", {{"toolu_1", "Bash",
                          jstr({{"command", "while true; do sleep 1; done"}, {"timeout", 400}})}});
  server_.plan_turn("it hung");
  RunResult r = run("run it");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  auto res = results_in_request(1)["toolu_1"];
  EXPECT_TRUE(res["is_error"].get<bool>());
  EXPECT_NE(res["content"].get<std::string>().find("timed out after 400 ms"), std::string::npos);
}

TEST_F(AgentE2eTest, AFileThatVanishesMidTaskLeavesTheWorkspaceIntact) {
  write("keep.txt", "keep\n");
  write("doomed.txt", "old\n");
  server_.plan_turn("", {{"toolu_1", "Read", jstr({{"file_path", p("doomed.txt")}})}});
  server_.plan_turn("", {{"toolu_2", "Bash", jstr({{"command", "rm doomed.txt"}})}});
  server_.plan_turn(
      "", {{"toolu_3", "Edit",
            jstr({{"file_path", p("doomed.txt")}, {"old_string", "old"}, {"new_string", "new"}})}});
  server_.plan_turn("the file is gone");
  RunResult r = run("edit doomed");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  auto res = results_in_request(3)["toolu_3"];
  EXPECT_TRUE(res["is_error"].get<bool>());
  EXPECT_NE(res["content"].get<std::string>().find("does not exist"), std::string::npos);
  EXPECT_FALSE(fs::exists(p("doomed.txt")));
  EXPECT_EQ(read("keep.txt"), "keep\n");
}

TEST_F(AgentE2eTest, HeadlessDefaultModeDeniesUnapprovedCommands) {
  server_.plan_turn("", {{"toolu_1", "Bash", jstr({{"command", "touch ran.mark"}})},
                         {"toolu_2", "Read", jstr({{"file_path", p(".git")}})}});
  server_.plan_turn("could not run it");
  RunResult r = run("touch", PermissionMode::kDefault);
  ASSERT_EQ(r.stop, StopKind::kEndTurn);
  auto res = results_in_request(1);
  EXPECT_TRUE(res["toolu_1"]["is_error"].get<bool>());
  EXPECT_NE(res["toolu_1"]["content"].get<std::string>().find("not permitted"), std::string::npos);
  EXPECT_NE(res["toolu_1"]["content"].get<std::string>().find("Bash(touch ran.mark)"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(p("ran.mark")));
  EXPECT_NE(res["toolu_2"]["content"].get<std::string>().find("directory"),
            std::string::npos);  // Read ran
}

TEST_F(AgentE2eTest, StopsAtTheTurnLimit) {
  for (int i = 0; i < 3; ++i)
    server_.plan_turn("", {{"toolu_" + std::to_string(i), "Bash", jstr({{"command", "true"}})}});
  RunResult r = run("loop", PermissionMode::kBypassPermissions, 2, 30, /*max_turns=*/2);
  EXPECT_EQ(r.stop, StopKind::kMaxTurns);
  EXPECT_EQ(r.num_turns, 2);
  EXPECT_EQ(server_.requests().size(), 2u);
  // The history stays valid: the last tool_use was answered.
  EXPECT_EQ(messages_.back()["role"], "user");
}

TEST_F(AgentE2eTest, RetriesAnOverloadedErrorEventBeforeAnyText) {
  std::string overloaded = testing::sse_turn("");
  overloaded = overloaded.substr(0, overloaded.find("event: message_delta")) +
               "event: error\ndata: "
               "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
               "\"Overloaded\"}}\n\n";
  server_.plan({200, overloaded});
  server_.plan_turn("second try worked");
  RunResult r = run("hi");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(r.result, "second try worked");
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(AgentE2eTest, StopsWhenTheTokenBudgetIsSpent) {
  for (int i = 0; i < 3; ++i)
    server_.plan_turn("", {{"toolu_" + std::to_string(i), "Bash", jstr({{"command", "true"}})}});
  ClientOptions opts;
  opts.base_url = server_.base_url();
  auto client = MessagesClient::create(opts);
  ASSERT_TRUE(client.ok());
  PermissionPolicy policy(PermissionMode::kBypassPermissions, repo_.string());
  AgentOptions aopts;
  aopts.token_budget = 150;  // each scripted turn uses 100 input + 20 output tokens
  Agent agent(client->get(), make_builtin_tools(), &policy, &ctx_, nullptr, aopts, {}, nullptr);
  RunResult r = agent.run("spend", &messages_);
  EXPECT_EQ(r.stop, StopKind::kTokenBudget);
  EXPECT_EQ(r.num_turns, 2);
  EXPECT_NE(r.result.find("token budget"), std::string::npos);
}

TEST_F(AgentE2eTest, AcceptsAServerThatAnswersWithPlainJson) {
  json message = {
      {"id", "msg_plain"},         {"type", "message"},
      {"role", "assistant"},       {"content", {{{"type", "text"}, {"text", "plain answer"}}}},
      {"stop_reason", "end_turn"}, {"usage", {{"input_tokens", 7}, {"output_tokens", 3}}}};
  PlannedResponse plain;
  plain.body = message.dump();
  plain.content_type = "application/json";
  server_.plan(plain);
  RunResult r = run("hi");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(r.result, "plain answer");
  EXPECT_EQ(streamed_, "plain answer");
  EXPECT_EQ(r.usage.input_tokens, 7);
}

TEST_F(AgentE2eTest, DropsEmptyTextBlocksFromTheHistory) {
  server_.plan_turn("", {{"toolu_1", "Glob", jstr({{"pattern", "*"}})}});
  server_.plan_turn("");  // an empty final answer
  server_.plan_turn("", {{"toolu_2", "Glob", jstr({{"pattern", "*"}})}});
  server_.plan_turn("ok");
  // A text block with no deltas at all, before the tool_use.
  std::string with_empty = testing::sse_turn("x", {{"toolu_3", "Glob", jstr({{"pattern", "*"}})}});
  size_t delta = with_empty.find("event: content_block_delta");
  size_t stop = with_empty.find("event: content_block_stop");
  with_empty.erase(delta, stop - delta);
  ASSERT_EQ(run("one").stop, StopKind::kEndTurn);
  ASSERT_EQ(run("two").stop, StopKind::kEndTurn);
  json req = json::parse(server_.requests()[2]);
  for (const auto& m : req["messages"]) {
    EXPECT_FALSE(m["content"].empty()) << m.dump();
    for (const auto& b : m["content"]) {
      if (b["type"] == "text") {
        EXPECT_FALSE(b["text"].get<std::string>().empty()) << m.dump();
      }
    }
  }
  // user(one), assistant(tool_use), user(results + "two"): the empty answer is not replayed.
  EXPECT_EQ(req["messages"].size(), 3u) << req["messages"].dump();
  server_.plan({200, with_empty});
  server_.plan_turn("fine");
  ASSERT_EQ(run("three").stop, StopKind::kEndTurn);
  json req5 = json::parse(server_.requests()[5]);
  EXPECT_EQ(req5["messages"][req5["messages"].size() - 2]["content"].size(),
            1u);  // just the tool_use
}

TEST_F(AgentE2eTest, InteractiveApprovalRunsApprovedCallsAndReportsDeclinedOnes) {
  server_.plan_turn("",
                    {{"toolu_1", "Bash", jstr({{"command", "echo approved"}})},
                     {"toolu_2", "Write", jstr({{"file_path", p("no.txt")}, {"content", "x"}})}});
  server_.plan_turn("ok");
  ClientOptions opts;
  opts.base_url = server_.base_url();
  auto client = MessagesClient::create(opts);
  ASSERT_TRUE(client.ok());
  PermissionPolicy policy(PermissionMode::kDefault, repo_.string());
  std::vector<std::string> asked;
  ApproveFn approve = [&](const Tool& tool, const std::string& subject, const json&) {
    asked.push_back(tool.name() + ":" + subject);
    return tool.name() == "Bash";
  };
  Agent agent(client->get(), make_builtin_tools(), &policy, &ctx_, nullptr, {}, {}, approve);
  ASSERT_EQ(agent.run("go", &messages_).stop, StopKind::kEndTurn);
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[0], "Bash:echo approved");
  EXPECT_EQ(asked[1], "Write:" + p("no.txt"));
  auto results = results_in_request(1);
  EXPECT_EQ(results["toolu_1"]["content"], "approved\n");
  EXPECT_NE(results["toolu_2"]["content"].get<std::string>().find("the user declined it"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(p("no.txt")));
}

}  // namespace
}  // namespace glassbox::agent

namespace glassbox::agent::testing {
namespace {

// The sandbox has its own network namespace: even the loopback server the agent itself talks to
// (the scripted server) cannot be reached from a command, unless the network is allowed.
TEST_F(AgentE2eTest, SandboxedCommandsCannotReachTheNetworkUnlessAllowed) {
  for (bool allow : {false, true}) {
    SCOPED_TRACE(allow ? "allow_network" : "no network");
    SandboxOptions opts;
    opts.workspace = repo_.string();
    opts.extra_writable = {repo_.string() + "_home"};
    fs::create_directories(opts.extra_writable[0]);
    opts.allow_network = allow;
    auto prefix = make_sandbox_prefix(opts);
    if (!prefix.ok()) GTEST_SKIP() << prefix.status().message();
    ctx_.sandbox_argv = *prefix;
    ctx_.temp_dir = opts.extra_writable[0];
    std::string port = server_.base_url().substr(server_.base_url().rfind(':') + 1);
    std::string id = allow ? "n2" : "n1";
    server_.plan_turn("", {{id, "Bash",
                            jstr({{"command", "(exec 3<>/dev/tcp/127.0.0.1/" + port +
                                                  ") 2>/dev/null && echo REACHED || echo "
                                                  "unreachable"}})}});
    server_.plan_turn("checked");
    RunResult r = run("probe");
    ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
    auto res = results_in_request(server_.requests().size() - 1)[id];
    EXPECT_EQ(res["content"], allow ? "REACHED\n" : "unreachable\n") << res.dump();
  }
}

}  // namespace
}  // namespace glassbox::agent::testing
