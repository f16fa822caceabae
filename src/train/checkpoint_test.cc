// Checkpoints: resuming from one continues training bit-identically; mismatches are clear errors.
#include "train/checkpoint.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "train/safetensors.h"
#include "train/train_model.h"

namespace glassbox::train {
namespace {

TrainConfig tiny_config() {
  TrainConfig c;
  c.vocab_size = 64;
  c.d_model = 16;
  c.n_layers = 2;
  c.n_heads = 2;
  c.n_kv_heads = 1;
  c.d_ff = 32;
  c.ctx = 8;
  return c;
}

std::string temp_path(const std::string& stem) {
  return ::testing::TempDir() + "/gb_" + stem + "_" + std::to_string(::getpid()) + ".safetensors";
}

// Runs `steps` AdamW steps on fixed batches, returning the losses.
std::vector<double> run_steps(TrainModel<float>& model, AdamW& adamw, int first_step, int steps) {
  std::vector<double> losses;
  for (int s = first_step; s < first_step + steps; ++s) {
    std::mt19937 rng(s);
    std::vector<int32_t> in(2 * 8), tg(2 * 8);
    for (auto& t : in) t = rng() % 64;
    for (auto& t : tg) t = rng() % 64;
    losses.push_back(*model.forward(in.data(), tg.data(), 2, 8));
    model.params().zero_grad();
    model.backward(1.0f);
    adamw.step(model.params().values(), model.params().grads(), 1e-2, nullptr);
  }
  return losses;
}

TEST(CheckpointTest, ResumingContinuesBitIdentically) {
  auto a = TrainModel<float>::create(tiny_config(), nullptr);
  ASSERT_TRUE(a.ok());
  a->params().init_random(1);
  AdamW adamw_a(a->params().size(), AdamWOptions{});
  run_steps(*a, adamw_a, 0, 3);
  const std::string path = temp_path("ckpt");
  ASSERT_TRUE(save_checkpoint(path, a->params(), adamw_a, {{"data_position", "12345"}}).ok());
  const auto expected = run_steps(*a, adamw_a, 3, 3);

  auto b = TrainModel<float>::create(tiny_config(), nullptr);
  ASSERT_TRUE(b.ok());
  AdamW adamw_b(b->params().size(), AdamWOptions{});
  std::map<std::string, std::string> meta;
  const Status st = load_checkpoint(path, &b->params(), &adamw_b, &meta);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(adamw_b.steps_taken(), 3);
  EXPECT_EQ(meta["data_position"], "12345");
  EXPECT_EQ(run_steps(*b, adamw_b, 3, 3), expected);
  std::remove(path.c_str());
}

TEST(CheckpointTest, RejectsAnotherConfigAndNonCheckpoints) {
  auto a = TrainModel<float>::create(tiny_config(), nullptr);
  ASSERT_TRUE(a.ok());
  AdamW adamw(a->params().size(), AdamWOptions{});
  const std::string path = temp_path("ckpt_cfg");
  ASSERT_TRUE(save_checkpoint(path, a->params(), adamw).ok());
  TrainConfig other = tiny_config();
  other.d_ff = 48;
  ParamStore<float> p(other);
  AdamW adamw_other(p.size(), AdamWOptions{});
  Status st = load_checkpoint(path, &p, &adamw_other);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("d_ff is 32, the model has 48"), std::string::npos) << st.message();

  const float x = 1.0f;
  ASSERT_TRUE(write_safetensors_f32(path, {{"x", {1}, &x}}).ok());
  st = load_checkpoint(path, &a->params(), &adamw);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not a glassbox training checkpoint"), std::string::npos)
      << st.message();
  std::remove(path.c_str());
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A full disk, simulated by the file-size limit in a forked child (SIGXFSZ ignored, so the write
// fails with EFBIG instead of killing the process): the save is an error naming the file, and the
// previous checkpoint survives byte for byte, with no temporary file left beside it.
TEST(CheckpointTest, FailedWriteKeepsThePreviousCheckpoint) {
  auto a = TrainModel<float>::create(tiny_config(), nullptr);
  ASSERT_TRUE(a.ok());
  a->params().init_random(1);
  AdamW adamw(a->params().size(), AdamWOptions{});
  const std::string dir = ::testing::TempDir() + "/gb_ckpt_full_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/checkpoint.safetensors";
  ASSERT_TRUE(save_checkpoint(path, a->params(), adamw, {{"step", "1"}}).ok());
  const std::string before = file_bytes(path);
  ASSERT_GT(before.size(), 4096u);
  run_steps(*a, adamw, 0, 2);  // the state to save differs now

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    const Status st = save_checkpoint(path, a->params(), adamw, {{"step", "3"}});
    // 0: failed with a message naming the file; 1: failed without it; 2: did not fail.
    ::_exit(st.ok() ? 2 : (st.message().find(dir) != std::string::npos ? 0 : 1));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: the write did not fail; 1: the error does not name the file";
  EXPECT_EQ(file_bytes(path), before);
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir)) left.push_back(e.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{"checkpoint.safetensors"});
  // And it still loads.
  AdamW adamw_b(a->params().size(), AdamWOptions{});
  std::map<std::string, std::string> meta;
  ASSERT_TRUE(load_checkpoint(path, &a->params(), &adamw_b, &meta).ok());
  EXPECT_EQ(meta["step"], "1");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glassbox::train
