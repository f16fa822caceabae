// The evaluation harness: the shipped task set is well formed (each hidden test fails on the
// starting workspace and passes with the reference solution), and `glassbox agent eval` scores
// a solved task as a pass and an untouched one as a fail, with turns and tokens, against the
// scripted server.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "agent/eval_harness.h"
#include "agent/testing/e2e_fixture.h"

namespace glassbox::agent::testing {
namespace {

std::string tasks_dir() { return std::string(GLASSBOX_SOURCE_DIR) + "/tests/agent_tasks"; }

TEST(AgentTasksTest, EveryShippedTaskFailsAsGivenAndPassesWithItsSolution) {
  auto tasks = load_eval_tasks(tasks_dir());
  ASSERT_TRUE(tasks.ok()) << tasks.status().message();
  ASSERT_GE(tasks->size(), 6u);
  for (const auto& t : *tasks) {
    SCOPED_TRACE(t.name);
    EXPECT_FALSE(t.prompt.empty());
    EXPECT_FALSE(fs::exists(fs::path(t.dir) / "workspace" / "test.sh"));  // the test stays hidden
    fs::path ws = fs::path(::testing::TempDir()) / ("task_" + t.name + std::to_string(getpid()));
    fs::remove_all(ws);
    fs::copy(fs::path(t.dir) / "workspace", ws, fs::copy_options::recursive);
    auto before =
        run_process({"bash", "-c", t.test_command}, ws.string(), {{"TASK_DIR", t.dir}}, 120, true);
    ASSERT_TRUE(before.ok());
    EXPECT_NE(before->exit_code, 0) << "the task is already solved:\n" << before->output;
    fs::copy(fs::path(t.dir) / "solution", ws,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    auto after =
        run_process({"bash", "-c", t.test_command}, ws.string(), {{"TASK_DIR", t.dir}}, 120, true);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->exit_code, 0) << "the reference solution fails:\n" << after->output;
    fs::remove_all(ws);
  }
}

TEST(AgentTasksTest, MalformedTaskFoldersAreNamedInTheError) {
  fs::path dir = fs::path(::testing::TempDir()) / ("bad_tasks_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "t1" / "workspace");
  std::ofstream(dir / "t1" / "task.json") << R"({"prompt": 3})";
  auto r = load_eval_tasks(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("t1/task.json"), std::string::npos) << r.status().message();
  fs::remove_all(dir / "t1");
  fs::create_directories(dir / "t2");
  std::ofstream(dir / "t2" / "task.md") << "do it";
  r = load_eval_tasks(dir.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("t2 has no workspace/"), std::string::npos);
  fs::remove_all(dir);
}

TEST_F(AgentE2eTest, EvalScoresASolvedTaskAsPassAndAnUntouchedOneAsFail) {
  std::string bin = std::string(GLASSBOX_BINARY_DIR) + "/bin/glassbox";
  if (!fs::exists(bin)) GTEST_SKIP() << "glassbox binary not built";
  fs::path tasks = repo_ / "tasks";
  for (const char* name : {"a-greeting", "b-greeting"}) {
    fs::create_directories(tasks / name / "workspace");
    std::ofstream(tasks / name / "workspace" / "greet.sh") << "echo helo\n";
    std::ofstream(tasks / name / "task.json")
        << json{{"prompt", "greet.sh should print hello"}}.dump();
    std::ofstream(tasks / name / "test.sh")
        << "[ ! -e test.sh ] && [ \"$(bash greet.sh)\" = hello ] && echo pass\n";
  }
  // Task a: the model fixes the file (a relative path: the workspace is a fresh temp dir).
  server_.plan_turn(
      "Fixing.", {{"e1", "Edit",
                   R"({"file_path": "greet.sh", "old_string": "helo", "new_string": "hello"})"}});
  server_.plan_turn("Done.");
  // Task b: the model does nothing.
  server_.plan_turn("I will leave it as it is.");
  std::string out_file = repo_.string() + "_home.json";
  std::string cmd = "'" + bin + "' agent eval '" + tasks.string() + "' --base-url " +
                    server_.base_url() + " --sandbox off --json --work-dir '" + repo_.string() +
                    "_home/work' > '" + out_file + "' 2>&1";
  int rc = WEXITSTATUS(std::system(cmd.c_str()));
  std::string out = *read_file_to_string(out_file);
  EXPECT_EQ(rc, 1) << out;  // not every task passed
  json report = json::parse(out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << out;
  EXPECT_EQ(report["total"], 2);
  EXPECT_EQ(report["passed"], 1);
  EXPECT_DOUBLE_EQ(report["pass_rate"].get<double>(), 0.5);
  ASSERT_EQ(report["tasks"].size(), 2u);
  EXPECT_EQ(report["tasks"][0]["name"], "a-greeting");
  EXPECT_EQ(report["tasks"][0]["passed"], true) << report.dump(2);
  EXPECT_EQ(report["tasks"][0]["subtype"], "success");
  EXPECT_EQ(report["tasks"][0]["num_turns"], 2);
  EXPECT_EQ(report["tasks"][0]["usage"]["input_tokens"], 200);
  EXPECT_EQ(report["tasks"][1]["passed"], false);
  EXPECT_EQ(report["tasks"][1]["num_turns"], 1);
  EXPECT_EQ(report["num_turns"], 3);
  EXPECT_EQ(report["usage"]["output_tokens"], 60);
  EXPECT_EQ(server_.unplayed(), 0u);
  // The task folders themselves are untouched.
  EXPECT_EQ(*read_file_to_string((tasks / "a-greeting" / "workspace" / "greet.sh").string()),
            "echo helo\n");
}

}  // namespace
}  // namespace glassbox::agent::testing
