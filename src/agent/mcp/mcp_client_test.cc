// McpClient against a hand-written stdio server (tests/agent/mcp/fake_server.py): pagination,
// server requests and notifications, and the failures that must become clear errors.
#include "agent/mcp/mcp_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "agent/mcp/mcp_config.h"
#include "agent/mcp/mcp_tool.h"
#include "agent/permissions.h"

namespace glassbox::agent::mcp {
namespace {

using nlohmann::json;

McpServerConfig fake(const std::string& mode, double call_timeout_s = 10) {
  McpServerConfig c;
  c.name = "fake";
  c.command = "/usr/bin/python3";
  c.args = {std::string(GLASSBOX_SOURCE_DIR) + "/tests/agent/mcp/fake_server.py", mode};
  c.call_timeout_s = call_timeout_s;
  c.startup_timeout_s = 10;
  c.source = "test";
  return c;
}

TEST(McpConfigTest, ParsesStdioAndHttpServers) {
  auto servers = parse_mcp_config(R"({"mcpServers": {
      "calc": {"command": "node", "args": ["server.mjs"], "env": {"A": "1"}, "timeout_ms": 5000},
      "web": {"type": "http", "url": "http://127.0.0.1:9/mcp", "headers": {"X-Key": "k"}}}})",
                                  ".mcp.json");
  ASSERT_TRUE(servers.ok()) << servers.status().message();
  ASSERT_EQ(servers->size(), 2u);
  EXPECT_EQ((*servers)[0].name, "calc");
  EXPECT_EQ((*servers)[0].kind, McpServerConfig::Kind::kStdio);
  EXPECT_EQ((*servers)[0].args, std::vector<std::string>{"server.mjs"});
  EXPECT_EQ((*servers)[0].env.at("A"), "1");
  EXPECT_DOUBLE_EQ((*servers)[0].call_timeout_s, 5.0);
  EXPECT_EQ((*servers)[1].kind, McpServerConfig::Kind::kHttp);
  EXPECT_EQ((*servers)[1].headers.at("X-Key"), "k");
}

TEST(McpConfigTest, RejectsMalformedEntriesNamingThem) {
  auto bad = parse_mcp_config(R"({"mcpServers": {"calc": {"args": []}}})", "a.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("a.json: mcpServers.calc"), std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(parse_mcp_config(R"({"mcpServers": {"x y": {"command": "a"}}})", "b").ok());
  EXPECT_FALSE(
      parse_mcp_config(R"({"mcpServers": {"w": {"type": "http", "url": "ftp://x"}}})", "c").ok());
  EXPECT_FALSE(parse_mcp_config("not json", "d").ok());
}

TEST(McpClientTest, FollowsPaginationAndAnswersServerPings) {
  auto c = McpClient::connect(fake("paged"), "/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ((*c)->tools().size(), 3u);
  EXPECT_EQ((*c)->tools()[2].name, "three.dot");
  EXPECT_EQ(mcp_tool_name("fake", (*c)->tools()[2].name), "mcp__fake__three_dot");
  auto r = (*c)->call_tool("one", {{"x", "hi"}}, nullptr);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->is_error);
  json echoed = json::parse(r->text);
  EXPECT_EQ(echoed["name"], "one");
  EXPECT_EQ(echoed["arguments"]["x"], "hi");
}

TEST(McpClientTest, GarbageOnStdoutIsAClearError) {
  auto c = McpClient::connect(fake("garbage"), "/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto r = (*c)->call_tool("one", json::object(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not JSON-RPC"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Traceback"), std::string::npos);
}

TEST(McpClientTest, AServerThatDiesReportsItsExitAndStderr) {
  auto c = McpClient::connect(fake("die"), "/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto r = (*c)->call_tool("one", json::object(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exited with status 3"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("fake server crashed"), std::string::npos);
  // Later calls fail at once with the same story, no hang and no SIGPIPE.
  auto again = (*c)->call_tool("one", json::object(), nullptr);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("not running"), std::string::npos);
}

TEST(McpClientTest, ASilentServerTimesOut) {
  auto c = McpClient::connect(fake("silent", 0.5), "/");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto t0 = std::chrono::steady_clock::now();
  auto r = (*c)->call_tool("one", json::object(), nullptr);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("did not answer tools/call"), std::string::npos)
      << r.status().message();
  EXPECT_LT(s, 5.0);
}

TEST(McpClientTest, JsonRpcErrorsAndBadHandshakesAreErrors) {
  auto c = McpClient::connect(fake("rpc_error"), "/");
  ASSERT_TRUE(c.ok());
  auto r = (*c)->call_tool("one", json::object(), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("error -32602: unknown tool"), std::string::npos)
      << r.status().message();
  auto bad = McpClient::connect(fake("bad_init"), "/");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("protocolVersion"), std::string::npos);
}

TEST(McpClientTest, AProgramThatCannotRunIsReportedAtConnect) {
  McpServerConfig c = fake("paged");
  c.command = "/nonexistent/mcp-server";
  auto r = McpClient::connect(c, "/");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot run '/nonexistent/mcp-server'"), std::string::npos)
      << r.status().message();
  McpConnections all = connect_mcp_servers({c, fake("paged")}, "/");
  EXPECT_EQ(all.clients.size(), 1u);
  ASSERT_EQ(all.errors.size(), 1u);
}

TEST(McpClientTest, RendersNonTextContentAsSummaries) {
  json result = {{"content",
                  {{{"type", "text"}, {"text", "hello"}},
                   {{"type", "image"}, {"data", "aGVsbG8h"}, {"mimeType", "image/png"}},
                   {{"type", "resource"}, {"resource", {{"uri", "file:///a.txt"}, {"text", "A"}}}},
                   {{"type", "resource_link"}, {"uri", "file:///b"}, {"name", "b"}}}}};
  EXPECT_EQ(render_tool_content(result),
            "hello\n[image: image/png, 6 bytes]\n[resource file:///a.txt]\nA\n[resource link "
            "file:///b (b)]");
  EXPECT_EQ(render_tool_content({{"content", json::array()}, {"structuredContent", {{"n", 1}}}}),
            "{\"n\":1}");
}

TEST(McpPermissionsTest, ServerAndToolRulesMatchMcpToolsAndDefaultModeAsks) {
  PermissionPolicy p(PermissionMode::kDefault, "/repo");
  EXPECT_EQ(p.check("mcp__calc__add", "", false, false).decision, Decision::kAsk);
  PermissionPolicy accept(PermissionMode::kAcceptEdits, "/repo");
  EXPECT_EQ(accept.check("mcp__calc__add", "", false, false).decision, Decision::kAsk);
  ASSERT_TRUE(p.add_allow("mcp__calc").ok());
  EXPECT_EQ(p.check("mcp__calc__add", "", false, false).decision, Decision::kAllow);
  EXPECT_EQ(p.check("mcp__calculator__add", "", false, false).decision, Decision::kAsk);
  ASSERT_TRUE(p.add_deny("mcp__calc__rm").ok());
  EXPECT_EQ(p.check("mcp__calc__rm", "", false, false).decision, Decision::kDeny);
  PermissionPolicy star(PermissionMode::kDefault, "/repo");
  ASSERT_TRUE(star.add_allow("mcp__web__*").ok());
  EXPECT_EQ(star.check("mcp__web__fetch", "", false, false).decision, Decision::kAllow);
  PermissionPolicy plan(PermissionMode::kPlan, "/repo");
  EXPECT_EQ(plan.check("mcp__calc__add", "", false, false).decision, Decision::kDeny);
}

}  // namespace
}  // namespace glassbox::agent::mcp
