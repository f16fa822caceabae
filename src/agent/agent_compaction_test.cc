// Automatic compaction against the scripted server: a conversation that nears the context window
// is summarised by one extra call, and the next request carries the instructions (system prompt),
// the summary and the latest turns intact.
#include "agent/compaction.h"
#include "agent/testing/e2e_fixture.h"

namespace glassbox::agent::testing {
namespace {

TEST_F(AgentE2eTest, CompactsNearTheContextWindowKeepingInstructionsAndTheLatestState) {
  context_window_ = 2000;  // compaction at 1600 tokens
  system_prompt_ = "system\n# AGENTS.md\nAlways run `make test` before finishing.\n";
  PlannedResponse p1, p2, summary, p3;
  // Turn 1 asks for a long output (estimated ~750 tokens), turn 2's usage says the context is
  // nearly full: compaction runs before the third request.
  p1.body = sse_turn("", {{"t1", "Bash", R"({"command": "head -c 3000 /dev/zero | tr '\\0' x"})"}},
                     500, 20);
  p2.body = sse_turn("", {{"t2", "Bash", R"({"command": "echo latest-state-marker"})"}}, 1700, 20);
  summary.body =
      sse_turn("SUMMARY: printed 3000 x characters; next, check the latest output.", {}, 900, 30);
  p3.body = sse_turn("All done.", {}, 400, 10);
  for (auto* p : {&p1, &p2, &summary, &p3}) server_.plan(*p);

  RunResult r = run("print lots of x, then the marker");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(r.result, "All done.");
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 4u);

  // The summary request: no tools, the earlier turns as a transcript.
  json sreq = json::parse(requests[2]);
  EXPECT_FALSE(sreq.contains("tools"));
  std::string transcript = sreq["messages"][0]["content"];
  EXPECT_NE(transcript.find("print lots of x"), std::string::npos);
  EXPECT_NE(transcript.find("xxxxxxxx"), std::string::npos);

  // The request after it: same system prompt (instructions survive), the summary first, the latest
  // tool call and its result word for word, and the long output gone.
  json next = json::parse(requests[3]);
  EXPECT_EQ(next["system"], system_prompt_);
  std::string first_text = next["messages"][0]["content"][0]["text"];
  EXPECT_EQ(first_text.rfind(kCompactionSummaryHeader, 0), 0u);
  EXPECT_NE(first_text.find("SUMMARY: printed 3000 x characters"), std::string::npos);
  ASSERT_EQ(next["messages"].size(), 3u) << next["messages"].dump();
  EXPECT_EQ(next["messages"][1]["content"][0]["id"], "t2");
  EXPECT_EQ(next["messages"][2]["content"][0]["tool_use_id"], "t2");
  EXPECT_NE(
      next["messages"][2]["content"][0]["content"].get<std::string>().find("latest-state-marker"),
      std::string::npos);
  EXPECT_EQ(requests[3].find("xxxxxxxxxxxxxxxx"), std::string::npos);
  // The summary call's tokens count too.
  EXPECT_EQ(r.usage.input_tokens, 500 + 1700 + 900 + 400);

  // Resuming the session gives the compacted conversation, not the long one.
  json resumed;
  auto reopened =
      SessionStore::open(fs::path(store_->path()).parent_path().string(), store_->id(), &resumed);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  ASSERT_EQ(resumed.size(), 4u) << resumed.dump();  // summary, t2 call, t2 result, final answer
  EXPECT_EQ(resumed[0]["content"][0]["text"].get<std::string>().rfind(kCompactionSummaryHeader, 0),
            0u);
}

TEST_F(AgentE2eTest, AFailedCompactionLeavesTheConversationAndCarriesOn) {
  context_window_ = 1000;
  PlannedResponse p1, bad, p2;
  p1.body = sse_turn("", {{"t1", "Bash", R"({"command": "head -c 4000 /dev/zero | tr '\\0' y"})"}},
                     900, 20);
  bad.status = 400;
  bad.body = error_body("invalid_request_error", "summary refused");
  p2.body = sse_turn("Finished anyway.", {}, 950, 10);
  for (auto* p : {&p1, &bad, &p2}) server_.plan(*p);
  RunResult r = run("go", PermissionMode::kBypassPermissions, /*max_retries=*/0);
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(r.result, "Finished anyway.");
  bool noticed = false;
  for (const auto& n : notices_) noticed |= n.find("summary refused") != std::string::npos;
  EXPECT_TRUE(noticed);
  json last = json::parse(server_.requests().back());
  EXPECT_EQ(last["messages"].size(), 3u);  // prompt, call, result: unchanged
}

}  // namespace
}  // namespace glassbox::agent::testing
