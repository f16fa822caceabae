// CheckpointStore: snapshots per turn, rewinding files (content, absence, mode), reloading.
#include "agent/checkpoint_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/mapped_file.h"

namespace glassbox::agent {
namespace {

namespace fs = std::filesystem;

class CheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::path(::testing::TempDir()) /
        ("ckpt_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "ws");
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string ws(const std::string& rel) { return (root_ / "ws" / rel).string(); }
  void put(const std::string& rel, const std::string& text) {
    std::ofstream(ws(rel), std::ios::binary) << text;
  }
  std::string get(const std::string& rel) { return *read_file_to_string(ws(rel)); }
  fs::path root_;
};

TEST_F(CheckpointStoreTest, RewindRestoresContentBeforeTheChosenTurn) {
  auto store = CheckpointStore::open((root_ / "ckpt").string());
  ASSERT_TRUE(store.ok()) << store.status().message();
  put("a.txt", "v1");
  ASSERT_TRUE((*store)->begin_turn("first", 0).ok());
  ASSERT_TRUE((*store)->snapshot(ws("a.txt")).ok());
  put("a.txt", "v2");
  ASSERT_TRUE((*store)->snapshot(ws("a.txt")).ok());  // the first snapshot of a turn wins
  put("a.txt", "v2b");
  ASSERT_TRUE((*store)->begin_turn("second", 2).ok());
  ASSERT_TRUE((*store)->snapshot(ws("a.txt")).ok());
  ASSERT_TRUE((*store)->snapshot(ws("new.txt")).ok());  // absent before turn 2
  put("a.txt", "v3");
  put("new.txt", "created");

  auto turns = (*store)->turns();
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[1].prompt, "second");
  EXPECT_EQ(turns[1].files.size(), 2u);

  auto r = (*store)->rewind_to(2);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message_index, 2u);
  EXPECT_EQ(get("a.txt"), "v2b");
  EXPECT_FALSE(fs::exists(ws("new.txt")));
  EXPECT_EQ(r->removed, std::vector<std::string>{ws("new.txt")});
  ASSERT_EQ((*store)->turns().size(), 1u);

  r = (*store)->rewind_to(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(get("a.txt"), "v1");
  EXPECT_EQ(r->message_index, 0u);
  EXPECT_TRUE((*store)->turns().empty());
  EXPECT_FALSE((*store)->rewind_to(1).ok());
}

TEST_F(CheckpointStoreTest, ReopenedStoreRewindsAndKeepsTheFileMode) {
  std::string dir = (root_ / "ckpt").string();
  put("run.sh", "#!/bin/sh\necho one\n");
  fs::permissions(ws("run.sh"), fs::perms(0755));
  {
    auto store = CheckpointStore::open(dir);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->begin_turn("edit the script", 3).ok());
    ASSERT_TRUE((*store)->snapshot(ws("run.sh")).ok());
  }
  fs::remove(ws("run.sh"));
  auto store = CheckpointStore::open(dir);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ((*store)->turns().size(), 1u);
  EXPECT_EQ((*store)->turns()[0].message_index, 3u);
  auto r = (*store)->rewind_to(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(get("run.sh"), "#!/bin/sh\necho one\n");
  EXPECT_EQ(fs::status(ws("run.sh")).permissions() & fs::perms::owner_exec, fs::perms::owner_exec);
}

TEST_F(CheckpointStoreTest, WorkspaceChangesFromACommandAreRecorded) {
  auto store = CheckpointStore::open((root_ / "ckpt").string());
  ASSERT_TRUE(store.ok());
  put("keep.txt", "same");
  put("change.txt", "before");
  put("gone.txt", "doomed");
  fs::create_directories(root_ / "ws" / ".git");
  ASSERT_TRUE((*store)->begin_turn("run a command", 0).ok());
  WorkspaceScan before = capture_workspace((root_ / "ws").string());
  EXPECT_EQ(before.files.size(), 3u);
  put("change.txt", "after, longer");
  fs::remove(ws("gone.txt"));
  put("born.txt", "new");
  auto missed = (*store)->record_changes(before, (root_ / "ws").string());
  ASSERT_TRUE(missed.ok());
  EXPECT_TRUE(missed->empty());
  EXPECT_EQ((*store)->turns()[0].files.size(), 3u);  // change, gone, born; not keep
  ASSERT_TRUE((*store)->rewind_to(1).ok());
  EXPECT_EQ(get("change.txt"), "before");
  EXPECT_EQ(get("gone.txt"), "doomed");
  EXPECT_FALSE(fs::exists(ws("born.txt")));
  EXPECT_EQ(get("keep.txt"), "same");
}

TEST_F(CheckpointStoreTest, RepeatedScansReuseUnchangedContentAndSeeChanges) {
  auto store = CheckpointStore::open((root_ / "ckpt").string());
  ASSERT_TRUE(store.ok());
  put("a.txt", "one");
  put("b.txt", "two");
  WorkspaceScan first = (*store)->scan_workspace((root_ / "ws").string());
  put("b.txt", "two, changed");
  WorkspaceScan second = (*store)->scan_workspace((root_ / "ws").string());
  EXPECT_EQ(first.files[ws("a.txt")].content.get(), second.files[ws("a.txt")].content.get());
  EXPECT_EQ(*second.files[ws("b.txt")].content, "two, changed");
}

TEST_F(CheckpointStoreTest, TurnsBeforeACompactionRestoreFilesButNotTheConversation) {
  std::string dir = (root_ / "ckpt").string();
  {
    auto store = CheckpointStore::open(dir);
    ASSERT_TRUE(store.ok());
    put("a.txt", "v1");
    ASSERT_TRUE((*store)->begin_turn("one", 0).ok());
    ASSERT_TRUE((*store)->snapshot(ws("a.txt")).ok());
    put("a.txt", "v2");
    ASSERT_TRUE((*store)->conversation_compacted().ok());
    ASSERT_TRUE((*store)->begin_turn("two", 2).ok());
  }
  auto store = CheckpointStore::open(dir);
  ASSERT_TRUE(store.ok());
  auto turns = (*store)->turns();
  ASSERT_EQ(turns.size(), 2u);
  EXPECT_EQ(turns[0].message_index, CheckpointTurn::kNotRewindable);
  EXPECT_EQ(turns[1].message_index, 2u);
  auto r = (*store)->rewind_to(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message_index, CheckpointTurn::kNotRewindable);
  EXPECT_EQ(get("a.txt"), "v1");
}

TEST_F(CheckpointStoreTest, FilesOverTheLimitAreReportedNotSilentlyLost) {
  auto store = CheckpointStore::open((root_ / "ckpt").string());
  ASSERT_TRUE(store.ok());
  put("big.bin", std::string(100, 'x'));
  ASSERT_TRUE((*store)->begin_turn("t", 0).ok());
  WorkspaceScan before = capture_workspace((root_ / "ws").string(), 100, 10, 1000);
  put("big.bin", std::string(200, 'y'));
  auto missed = (*store)->record_changes(before, (root_ / "ws").string());
  ASSERT_TRUE(missed.ok());
  EXPECT_EQ(*missed, std::vector<std::string>{ws("big.bin")});
}

}  // namespace
}  // namespace glassbox::agent
