// Plan parsing: the lead's format, run names, steps from budgets, and every validation error.
#include "scale/plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace glassbox::scale {
namespace {

const char* kPlan = R"({"name": "cpu-sweep-1", "data": "../shards",
 "defaults": {"ctx": 256, "batch": 32, "lr": 0.003, "warmup_frac": 0.05, "min_lr_frac": 0.1,
              "weight_decay": 0.1, "clip": 1.0, "seed": 1, "val_batches": 40},
 "shapes": {"d32L2": {"d_model": 32, "layers": 2, "heads": 2, "kv_heads": 2, "d_ff": 96},
            "d64L3": {"d_model": 64, "layers": 3, "heads": 4, "kv_heads": 4, "d_ff": 176},
            "d96L3": {"d_model": 96, "layers": 3, "heads": 4, "kv_heads": 4, "d_ff": 256}},
 "runs": [{"shape": "d32L2", "flops": 1e12}, {"shape": "d64L3", "flops": 3e12, "lr": 0.002}],
 "held_out": [{"shape": "d96L3", "flops": 3e13}]})";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kPlan;
  const size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

std::string error_of(const std::string& text) {
  auto p = parse_plan(text, "/tmp/plan", 4096);
  return p.ok() ? "" : p.status().message();
}

TEST(PlanTest, ParsesTheSweepFormat) {
  auto p = parse_plan(kPlan, "/tmp/sweep", 4096);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->name, "cpu-sweep-1");
  EXPECT_EQ(p->data_dir, "/tmp/shards");
  ASSERT_EQ(p->runs.size(), 3u);
  EXPECT_EQ(p->runs[0].name, "d32L2-C1e12");
  EXPECT_EQ(p->runs[1].name, "d64L3-C3e12");
  EXPECT_EQ(p->runs[2].name, "d96L3-C3e13");
  EXPECT_TRUE(p->runs[2].held_out);
  EXPECT_FALSE(p->runs[0].held_out);
  // As the lead's sweep recorded: d32L2 at 1e12 = 157856 params, 128 steps of 32 × 256.
  EXPECT_EQ(p->runs[0].params, 157856);
  EXPECT_EQ(p->runs[0].steps, 128);
  EXPECT_EQ(p->runs[0].tokens, 128 * 32 * 256);
  EXPECT_DOUBLE_EQ(p->runs[1].settings.lr, 0.002);
  EXPECT_DOUBLE_EQ(p->runs[0].settings.lr, 0.003);
  EXPECT_EQ(p->runs[0].settings.val_batches, 40);
  const auto args = train_arguments(*p, p->runs[1], "/tmp/sweep/runs/d64L3-C3e12", 2);
  const std::string joined = [&] {
    std::string s;
    for (const auto& a : args) s += a + " ";
    return s;
  }();
  EXPECT_NE(joined.find("--flops 3000000000000 "), std::string::npos) << joined;
  EXPECT_NE(joined.find("--lr 0.002 "), std::string::npos) << joined;
  EXPECT_NE(joined.find("--threads 2 "), std::string::npos) << joined;
}

TEST(PlanTest, RejectsImpossibleShapesAndBudgetsNamingTheEntry) {
  EXPECT_NE(
      error_of(with(R"({"shape": "d32L2", "flops": 1e12})", R"({"shape": "d40L2", "flops": 1e12})"))
          .find("runs[0]: unknown shape 'd40L2'"),
      std::string::npos);
  EXPECT_NE(error_of(with(R"("d_model": 32, "layers": 2, "heads": 2)",
                          R"("d_model": 32, "layers": 2, "heads": 3)"))
                .find("shapes.d32L2: d_model 32 is not divisible by heads 3"),
            std::string::npos);
  EXPECT_NE(error_of(with(R"("heads": 4, "kv_heads": 4, "d_ff": 176)",
                          R"("heads": 4, "kv_heads": 3, "d_ff": 176)"))
                .find("shapes.d64L3: heads 4 is not divisible by kv_heads 3"),
            std::string::npos);
  EXPECT_NE(error_of(with(R"("d_model": 32, "layers": 2, "heads": 2, "kv_heads": 2)",
                          R"("d_model": 36, "layers": 2, "heads": 4, "kv_heads": 2)"))
                .find("head_dim 9 (d_model / heads) is odd"),
            std::string::npos);
  EXPECT_NE(error_of(with(R"("flops": 3e12, "lr")", R"("flops": -3e12, "lr")"))
                .find("runs[1]: flops -3e+12 must be positive"),
            std::string::npos);
  const std::string tiny = error_of(with(R"("flops": 1e12})", R"("flops": 1e9})"));
  EXPECT_NE(tiny.find("runs[0] (d32L2-C1e09): the budget 1e+09 FLOPs is less than one step"),
            std::string::npos)
      << tiny;
  EXPECT_NE(error_of(with(R"([{"shape": "d96L3", "flops": 3e13}])",
                          R"([{"shape": "d32L2", "flops": 1e12}])"))
                .find("held_out[0] (d32L2-C1e12): duplicate run"),
            std::string::npos);
  EXPECT_NE(
      error_of(with(R"("clip": 1.0,)", R"("clipp": 1.0,)")).find("defaults: unknown key 'clipp'"),
      std::string::npos);
  EXPECT_NE(error_of("{not json").find("plan: "), std::string::npos);
}

TEST(PlanTest, MissingDataFolderIsAClearError) {
  const std::string dir = ::testing::TempDir() + "/gb_plan_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/plan.json";
  std::ofstream(path) << kPlan;
  auto p = load_plan(path);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("data folder"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("does not exist"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find(path), std::string::npos) << p.status().message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glassbox::scale
