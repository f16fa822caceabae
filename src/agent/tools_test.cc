// Built-in tools: behaviour on good input and clear errors on bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/sandbox.h"
#include "agent/tool.h"
#include "base/mapped_file.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class ToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::path(::testing::TempDir()) /
        ("tools_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ctx_.project_root = dir_.string();
    ctx_.cwd = dir_.string();
    for (auto& t : make_builtin_tools()) tools_[t->name()] = std::move(t);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  ToolOutput run(const std::string& tool, const json& input) {
    return tools_.at(tool)->run(input, ctx_);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel, std::ios::binary) << text;
  }
  std::string read(const std::string& rel) { return *read_file_to_string((dir_ / rel).string()); }
  std::string path(const std::string& rel) { return (dir_ / rel).string(); }

  fs::path dir_;
  ToolContext ctx_;
  std::map<std::string, std::unique_ptr<Tool>> tools_;
};

TEST_F(ToolsTest, EveryToolHasAnObjectSchema) {
  for (const auto& [name, tool] : tools_) {
    json s = tool->input_schema();
    EXPECT_EQ(s["type"], "object") << name;
    EXPECT_TRUE(s["required"].is_array()) << name;
  }
  EXPECT_EQ(tools_.size(), 7u);
}

TEST_F(ToolsTest, ReadNumbersLinesLikeCatN) {
  write("a.txt", "one\ntwo\r\nthree\n");
  ToolOutput out = run("Read", {{"file_path", path("a.txt")}});
  EXPECT_FALSE(out.is_error);
  EXPECT_EQ(out.content, "     1\tone\n     2\ttwo\n     3\tthree\n");
  out = run("Read", {{"file_path", path("a.txt")}, {"offset", 2}, {"limit", 1}});
  EXPECT_EQ(out.content.substr(0, 11), "     2\ttwo\n");
  EXPECT_NE(out.content.find("offset 3"), std::string::npos);
}

TEST_F(ToolsTest, ReadRefusesBinariesAndMissingFilesClearly) {
  write("b.bin", std::string("\x7f"
                             "ELF\0\0\x01",
                             7));
  ToolOutput out = run("Read", {{"file_path", path("b.bin")}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("binary"), std::string::npos);
  out = run("Read", {{"file_path", path("nope.txt")}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("does not exist"), std::string::npos);
  out = run("Read", json::object());
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("file_path"), std::string::npos);
}

TEST_F(ToolsTest, ReadCapsHugeOutputAndSaysWhereToContinue) {
  std::string big;
  for (int i = 0; i < 1000; ++i) big += std::string(1000, 'x') + "\n";
  write("big.txt", big);
  ToolOutput out = run("Read", {{"file_path", path("big.txt")}});
  EXPECT_FALSE(out.is_error);
  EXPECT_LT(out.content.size(), 130000u);
  EXPECT_NE(out.content.find("read on with offset 121"), std::string::npos)
      << out.content.substr(out.content.size() - 200);
}

TEST_F(ToolsTest, WriteCreatesParentDirectories) {
  ToolOutput out = run("Write", {{"file_path", path("deep/er/c.txt")}, {"content", "hi\n"}});
  EXPECT_FALSE(out.is_error) << out.content;
  EXPECT_EQ(read("deep/er/c.txt"), "hi\n");
}

TEST_F(ToolsTest, EditReplacesAUniqueMatchKeepingTabs) {
  write("m.c", "int f() {\n\treturn 1;\n}\n");
  ToolOutput out = run(
      "Edit",
      {{"file_path", path("m.c")}, {"old_string", "\treturn 1;"}, {"new_string", "\treturn 2;"}});
  EXPECT_FALSE(out.is_error) << out.content;
  EXPECT_EQ(read("m.c"), "int f() {\n\treturn 2;\n}\n");
}

TEST_F(ToolsTest, EditSaysHowManyMatchesWhenNotUnique) {
  write("d.txt", "x = 1\nx = 1\nx = 1\n");
  ToolOutput out =
      run("Edit", {{"file_path", path("d.txt")}, {"old_string", "x = 1"}, {"new_string", "x = 2"}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("matches 3 places"), std::string::npos) << out.content;
  EXPECT_EQ(read("d.txt"), "x = 1\nx = 1\nx = 1\n");
  out = run("Edit", {{"file_path", path("d.txt")},
                     {"old_string", "x = 1"},
                     {"new_string", "x = 2"},
                     {"replace_all", true}});
  EXPECT_FALSE(out.is_error);
  EXPECT_EQ(read("d.txt"), "x = 2\nx = 2\nx = 2\n");
}

TEST_F(ToolsTest, EditReportsMissingTextAndMissingFile) {
  write("e.txt", "hello\n");
  ToolOutput out =
      run("Edit", {{"file_path", path("e.txt")}, {"old_string", "bye"}, {"new_string", "x"}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("not found"), std::string::npos);
  out = run("Edit", {{"file_path", path("gone.txt")}, {"old_string", "a"}, {"new_string", "b"}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("does not exist"), std::string::npos);
  EXPECT_FALSE(fs::exists(path("gone.txt")));
}

TEST_F(ToolsTest, EditKeepsCrlfLineEndings) {
  write("w.txt", "a\r\nb\r\nc\r\n");
  ToolOutput out =
      run("Edit", {{"file_path", path("w.txt")}, {"old_string", "a\nb"}, {"new_string", "a\nB"}});
  EXPECT_FALSE(out.is_error) << out.content;
  EXPECT_EQ(read("w.txt"), "a\r\nB\r\nc\r\n");
}

TEST_F(ToolsTest, BashKeepsTheWorkingDirectoryAcrossCalls) {
  fs::create_directories(dir_ / "sub");
  ToolOutput out = run("Bash", {{"command", "cd sub && echo moved"}});
  EXPECT_FALSE(out.is_error) << out.content;
  out = run("Bash", {{"command", "pwd"}});
  EXPECT_EQ(out.content, fs::canonical(dir_ / "sub").string() + "\n");
}

TEST_F(ToolsTest, BashReportsExitCodes) {
  ToolOutput out = run("Bash", {{"command", "echo oops >&2; exit 3"}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("oops"), std::string::npos);
  EXPECT_NE(out.content.find("Exit code 3"), std::string::npos);
}

TEST_F(ToolsTest, BashKillsTheProcessGroupOnTimeout) {
  auto t0 = std::chrono::steady_clock::now();
  ToolOutput out =
      run("Bash", {{"command", "sleep 300 & echo $! > child.pid; wait"}, {"timeout", 500}});
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("timed out after 500 ms"), std::string::npos) << out.content;
  EXPECT_LT(s, 10.0);
  pid_t child = std::stoi(read("child.pid"));
  for (int i = 0; i < 100 && kill(child, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(kill(child, 0), 0) << "background child survived the timeout";
}

TEST_F(ToolsTest, BashTruncatesHugeOutputKeepingHeadAndTail) {
  ctx_.max_output_chars = 2000;
  ToolOutput out = run("Bash", {{"command", "echo FIRST; seq 1 100000; echo LAST"}});
  EXPECT_FALSE(out.is_error);
  EXPECT_LT(out.content.size(), 2200u);
  EXPECT_EQ(out.content.rfind("FIRST", 0), 0u);
  EXPECT_NE(out.content.find("LAST"), std::string::npos);
  EXPECT_NE(out.content.find("truncated"), std::string::npos);
}

TEST_F(ToolsTest, GlobMatchesDoubleStarNewestFirst) {
  write("src/a.cc", "");
  write("src/x/b.cc", "");
  write("src/x/c.h", "");
  write("top.cc", "");
  auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  fs::last_write_time(path("src/a.cc"), old);
  ToolOutput out = run("Glob", {{"pattern", "src/**/*.cc"}});
  EXPECT_EQ(out.content, path("src/x/b.cc") + "\n" + path("src/a.cc") + "\n");
  out = run("Glob", {{"pattern", "**/*.{h,cc}"}, {"path", path("src/x")}});
  EXPECT_NE(out.content.find("c.h"), std::string::npos);
  EXPECT_NE(out.content.find("b.cc"), std::string::npos);
}

TEST_F(ToolsTest, GrepSupportsModesContextAndGlob) {
  write("a.cc", "int main() {\n  return FOO;\n}\n");
  write("b.h", "#define FOO 1\n");
  write("c.txt", "foo lower\n");
  ToolOutput out = run("Grep", {{"pattern", "FOO"}});
  EXPECT_NE(out.content.find("Found 2 files"), std::string::npos) << out.content;
  out = run("Grep", {{"pattern", "FOO"}, {"glob", "*.cc"}, {"output_mode", "content"}, {"-B", 1}});
  EXPECT_EQ(out.content, path("a.cc") + "-1-int main() {\n" + path("a.cc") + ":2:  return FOO;\n");
  out = run("Grep", {{"pattern", "foo"}, {"-i", true}, {"output_mode", "count"}});
  EXPECT_NE(out.content.find("c.txt:1"), std::string::npos);
  out = run("Grep", {{"pattern", "(unclosed"}});
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("invalid regular expression"), std::string::npos);
  out = run("Grep", {{"pattern", "\\bFOO\\b"}, {"head_limit", 1}, {"output_mode", "content"}});
  EXPECT_NE(out.content.find("1 more not shown"), std::string::npos) << out.content;
}

TEST_F(ToolsTest, GrepFiltersByTypeAndMatchesAcrossLines) {
  write("a.py", "def f():\n    return 1\n");
  write("b.cc", "int f() {\n  return 1;\n}\n");
  ToolOutput out = run("Grep", {{"pattern", "return"}, {"type", "py"}});
  EXPECT_NE(out.content.find("a.py"), std::string::npos);
  EXPECT_EQ(out.content.find("b.cc"), std::string::npos);
  out = run("Grep",
            {{"pattern", "f\\(\\) \\{.*return"}, {"multiline", true}, {"output_mode", "content"}});
  EXPECT_EQ(out.content, path("b.cc") + ":1:int f() {\n" + path("b.cc") + ":2:  return 1;\n");
  out = run("Grep", {{"pattern", "x"}, {"type", "cobol"}});
  EXPECT_TRUE(out.is_error);
}

TEST_F(ToolsTest, TodoWriteKeepsTheListAndValidatesStatus) {
  ToolOutput out =
      run("TodoWrite",
          {{"todos",
            {{{"content", "Fix bug"}, {"status", "in_progress"}, {"activeForm", "Fixing bug"}},
             {{"content", "Run tests"}, {"status", "pending"}, {"activeForm", "Running tests"}}}}});
  EXPECT_FALSE(out.is_error);
  ASSERT_EQ(ctx_.todos.size(), 2u);
  EXPECT_EQ(ctx_.todos[0].active_form, "Fixing bug");
  EXPECT_NE(out.content.find("[~] Fix bug"), std::string::npos);
  out = run("TodoWrite", {{"todos", {{{"content", "x"}, {"status", "done"}}}}});
  EXPECT_TRUE(out.is_error);
  EXPECT_EQ(ctx_.todos.size(), 2u);
}

TEST_F(ToolsTest, EditKeepsTheFileMode) {
  write("run.sh", "#!/bin/sh\necho one\n");
  fs::permissions(path("run.sh"), fs::perms::owner_all);
  ToolOutput out =
      run("Edit", {{"file_path", path("run.sh")}, {"old_string", "one"}, {"new_string", "two"}});
  EXPECT_FALSE(out.is_error) << out.content;
  EXPECT_EQ(fs::status(path("run.sh")).permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
}

TEST_F(ToolsTest, BashStopsWhenTheUserInterrupts) {
  std::atomic<bool> interrupted{false};
  ctx_.interrupted = &interrupted;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    interrupted = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  ToolOutput out = run("Bash", {{"command", "sleep 60"}});
  stopper.join();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  EXPECT_TRUE(out.is_error);
  EXPECT_NE(out.content.find("interrupted"), std::string::npos);
}

TEST_F(ToolsTest, SandboxedBashWritesOnlyInsideTheWorkspaceAndHasNoNetwork) {
  fs::path tmp = dir_ / "scratch";
  fs::create_directories(tmp);
  SandboxOptions opts;
  opts.workspace = dir_.string();
  opts.extra_writable = {tmp.string()};
  auto prefix = make_sandbox_prefix(opts);
  if (!prefix.ok())
    GTEST_SKIP() << prefix.status().message();  // the message says why bwrap cannot start
  ctx_.sandbox_argv = *prefix;
  ctx_.temp_dir = tmp.string();
  // Outside both the workspace and /tmp (which is a private tmpfs inside the sandbox).
  std::string outside =
      std::string(GLASSBOX_BINARY_DIR) + "/gb_sandbox_escape_" + std::to_string(getpid());
  ToolOutput out =
      run("Bash", {{"command", "echo in > inside.txt && cd / && (echo out > '" + outside +
                                   "' 2>/dev/null && echo ESCAPED || echo blocked)"}});
  EXPECT_NE(out.content.find("blocked"), std::string::npos) << out.content;
  EXPECT_FALSE(fs::exists(outside));
  EXPECT_EQ(read("inside.txt"), "in\n");
  EXPECT_EQ(ctx_.get_cwd(), "/");  // cd is still tracked inside the sandbox
  ctx_.cwd = dir_.string();
  // /proc/net/dev lists the interfaces of the reader's network namespace: only loopback in a new
  // one.
  out = run("Bash", {{"command", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"}});
  EXPECT_EQ(out.content, "lo\n");
}

TEST(TruncateMiddleTest, LeavesShortTextAlone) {
  EXPECT_EQ(truncate_middle("abc", 10), "abc");
  std::string t = truncate_middle(std::string(100, 'a') + std::string(100, 'b'), 20);
  EXPECT_EQ(t.substr(0, 10), std::string(10, 'a'));
  EXPECT_EQ(t.substr(t.size() - 10), std::string(10, 'b'));
}

}  // namespace
}  // namespace glassbox::agent
