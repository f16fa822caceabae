// SessionStore: transcripts survive a reload, and a torn or odd file does not break a resume.
#include "agent/session_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace glassbox::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/sessions_" + name + "_" + std::to_string(getpid());
  fs::remove_all(dir);
  return dir;
}

TEST(SessionStoreTest, ReloadsMessagesAndAnswersAnUnfinishedToolUse) {
  std::string dir = temp_dir("reload");
  std::string id;
  {
    auto store = SessionStore::create(dir);
    ASSERT_TRUE(store.ok()) << store.status().message();
    id = store->id();
    ASSERT_TRUE(store->append("user", {{"role", "user"}, {"content", "hi"}}, "/w").ok());
    ASSERT_TRUE(store
                    ->append("assistant",
                             {{"role", "assistant"},
                              {"content",
                               {{{"type", "tool_use"},
                                 {"id", "t1"},
                                 {"name", "Bash"},
                                 {"input", {{"command", "ls"}}}}}}},
                             "/w")
                    .ok());
  }
  std::ofstream(dir + "/" + id + ".jsonl", std::ios::app)
      << "5\n{\"type\":\"user\",\"message\":7}\n{\"torn";
  json messages;
  auto store = SessionStore::open(dir, id, &messages);
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_EQ(messages.size(), 3u) << messages.dump();
  EXPECT_EQ(messages[2]["role"], "user");
  EXPECT_EQ(messages[2]["content"][0]["tool_use_id"], "t1");
  EXPECT_TRUE(messages[2]["content"][0]["is_error"].get<bool>());
  auto latest = SessionStore::latest(dir);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, id);
  fs::remove_all(dir);
}

TEST(SessionStoreTest, RejectsIdsThatAreNotIds) {
  json messages;
  EXPECT_FALSE(SessionStore::open(temp_dir("ids"), "../../etc/passwd", &messages).ok());
  auto missing = SessionStore::open(temp_dir("ids"), "abc", &messages);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no session 'abc'"), std::string::npos);
  EXPECT_FALSE(SessionStore::latest(temp_dir("none")).ok());
}

TEST(SessionStoreTest, ProjectDirectoriesDifferByProjectAndHonourTheHome) {
  EXPECT_NE(project_sessions_dir("/h", "/a"), project_sessions_dir("/h", "/b"));
  EXPECT_EQ(project_sessions_dir("/h", "/a").rfind("/h/sessions/", 0), 0u);
}

}  // namespace
}  // namespace glassbox::agent
