// The interactive agent on a pseudo-terminal (tests/agent/pty_driver.py): the permission prompt
// shows the exact diff or command; an approved Edit is undone by /rewind; a denied Bash command
// reaches the model as a denial; /compact summarises on demand.
#include <sys/wait.h>

#include "agent/testing/e2e_fixture.h"

namespace glassbox::agent::testing {
namespace {

class AgentPtyTest : public AgentE2eTest {
 protected:
  // Runs `glassbox agent` interactively in the repository, following `script`; returns the exit
  // code and fills transcript_.
  int drive(const json& script) {
    std::string bin = std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox";
    std::string transcript = repo_.string() + "_home.tty";
    std::string cmd = "GLASSBOX_HOME='" + repo_.string() + "_home' /usr/bin/python3 '" +
                      std::string(GLASSBOX_SOURCE_DIR) + "/tests/agent/pty_driver.py' '" +
                      script.dump() + "' '" + transcript + "' '" + repo_.string() + "' -- '" + bin +
                      "' agent --sandbox off --context-window 0 --base-url " + server_.base_url() +
                      " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) driver_output_.append(buf, n);
    int rc = pclose(p);
    auto t = read_file_to_string(transcript);
    transcript_ = t.ok() ? *t : "";
    return WEXITSTATUS(rc);
  }
  void SetUp() override {
    AgentE2eTest::SetUp();
    if (!fs::exists(std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox"))
      GTEST_SKIP() << "glassbox binary not built";
  }
  std::string transcript_, driver_output_;
};

TEST_F(AgentPtyTest, ApprovedEditShowsTheDiffAndRewindRestoresTheFile) {
  write("calc.py", "def add(a, b):\n    return a - b\n");
  server_.plan_turn("", {{"e1", "Edit",
                          json{{"file_path", p("calc.py")},
                               {"old_string", "    return a - b"},
                               {"new_string", "    return a + b"}}
                              .dump()}});
  server_.plan_turn("Fixed the sign.");
  int rc = drive(json::array({{{"expect", "> "}},
                              {{"send", "fix add\n"}},
                              {{"expect", "Allow?"}},
                              {{"send", "y\n"}},
                              {{"expect", "Fixed the sign."}},
                              {{"expect", "> "}},
                              {{"send", "/rewind\n"}},
                              {{"expect", "Rewind to before which turn?"}},
                              {{"send", "1\n"}},
                              {{"expect", "rewound to before turn 1"}},
                              {{"expect", "> "}}}));
  ASSERT_EQ(rc, 0) << driver_output_ << transcript_;
  // The prompt showed the file and the exact lines removed and added.
  EXPECT_NE(transcript_.find("Edit wants to run"), std::string::npos) << transcript_;
  EXPECT_NE(transcript_.find(p("calc.py") + " at line 2"), std::string::npos) << transcript_;
  EXPECT_NE(transcript_.find("-     return a - b"), std::string::npos) << transcript_;
  EXPECT_NE(transcript_.find("+     return a + b"), std::string::npos) << transcript_;
  EXPECT_NE(transcript_.find("1. fix add  (1 file(s) changed)"), std::string::npos) << transcript_;
  EXPECT_NE(transcript_.find("restored " + p("calc.py")), std::string::npos) << transcript_;
  // The edit ran (its result went back), and the file is back to its content before turn 1.
  auto results = results_in_request(1);
  EXPECT_FALSE(results["e1"].value("is_error", false)) << results["e1"].dump();
  EXPECT_EQ(read("calc.py"), "def add(a, b):\n    return a - b\n");
}

TEST_F(AgentPtyTest, DeniedBashCommandReachesTheModelAsADenialAndCompactRuns) {
  server_.plan_turn("", {{"b1", "Bash", R"({"command": "touch made-by-agent"})"}});
  server_.plan_turn("Understood, not running it.");
  server_.plan_turn("SUMMARY-XYZ: the user refused touch.");
  int rc = drive(json::array({{{"expect", "> "}},
                              {{"send", "make a file\n"}},
                              {{"expect", "Allow?"}},
                              {{"send", "n\n"}},
                              {{"expect", "Understood, not running it."}},
                              {{"expect", "> "}},
                              {{"send", "/compact\n"}},
                              {{"expect", "compacted the conversation"}},
                              {{"expect", "> "}}}));
  ASSERT_EQ(rc, 0) << driver_output_ << transcript_;
  EXPECT_NE(transcript_.find("$ touch made-by-agent"), std::string::npos) << transcript_;
  EXPECT_FALSE(fs::exists(p("made-by-agent")));
  auto results = results_in_request(1);
  ASSERT_TRUE(results.count("b1"));
  EXPECT_TRUE(results["b1"].value("is_error", false));
  std::string content = results["b1"]["content"];
  EXPECT_NE(content.find("Permission denied"), std::string::npos) << content;
  EXPECT_NE(content.find("the user declined it"), std::string::npos) << content;
  // /compact sent one summary request (no tools) over the conversation so far.
  ASSERT_EQ(server_.requests().size(), 3u);
  json compact = json::parse(server_.requests()[2]);
  EXPECT_FALSE(compact.contains("tools"));
  EXPECT_NE(compact["messages"][0]["content"].get<std::string>().find("make a file"),
            std::string::npos);
}

TEST_F(AgentPtyTest, AProjectMcpServerStartsOnlyAfterTheUserApprovesIt) {
  write(
      ".mcp.json",
      json{
          {"mcpServers",
           {{"fake",
             {{"command", "/usr/bin/python3"},
              {"args",
               {std::string(GLASSBOX_SOURCE_DIR) + "/tests/agent/mcp/fake_server.py", "paged"}}}}}}}
          .dump());
  server_.plan_turn("first");
  server_.plan_turn("second");
  // "a": start it and remember the approval; the next session starts it without asking.
  int rc = drive(json::array({{{"expect", "wants to start the MCP server"}},
                              {{"expect", "Start it?"}},
                              {{"send", "a\n"}},
                              {{"expect", "> "}},
                              {{"send", "hi\n"}},
                              {{"expect", "first"}},
                              {{"expect", "> "}}}));
  ASSERT_EQ(rc, 0) << driver_output_ << transcript_;
  rc = drive(json::array(
      {{{"expect", "> "}}, {{"send", "hi again\n"}}, {{"expect", "second"}}, {{"expect", "> "}}}));
  ASSERT_EQ(rc, 0) << driver_output_ << transcript_;
  EXPECT_EQ(transcript_.find("Start it?"), std::string::npos) << transcript_;
  for (size_t i : {0, 1}) {
    bool offered = false;
    std::string names;
    json request = json::parse(server_.requests().at(i));
    for (const auto& tool : request["tools"]) {
      offered |= tool["name"] == "mcp__fake__three_dot";
      names += tool["name"].get<std::string>() + " ";
    }
    EXPECT_TRUE(offered) << "request " << i << " offered " << names;
  }
}

}  // namespace
}  // namespace glassbox::agent::testing
