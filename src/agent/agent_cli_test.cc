// `glassbox agent` headless (-p) against a scripted Messages API server: output formats, exit
// codes, permission flags and settings, sessions, the sandbox flag, Ctrl-C.
#include <sys/wait.h>

#include "agent/testing/e2e_fixture.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;
using testing::AgentE2eTest;
using testing::jstr;
using testing::PlannedResponse;
namespace fs = std::filesystem;

// The CLI in headless mode: `glassbox agent -p ... --output-format json|stream-json`, run in the
// repo.
class AgentCliTest : public AgentE2eTest {
 protected:
  std::string cli(const std::string& args, int* rc) {
    std::string bin = std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox";
    std::string cmd = "cd '" + repo_.string() + "' && GLASSBOX_HOME='" + repo_.string() +
                      "_home' " + bin + " agent " + args + " --base-url " + server_.base_url() +
                      " </dev/null 2>/dev/null";
    FILE* f = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof(buf), f)) out.append(buf, n);
    *rc = WEXITSTATUS(pclose(f));
    return out;
  }
  void SetUp() override {
    AgentE2eTest::SetUp();
    if (!fs::exists(std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox"))
      GTEST_SKIP() << "glassbox is not built";
  }
};

TEST_F(AgentCliTest, JsonOutputIsOneResultObject) {
  server_.plan_turn(
      "", {{"toolu_1", "Write", jstr({{"file_path", p("out.txt")}, {"content", "written\n"}})},
           {"toolu_2", "Bash", jstr({{"command", "echo ran > bash.mark"}})}});
  server_.plan_turn("All done.");
  int rc = -1;
  std::string out =
      cli("-p 'write it' --output-format json --permission-mode acceptEdits --max-turns 5", &rc);
  EXPECT_EQ(rc, 0) << out;
  json result = json::parse(out);  // exactly one JSON document
  EXPECT_EQ(result["type"], "result");
  EXPECT_EQ(result["subtype"], "success");
  EXPECT_EQ(result["is_error"], false);
  EXPECT_EQ(result["result"], "All done.");
  EXPECT_EQ(result["num_turns"], 2);
  EXPECT_EQ(result["usage"]["input_tokens"], 200);
  EXPECT_EQ(result["usage"]["cache_read_input_tokens"], 0);
  EXPECT_EQ(result["total_cost_usd"], 0);
  EXPECT_TRUE(result["duration_ms"].is_number());
  EXPECT_EQ(read("out.txt"), "written\n");
  EXPECT_FALSE(
      fs::exists(p("bash.mark")));  // acceptEdits: Bash still needs approval; headless denies it
  ASSERT_EQ(result["permission_denials"].size(), 1u);
  EXPECT_EQ(result["permission_denials"][0]["tool_name"], "Bash");
  EXPECT_EQ(result["permission_denials"][0]["tool_use_id"], "toolu_2");
  EXPECT_EQ(result["permission_denials"][0]["tool_input"]["command"], "echo ran > bash.mark");
  // The session transcript landed under GLASSBOX_HOME, named by the session id.
  std::string id = result["session_id"];
  bool found = false;
  for (const auto& e : fs::recursive_directory_iterator(repo_.string() + "_home")) {
    found |= e.path().filename() == id + ".jsonl";
  }
  EXPECT_TRUE(found);
  // The system prompt carries the repository's AGENTS.md.
  EXPECT_NE(json::parse(server_.requests()[0])["system"].get<std::string>().find(repo_.string()),
            std::string::npos);
}

TEST_F(AgentCliTest, StreamJsonEmitsInitAssistantUserAndResultLines) {
  write("AGENTS.md", "Always run the tests.\n");
  server_.plan_turn("Reading.", {{"toolu_1", "Read", jstr({{"file_path", p("AGENTS.md")}})}});
  server_.plan_turn("ok");
  int rc = -1;
  std::string out = cli("-p 'look' --output-format stream-json", &rc);
  EXPECT_EQ(rc, 0) << out;
  std::vector<json> events;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    events.push_back(json::parse(out.substr(pos, end - pos)));
    pos = end + 1;
  }
  ASSERT_EQ(events.size(), 5u) << out;
  EXPECT_EQ(events[0]["type"], "system");
  EXPECT_EQ(events[0]["subtype"], "init");
  EXPECT_EQ(events[0]["tools"].size(), 7u);
  EXPECT_EQ(events[1]["type"], "assistant");
  EXPECT_EQ(events[1]["message"]["content"][1]["name"], "Read");
  EXPECT_EQ(events[2]["type"], "user");
  EXPECT_EQ(events[2]["message"]["content"][0]["tool_use_id"], "toolu_1");
  EXPECT_EQ(events[3]["type"], "assistant");
  EXPECT_EQ(events[4]["type"], "result");
  EXPECT_EQ(events[4]["result"], "ok");
  EXPECT_EQ(events[4]["session_id"], events[0]["session_id"]);
  EXPECT_NE(
      json::parse(server_.requests()[0])["system"].get<std::string>().find("Always run the tests."),
      std::string::npos);
}

TEST_F(AgentCliTest, MaxTurnsAndServerErrorsSetTheSubtypeAndExitCode) {
  server_.plan_turn("", {{"toolu_1", "Glob", jstr({{"pattern", "*"}})}});
  int rc = -1;
  json r = json::parse(cli("-p 'x' --output-format json --max-turns 1", &rc));
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(r["subtype"], "error_max_turns");
  EXPECT_EQ(r["is_error"], true);

  server_.plan({401, testing::error_body("authentication_error", "invalid x-api-key")});
  r = json::parse(cli("-p 'x' --output-format json", &rc));
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(r["subtype"], "error_during_execution");
  EXPECT_NE(r["result"].get<std::string>().find("invalid x-api-key"), std::string::npos);
}

TEST_F(AgentCliTest, AllowedToolsRulesLetMatchingCommandsRunHeadless) {
  server_.plan_turn("", {{"toolu_1", "Bash", jstr({{"command", "echo allowed"}})},
                         {"toolu_2", "Bash", jstr({{"command", "touch denied.mark"}})}});
  server_.plan_turn("done");
  int rc = -1;
  json r = json::parse(cli("-p 'x' --output-format json --allowed-tools 'Read,Bash(echo:*)'", &rc));
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(fs::exists(p("denied.mark")));
  auto results = results_in_request(1);
  EXPECT_FALSE(results["toolu_1"].value("is_error", false));
  EXPECT_EQ(results["toolu_1"]["content"], "allowed\n");
  EXPECT_TRUE(results["toolu_2"]["is_error"].get<bool>());
}

TEST_F(AgentCliTest, PlanModeFromClaudeSettingsIsReadOnly) {
  fs::create_directories(repo_ / ".claude");
  write(".claude/settings.json", R"J({"permissions":{"defaultMode":"plan","allow":["Bash"]}})J");
  server_.plan_turn("",
                    {{"toolu_1", "Write", jstr({{"file_path", p("plan.txt")}, {"content", "x"}})}});
  server_.plan_turn("I would write plan.txt");
  int rc = -1;
  json r = json::parse(cli("-p 'x' --output-format json", &rc));
  EXPECT_EQ(r["permission_mode"], "plan");
  EXPECT_FALSE(fs::exists(p("plan.txt")));
  EXPECT_NE(results_in_request(1)["toolu_1"]["content"].get<std::string>().find("plan mode"),
            std::string::npos);
}

TEST_F(AgentCliTest, UnreachableServerFailsWithAClearMessage) {
  std::string bin = std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox";
  // Port 9 (discard) on loopback: nothing listens there.
  std::string cmd = "cd '" + repo_.string() + "' && GLASSBOX_HOME='" + repo_.string() + "_home' " +
                    bin +
                    " agent -p hi --max-retries 1 --base-url http://127.0.0.1:9 2>&1 >/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  std::string err;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), f)) err.append(buf, n);
  int rc = WEXITSTATUS(pclose(f));
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("retrying"), std::string::npos) << err;
  EXPECT_NE(err.find("127.0.0.1:9"), std::string::npos) << err;
}

TEST_F(AgentCliTest, ResumeByIdAndAClearErrorForAnUnknownId) {
  server_.plan_turn("remembered");
  server_.plan_turn("again");
  int rc = -1;
  json first = json::parse(cli("-p 'one' --output-format json", &rc));
  json second = json::parse(
      cli("-p 'two' --output-format json --resume " + first["session_id"].get<std::string>(), &rc));
  EXPECT_EQ(second["session_id"], first["session_id"]);
  EXPECT_EQ(json::parse(server_.requests()[1])["messages"].size(), 3u);
  std::string out = cli("-p 'x' --resume no-such-session", &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(AgentCliTest, SandboxOnKeepsCommandsInsideTheWorkspace) {
  std::string outside = std::string(GLASSBOX_BINARY_DIR) + "/gb_cli_sandbox_escape";
  fs::remove(outside);
  server_.plan_turn("",
                    {{"toolu_1", "Bash",
                      jstr({{"command", "echo in > inside.txt; echo out > '" + outside + "'"}})}});
  server_.plan_turn("done");
  int rc = -1;
  std::string out =
      cli("-p 'x' --output-format json --sandbox on --dangerously-skip-permissions", &rc);
  if (rc == 1 && out.empty()) GTEST_SKIP() << "bwrap cannot start here";
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(read("inside.txt"), "in\n");
  EXPECT_FALSE(fs::exists(outside));
  auto res = results_in_request(1)["toolu_1"];
  EXPECT_TRUE(res["is_error"].get<bool>());
  EXPECT_NE(res["content"].get<std::string>().find("Read-only file system"), std::string::npos)
      << res.dump();
}

TEST_F(AgentCliTest, CtrlCStopsARunningCommandAndReportsTheInterruption) {
  server_.plan_turn("", {{"toolu_1", "Bash", jstr({{"command", "sleep 30"}})}});
  server_.plan_turn("never reached");
  std::string bin = std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox";
  std::string cmd =
      "cd '" + repo_.string() + "' && (GLASSBOX_HOME='" + repo_.string() + "_home' " + bin +
      " agent -p x --output-format json --dangerously-skip-permissions --base-url " +
      server_.base_url() +
      " </dev/null 2>/dev/null & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo rc=$?)";
  auto t0 = std::chrono::steady_clock::now();
  FILE* f = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), f)) out.append(buf, n);
  pclose(f);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
  size_t rc_pos = out.rfind("rc=");
  ASSERT_NE(rc_pos, std::string::npos) << out;
  EXPECT_EQ(out.substr(rc_pos), "rc=130\n");
  json r = json::parse(out.substr(0, rc_pos));
  EXPECT_EQ(r["subtype"], "error_during_execution");
  EXPECT_NE(r["result"].get<std::string>().find("interrupted"), std::string::npos);
}

TEST_F(AgentCliTest, ContinueResumesTheLatestSession) {
  server_.plan_turn("first answer");
  server_.plan_turn("second answer");
  int rc = -1;
  json first = json::parse(cli("-p 'one' --output-format json", &rc));
  json second = json::parse(cli("-p 'two' --output-format json --continue", &rc));
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(first["session_id"], second["session_id"]);
  json req = json::parse(server_.requests()[1]);
  ASSERT_EQ(req["messages"].size(), 3u);
  EXPECT_EQ(req["messages"][1]["content"][0]["text"], "first answer");
}

}  // namespace
}  // namespace glassbox::agent

namespace glassbox::agent {
namespace {

// The scriptable form of /rewind: --resume ID --rewind N restores files changed since turn N
// (Write, Edit, and a Bash command's changes) and cuts the conversation back, also for a later
// --resume.
TEST_F(AgentCliTest, RewindByTurnRestoresFilesAndTheConversationHeadless) {
  write("notes.txt", "original\n");
  write("data.txt", "v1\n");
  server_.plan_turn("", {{"w1", "Write", jstr({{"file_path", "new.txt"}, {"content", "new\n"}})},
                         {"e1", "Edit",
                          jstr({{"file_path", "notes.txt"},
                                {"old_string", "original"},
                                {"new_string", "changed"}})}});
  server_.plan_turn("", {{"b1", "Bash", jstr({{"command", "echo v2 > data.txt; rm notes.txt"}})}});
  server_.plan_turn("turn one done");
  server_.plan_turn("turn two done");
  int rc = -1;
  std::string args = "--output-format json --permission-mode bypassPermissions --sandbox off "
                     "--context-window 0";
  json first = json::parse(cli("-p 'first' " + args, &rc));
  ASSERT_EQ(rc, 0);
  std::string id = first["session_id"];
  json second = json::parse(cli("-p 'second' --resume " + id + " " + args, &rc));
  ASSERT_EQ(rc, 0);
  ASSERT_FALSE(fs::exists(p("notes.txt")));
  EXPECT_EQ(read("data.txt"), "v2\n");
  EXPECT_EQ(read("new.txt"), "new\n");

  // Back to before turn 1: every change undone, including the command's.
  cli("--resume " + id + " --rewind 1", &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(read("notes.txt"), "original\n");
  EXPECT_EQ(read("data.txt"), "v1\n");
  EXPECT_FALSE(fs::exists(p("new.txt")));
  // The conversation was cut too: the next resumed request holds only the new prompt.
  server_.plan_turn("fresh start");
  json third = json::parse(cli("-p 'third' --resume " + id + " " + args, &rc));
  EXPECT_EQ(third["result"], "fresh start");
  json last = json::parse(server_.requests().back());
  ASSERT_EQ(last["messages"].size(), 1u) << last["messages"].dump();
  EXPECT_EQ(last["messages"][0]["content"][0]["text"], "third");
  // A turn that does not exist is a clear error.
  std::string out = cli("--resume " + id + " --rewind 7", &rc);
  EXPECT_EQ(rc, 1);
}

}  // namespace
}  // namespace glassbox::agent
