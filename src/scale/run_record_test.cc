// runs.jsonl: round trip, the lead's sweep lines, line-numbered errors, atomic append.
#include "scale/run_record.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "base/mapped_file.h"

namespace glassbox::scale {
namespace {

const char* kLine =
    R"({"name": "d32L2-C1e12", "shape": "d32L2", "d_model": 32, "layers": 2, "heads": 2, "kv_heads": 2, "d_ff": 96, "flops": 1000000000000.0, "held_out": false, "params": 157856, "tokens": 1048576, "steps": 128, "batch": 32, "ctx": 256, "lr": 0.003, "val_loss": 6.204394, "train_loss": 6.298345, "seconds": 54.895, "tokens_per_s": 19101.3})";

TEST(RunRecordTest, ParsesSweepLinesAndRoundTrips) {
  auto runs = parse_runs_jsonl(std::string(kLine) + "\n\n", "runs.jsonl");
  ASSERT_TRUE(runs.ok()) << runs.status().to_string();
  ASSERT_EQ(runs->size(), 1u);
  const RunRecord& r = (*runs)[0];
  EXPECT_EQ(r.name, "d32L2-C1e12");
  EXPECT_EQ(r.params, 157856);
  EXPECT_EQ(r.tokens, 1048576);
  EXPECT_DOUBLE_EQ(r.flops, 1e12);
  EXPECT_DOUBLE_EQ(r.val_loss, 6.204394);
  EXPECT_EQ(r.d_ff, 96);
  auto again = parse_runs_jsonl(run_record_json(r), "x");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(run_record_json((*again)[0]), run_record_json(r));
  EXPECT_EQ(run_record_json(r).rfind(R"({"name":"d32L2-C1e12","shape":"d32L2","d_model":32,)", 0),
            0u);
}

TEST(RunRecordTest, BadLinesNameTheLine) {
  const std::string good = std::string(kLine) + "\n";
  auto e1 = parse_runs_jsonl(good + "{\"name\": \"x\"\n", "runs.jsonl");
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.status().message().rfind("runs.jsonl:2: ", 0), 0u) << e1.status().message();
  std::string no_loss = kLine;
  no_loss.replace(no_loss.find("\"val_loss\""), 10, "\"vl\"");
  auto e2 = parse_runs_jsonl(good + good + no_loss, "runs.jsonl");
  ASSERT_FALSE(e2.ok());
  EXPECT_EQ(e2.status().message(), "runs.jsonl:3: 'val_loss' is missing");
  std::string neg = kLine;
  neg.replace(neg.find("157856"), 6, "-5");
  auto e3 = parse_runs_jsonl(neg, "f");
  ASSERT_FALSE(e3.ok());
  EXPECT_NE(e3.status().message().find("f:1: 'params' is -5"), std::string::npos)
      << e3.status().message();
  auto e4 = parse_runs_jsonl("[1, 2]", "f");
  ASSERT_FALSE(e4.ok());
  EXPECT_EQ(e4.status().message(), "f:1: not a JSON object");
}

TEST(RunRecordTest, AppendKeepsEarlierLines) {
  const std::string path =
      ::testing::TempDir() + "/gb_runs_" + std::to_string(::getpid()) + ".jsonl";
  std::remove(path.c_str());
  RunRecord r;
  r.name = "a";
  r.flops = 1e12;
  r.params = 10;
  r.tokens = 20;
  r.val_loss = 3;
  ASSERT_TRUE(append_run_record(path, r).ok());
  r.name = "b";
  ASSERT_TRUE(append_run_record(path, r).ok());
  auto runs = read_runs_jsonl(path);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].name, "b");
  std::remove(path.c_str());
  EXPECT_EQ(run_name("d96L3", 3e13), "d96L3-C3e13");
  EXPECT_EQ(run_name("x", 1e9), "x-C1e09");  // %.0e keeps two exponent digits
  EXPECT_EQ(run_name("x", 2.5e12), "x-C2e12");
}

}  // namespace
}  // namespace glassbox::scale
