// The MCP client against a real server built with the official @modelcontextprotocol/sdk
// (tests/agent/mcp/server.mjs, installed by the agent_mcp_sdk_install fixture), over stdio and
// streamable HTTP (SSE and JSON replies), driven by the agent with the scripted Messages server.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "agent/mcp/mcp_approvals.h"
#include "agent/mcp/mcp_client.h"
#include "agent/mcp/mcp_tool.h"
#include "agent/testing/e2e_fixture.h"

namespace glassbox::agent::testing {
namespace {

using mcp::McpClient;
using mcp::McpServerConfig;

std::string sdk_dir() { return std::string(GLASSBOX_BINARY_DIR) + "/agent-mcp"; }

bool sdk_installed() {
  return fs::exists(sdk_dir() + "/node_modules/@modelcontextprotocol/sdk/package.json") &&
         fs::exists(sdk_dir() + "/server.mjs");
}

#define SKIP_WITHOUT_SDK()                                        \
  if (!sdk_installed())                                           \
  GTEST_SKIP() << "the MCP SDK is not installed in " << sdk_dir() \
               << " (the agent_mcp_sdk_install fixture needs node and npm)"

McpServerConfig stdio_config() {
  McpServerConfig c;
  c.name = "calc";
  c.command = "node";
  c.args = {sdk_dir() + "/server.mjs"};
  c.source = "test";
  return c;
}

// `node server.mjs --http PORT_FILE [--json]` in the background; stopped in the destructor.
class HttpServer {
 public:
  explicit HttpServer(bool json_replies) {
    port_file_ = sdk_dir() + "/port-" + std::to_string(getpid()) + (json_replies ? "-json" : "");
    fs::remove(port_file_);
    pid_ = fork();
    if (pid_ == 0) {
      std::string script = sdk_dir() + "/server.mjs";
      if (json_replies) {
        execlp("node", "node", script.c_str(), "--http", port_file_.c_str(), "--json", nullptr);
      } else {
        execlp("node", "node", script.c_str(), "--http", port_file_.c_str(), nullptr);
      }
      _exit(127);
    }
    for (int i = 0; i < 300 && !fs::exists(port_file_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto port = read_file_to_string(port_file_);
    if (port.ok()) url_ = "http://127.0.0.1:" + *port + "/mcp";
  }
  ~HttpServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::error_code ec;
    fs::remove(port_file_, ec);
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string port_file_, url_;
};

class McpSdkTest : public AgentE2eTest {
 protected:
  void expect_calc_round_trip(McpClient* client);
};

// The model calls mcp__calc__add, mcp__calc__echo and mcp__calc__fail in one turn; each result
// goes back as the SDK server answered it.
void McpSdkTest::expect_calc_round_trip(McpClient* client) {
  McpSdkTest* t = this;
  ASSERT_EQ(client->tools().size(), 3u);
  EXPECT_EQ(client->server_info().value("name", ""), "calc");
  t->server_.plan_turn("Calling the calculator.",
                       {{"a1", "mcp__calc__add", R"({"a": 2, "b": 3})"},
                        {"e1", "mcp__calc__echo", R"({"text": "hi"})"},
                        {"f1", "mcp__calc__fail", R"({"why": "on purpose"})"}});
  t->server_.plan_turn("2 + 3 = 5.");
  t->extra_tools_ = mcp::make_mcp_tools(client);
  RunResult r = t->run("add 2 and 3");
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  // The tools were offered with the server's schema.
  json first = json::parse(t->server_.requests().at(0));
  bool offered = false;
  for (const auto& tool : first["tools"]) {
    if (tool["name"] == "mcp__calc__add") {
      offered = true;
      EXPECT_EQ(tool["input_schema"]["properties"]["a"]["type"], "number");
      EXPECT_EQ(tool["input_schema"]["required"], json::array({"a", "b"}));
    }
  }
  EXPECT_TRUE(offered) << first["tools"].dump();
  auto results = t->results_in_request(1);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results["a1"]["content"], "5");
  EXPECT_FALSE(results["a1"].value("is_error", false));
  EXPECT_EQ(results["e1"]["content"], "echo: hi\n[image: image/png, 5 bytes]");
  EXPECT_EQ(results["f1"]["content"], "failed: on purpose");
  EXPECT_TRUE(results["f1"].value("is_error", false));
}

TEST_F(McpSdkTest, StdioServerToolsRunThroughTheAgent) {
  SKIP_WITHOUT_SDK();
  auto c = McpClient::connect(stdio_config(), repo_.string());
  ASSERT_TRUE(c.ok()) << c.status().message();
  expect_calc_round_trip(c->get());
}

TEST_F(McpSdkTest, StreamableHttpServerWithSseReplies) {
  SKIP_WITHOUT_SDK();
  HttpServer http(false);
  ASSERT_FALSE(http.url().empty()) << "the SDK's HTTP server did not start";
  McpServerConfig cfg;
  cfg.name = "calc";
  cfg.kind = McpServerConfig::Kind::kHttp;
  cfg.url = http.url();
  auto c = McpClient::connect(cfg, "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  expect_calc_round_trip(c->get());
}

TEST_F(McpSdkTest, StreamableHttpServerWithJsonReplies) {
  SKIP_WITHOUT_SDK();
  HttpServer http(true);
  ASSERT_FALSE(http.url().empty()) << "the SDK's HTTP server did not start";
  McpServerConfig cfg;
  cfg.name = "calc";
  cfg.kind = McpServerConfig::Kind::kHttp;
  cfg.url = http.url();
  auto c = McpClient::connect(cfg, "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  // The stateful SDK server refuses requests without the session id it gave: a second call
  // proves the Mcp-Session-Id header is kept.
  auto r = (*c)->call_tool("add", {{"a", 40}, {"b", 2}}, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->text, "42");
  expect_calc_round_trip(c->get());
}

TEST_F(McpSdkTest, DefaultModeAsksBeforeAnMcpCallAndRulesAllowIt) {
  SKIP_WITHOUT_SDK();
  auto c = McpClient::connect(stdio_config(), repo_.string());
  ASSERT_TRUE(c.ok()) << c.status().message();
  server_.plan_turn("", {{"a1", "mcp__calc__add", R"({"a": 1, "b": 1})"}});
  server_.plan_turn("denied");
  extra_tools_ = mcp::make_mcp_tools(c->get());
  RunResult r = run("add", PermissionMode::kDefault);
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  ASSERT_EQ(r.permission_denials.size(), 1u);
  EXPECT_NE(results_in_request(1)["a1"]["content"].get<std::string>().find("Permission denied"),
            std::string::npos);
  server_.plan_turn("", {{"a2", "mcp__calc__add", R"({"a": 1, "b": 1})"}});
  server_.plan_turn("allowed");
  extra_tools_ = mcp::make_mcp_tools(c->get());
  allow_rules_ = {"mcp__calc"};
  r = run("add again", PermissionMode::kDefault);
  ASSERT_EQ(r.stop, StopKind::kEndTurn) << r.result;
  EXPECT_EQ(results_in_request(3)["a2"]["content"], "2");
}

TEST_F(McpSdkTest, CliStartsProjectServersOnlyOnceApprovedAndReportsBrokenOnes) {
  SKIP_WITHOUT_SDK();
  write(".mcp.json", json{{"mcpServers",
                           {{"calc", {{"command", "node"}, {"args", {sdk_dir() + "/server.mjs"}}}},
                            {"broken", {{"command", "/nonexistent/server"}}}}}}
                         .dump());
  std::string bin = std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox";
  auto agent = [&](const std::string& extra, std::string* err) {
    std::string cmd = "cd '" + repo_.string() + "' && GLASSBOX_HOME='" + repo_.string() +
                      "_home' '" + bin + "' agent -p 'add' --output-format json --sandbox off " +
                      "--allowed-tools mcp__calc --context-window 0 --base-url " +
                      server_.base_url() + " " + extra + " 2> '" + repo_.string() + "_home.err'";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    EXPECT_EQ(WEXITSTATUS(pclose(p)), 0) << out;
    *err = *read_file_to_string(repo_.string() + "_home.err");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return json::parse(out.substr(out.rfind('\n') + 1), nullptr, false);
  };
  // Headless, not approved: the project's servers do not start, and the run says why.
  server_.plan_turn("no tools");
  std::string err;
  json result = agent("", &err);
  EXPECT_EQ(result.value("result", ""), "no tools");
  EXPECT_NE(err.find("MCP server 'calc' from " + repo_.string() + "/.mcp.json is not approved"),
            std::string::npos)
      << err;
  json first = json::parse(server_.requests().at(0));
  ASSERT_GE(first["tools"].size(), 7u);
  for (const auto& tool : first["tools"])
    EXPECT_EQ(tool["name"].get<std::string>().rfind("mcp__", 0), std::string::npos);
  // Named explicitly with --mcp-config, they start; the broken one is reported, not fatal.
  server_.plan_turn("", {{"a1", "mcp__calc__add", R"({"a": 20, "b": 22})"}});
  server_.plan_turn("It is 42.");
  result = agent("--mcp-config '" + p(".mcp.json") + "'", &err);
  EXPECT_EQ(result.value("result", ""), "It is 42.");
  EXPECT_EQ(results_in_request(2)["a1"]["content"], "42");
  EXPECT_NE(err.find("MCP server 'broken'"), std::string::npos) << err;
  EXPECT_NE(err.find("cannot run '/nonexistent/server'"), std::string::npos) << err;
}

TEST(McpApprovalsTest, AnApprovalCoversExactlyTheApprovedEntry) {
  fs::path home = fs::path(::testing::TempDir()) / ("mcp_home_" + std::to_string(getpid()));
  fs::remove_all(home);
  mcp::McpApprovals approvals(home.string());
  McpServerConfig c = stdio_config();
  EXPECT_FALSE(*approvals.approved("/repo", c));
  ASSERT_TRUE(approvals.approve("/repo", c).ok());
  EXPECT_TRUE(*approvals.approved("/repo", c));
  EXPECT_FALSE(*approvals.approved("/other", c));
  McpServerConfig changed = c;
  changed.args.push_back("--evil");
  EXPECT_FALSE(*approvals.approved("/repo", changed));
  std::ofstream(home / "mcp-approvals.json") << "[]";
  EXPECT_FALSE(approvals.approved("/repo", c).ok());
  fs::remove_all(home);
}

}  // namespace
}  // namespace glassbox::agent::testing
