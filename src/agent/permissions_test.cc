// PermissionPolicy: modes and allow/deny rules decide which calls run, which are denied, which ask.
#include "agent/permissions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace glassbox::agent {
namespace {

TEST(PermissionsTest, DefaultModeAsksForWritesAndAllowsReads) {
  PermissionPolicy p(PermissionMode::kDefault, "/repo");
  EXPECT_EQ(p.check("Read", "/repo/a.cc", true, false).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Edit", "/repo/a.cc", false, true).decision, Decision::kAsk);
  EXPECT_EQ(p.check("Bash", "ls", false, false).decision, Decision::kAsk);
}

TEST(PermissionsTest, AcceptEditsAllowsEditsButStillAsksForBash) {
  PermissionPolicy p(PermissionMode::kAcceptEdits, "/repo");
  EXPECT_EQ(p.check("Write", "/repo/a.cc", false, true).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Bash", "make", false, false).decision, Decision::kAsk);
}

TEST(PermissionsTest, PlanModeDeniesEveryToolThatChangesThings) {
  PermissionPolicy p(PermissionMode::kPlan, "/repo");
  ASSERT_TRUE(p.add_allow("Bash").ok());
  EXPECT_EQ(p.check("Bash", "ls", false, false).decision, Decision::kDeny);
  EXPECT_EQ(p.check("Grep", "/repo", true, false).decision, Decision::kAllow);
}

TEST(PermissionsTest, BashPrefixRulesMatchWholeWordsAndRefuseChaining) {
  PermissionPolicy p(PermissionMode::kDefault, "/repo");
  ASSERT_TRUE(p.add_allow("Bash(git status:*)").ok());
  EXPECT_EQ(p.check("Bash", "git status", false, false).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Bash", "git status --short", false, false).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Bash", "git statusx", false, false).decision, Decision::kAsk);
  EXPECT_EQ(p.check("Bash", "git status; rm -rf /", false, false).decision, Decision::kAsk);
  EXPECT_EQ(p.check("Bash", "git push", false, false).decision, Decision::kAsk);
}

TEST(PermissionsTest, PathRulesAreRelativeToTheProjectAndDenyWins) {
  PermissionPolicy p(PermissionMode::kDefault, "/repo");
  ASSERT_TRUE(p.add_allow("Edit(src/**)").ok());
  ASSERT_TRUE(p.add_deny("Edit(src/secret/**)").ok());
  EXPECT_EQ(p.check("Edit", "/repo/src/a/b.cc", false, true).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Write", "/repo/src/x.h", false, true).decision,
            Decision::kAllow);  // Edit covers Write
  EXPECT_EQ(p.check("Edit", "/repo/docs/a.md", false, true).decision, Decision::kAsk);
  EXPECT_EQ(p.check("Edit", "/other/src/a.cc", false, true).decision, Decision::kAsk);
  PermissionVerdict v = p.check("Edit", "/repo/src/secret/k", false, true);
  EXPECT_EQ(v.decision, Decision::kDeny);
  EXPECT_NE(v.reason.find("Edit(src/secret/**)"), std::string::npos);
}

TEST(PermissionsTest, BashDenyRulesCatchChainedCommands) {
  PermissionPolicy p(PermissionMode::kDefault, "/repo");
  ASSERT_TRUE(p.add_allow("Bash").ok());
  ASSERT_TRUE(p.add_deny("Bash(rm:*)").ok());
  EXPECT_EQ(p.check("Bash", "ls -la", false, false).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Bash", "rm -rf build", false, false).decision, Decision::kDeny);
  EXPECT_EQ(p.check("Bash", "ls && rm -rf build", false, false).decision, Decision::kDeny);
  EXPECT_EQ(p.check("Bash", "echo x | (rm -f y)", false, false).decision, Decision::kDeny);
  EXPECT_EQ(p.check("Bash", "echo $(rm y)", false, false).decision, Decision::kDeny);
  EXPECT_EQ(p.check("Bash", "rmdir old", false, false).decision, Decision::kAllow);
}

TEST(PermissionsTest, RejectsMalformedRules) {
  PermissionPolicy p;
  EXPECT_FALSE(p.add_allow("Bash(ls").ok());
  EXPECT_FALSE(p.add_allow("").ok());
  EXPECT_FALSE(parse_permission_mode("yolo").ok());
}

TEST(PermissionsTest, SplitsRuleListsKeepingParenthesesWhole) {
  auto rules = split_rule_list("Read,Edit(src/**) Bash(git log:*),Bash(npm run test)");
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[2], "Bash(git log:*)");
  EXPECT_EQ(rules[3], "Bash(npm run test)");
}

TEST(PermissionsTest, LoadsClaudeCompatibleSettingsAndNeverBypassFromAFile) {
  std::string dir = testing::TempDir() + "/perm_settings";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/settings.json")
      << R"J({"permissions":{"allow":["Bash(make:*)"],"deny":["Read(.env)"],"defaultMode":"bypassPermissions"}})J";
  PermissionPolicy p(PermissionMode::kDefault, "/repo");
  ASSERT_TRUE(p.load_settings_file(dir + "/settings.json", false).ok());
  EXPECT_EQ(p.mode(), PermissionMode::kDefault);
  EXPECT_EQ(p.check("Bash", "make test", false, false).decision, Decision::kAllow);
  EXPECT_EQ(p.check("Read", "/repo/.env", true, false).decision, Decision::kDeny);
  std::ofstream(dir + "/bad.json") << "{not json";
  Status bad = p.load_settings_file(dir + "/bad.json", false);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("bad.json"), std::string::npos);
}

}  // namespace
}  // namespace glassbox::agent
