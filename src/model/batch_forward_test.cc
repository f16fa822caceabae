// Tests for Context::forward_batch: several sequences in one weight pass give each sequence the logits a
// single-sequence Context gives it for the same tokens.
#include <cmath>
#include <filesystem>
#include <map>
#include <unistd.h>

#include <gtest/gtest.h>

#include "kernels/kernel_table.h"

#include "model/synth/synth_model.h"
#include "model/transformer.h"

namespace glassbox::model {
namespace {

namespace fs = std::filesystem;

std::string write_synth(const std::string& shape, const std::string& type) {
  synth::SynthOptions o;
  o.shape = shape;
  o.type = type;
  o.pure = true;
  o.seed = 7;
  auto plan = synth::plan_synth(o);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  ThreadPool pool(2);
  auto writer = synth::make_synth_writer(*plan, pool);
  EXPECT_TRUE(writer.ok()) << writer.status().message();
  fs::path path = fs::temp_directory_path() /
                  ("gb_batch_test_" + std::to_string(getpid()) + "_" + shape + "_" + type + ".gguf");
  EXPECT_TRUE(writer->write(path.string()).ok());
  return path.string();
}

struct Chunk {
  int slot;
  std::vector<int32_t> tokens;
  LogitsMode mode;
};
// A step: chunks to run together, after truncating some slots ({slot, new length}).
struct Step {
  std::vector<std::pair<int, int64_t>> truncate;
  std::vector<Chunk> chunks;
};

std::vector<int32_t> tokens_from(int seed, int n, int64_t vocab) {
  std::vector<int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back(static_cast<int32_t>((seed * 131 + i * 37 + 11) % vocab));
  return t;
}

// Runs `steps` through one batched Context and, chunk by chunk, through one single-sequence Context per
// slot; compares every logit. Returns the largest difference relative to the largest logit magnitude.
double max_relative_difference(const std::shared_ptr<const Model>& model, const std::vector<Step>& steps,
                               int n_seq, int64_t gemm_decode_rows = 8) {
  ContextOptions opt;
  opt.n_threads = 2;
  opt.n_ctx = 128;
  ContextOptions batched_opt = opt;
  batched_opt.n_seq = n_seq;
  batched_opt.gemm_decode_rows = gemm_decode_rows;
  Context batched(model, batched_opt);
  std::vector<std::unique_ptr<Context>> single;
  for (int i = 0; i < n_seq; ++i) single.push_back(std::make_unique<Context>(model, opt));
  const int64_t V = model->config().vocab_size;
  double worst = 0;
  for (size_t si = 0; si < steps.size(); ++si) {
    const Step& step = steps[si];
    for (auto [slot, n] : step.truncate) {
      batched.truncate(slot, n);
      single[static_cast<size_t>(slot)]->truncate(n);
    }
    std::vector<SeqChunk> chunks;
    for (const Chunk& c : step.chunks) chunks.push_back({c.slot, c.tokens, c.mode});
    std::vector<float> got;
    EXPECT_TRUE(batched.forward_batch(chunks, &got).ok());
    size_t offset = 0;
    for (const Chunk& c : step.chunks) {
      std::vector<float> want;
      EXPECT_TRUE(single[static_cast<size_t>(c.slot)]->forward(c.tokens, c.mode, &want).ok());
      if (c.mode == LogitsMode::kNone) continue;
      EXPECT_LE(offset + want.size(), got.size());
      if (offset + want.size() > got.size()) return INFINITY;
      double scale = 1e-6;
      for (float v : want) scale = std::max(scale, static_cast<double>(std::fabs(v)));
      for (size_t i = 0; i < want.size(); ++i) {
        worst = std::max(worst, std::fabs(static_cast<double>(got[offset + i]) - want[i]) / scale);
      }
      offset += want.size();
    }
    EXPECT_EQ(offset, got.size()) << "step " << si;
    for (int slot = 0; slot < n_seq; ++slot) {
      EXPECT_EQ(batched.n_past(slot), single[static_cast<size_t>(slot)]->n_past()) << "step " << si;
    }
  }
  (void)V;
  return worst;
}

// Prefill chunks of different lengths beside one-token decode chunks, kAll and kNone chunks, and slots reused
// after truncation (a shared prefix kept, and a full reset).
std::vector<Step> mixed_schedule(int64_t vocab) {
  std::vector<Step> steps;
  steps.push_back({{}, {{0, tokens_from(1, 9, vocab), LogitsMode::kLast},
                        {1, tokens_from(2, 4, vocab), LogitsMode::kAll},
                        {2, tokens_from(3, 1, vocab), LogitsMode::kLast}}});
  steps.push_back({{}, {{0, {5}, LogitsMode::kLast}, {1, {7}, LogitsMode::kLast}, {2, tokens_from(4, 6, vocab), LogitsMode::kNone}}});
  steps.push_back({{}, {{2, tokens_from(5, 3, vocab), LogitsMode::kLast}, {0, {9}, LogitsMode::kLast}, {1, {11}, LogitsMode::kAll}}});
  steps.push_back({{{1, 2}}, {{1, tokens_from(6, 5, vocab), LogitsMode::kLast}, {0, {13}, LogitsMode::kLast}}});
  steps.push_back({{{2, 0}}, {{0, {17}, LogitsMode::kLast}, {1, {19}, LogitsMode::kLast}, {2, tokens_from(7, 12, vocab), LogitsMode::kAll}}});
  for (int i = 0; i < 4; ++i) {
    steps.push_back({{}, {{0, {static_cast<int32_t>(20 + i)}, LogitsMode::kLast},
                          {1, {static_cast<int32_t>(30 + i)}, LogitsMode::kLast},
                          {2, {static_cast<int32_t>(40 + i)}, LogitsMode::kLast}}});
  }
  return steps;
}

// The same arithmetic on the same rows: what a sequence sees must not depend on its neighbours. A bound of
// 1e-5 of the logit range leaves room only for float reassociation, not for a different kernel (the int16
// generation path differs from the float prompt path by ~1e-3).
constexpr double kTolerance = 1e-5;

TEST(BatchForwardTest, BatchedLogitsEqualSingleSequenceLogitsF32) {
  auto model = Model::load(write_synth("tiny", "f32"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_LE(max_relative_difference(*model, mixed_schedule((*model)->config().vocab_size), 3), kTolerance);
}

TEST(BatchForwardTest, BatchedLogitsEqualSingleSequenceLogitsQ8WithInt16Decode) {
  auto model = Model::load(write_synth("tiny", "q8_0"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_LE(max_relative_difference(*model, mixed_schedule((*model)->config().vocab_size), 3), kTolerance);
}

TEST(BatchForwardTest, BatchedLogitsEqualSingleSequenceLogitsQwen3Q4) {
  auto model = Model::load(write_synth("tiny-qwen3", "q4_0"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_LE(max_relative_difference(*model, mixed_schedule((*model)->config().vocab_size), 3), kTolerance);
}

TEST(BatchForwardTest, BatchedLogitsEqualSingleSequenceLogitsOnTheReferenceModel) {
  const fs::path path = fs::path(GLASSBOX_SHARED_DIR) / "reference" / "storyteller-16m-q8_0.gguf";
  if (!fs::exists(path)) GTEST_SKIP() << "reference model absent: " << path;
  auto model = Model::load(path.string());
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_LE(max_relative_difference(*model, mixed_schedule((*model)->config().vocab_size), 4), kTolerance);
}

// Ten sequences decoding together after prompts of different lengths.
std::vector<Step> wide_schedule(int64_t vocab, int n_seq) {
  std::vector<Step> steps(1);
  for (int slot = 0; slot < n_seq; ++slot) steps[0].chunks.push_back({slot, tokens_from(slot, 3 + slot, vocab), LogitsMode::kLast});
  for (int i = 0; i < 3; ++i) {
    Step step;
    for (int slot = 0; slot < n_seq; ++slot) step.chunks.push_back({slot, {static_cast<int32_t>(5 + slot + i)}, LogitsMode::kLast});
    steps.push_back(step);
  }
  return steps;
}

TEST(BatchForwardTest, ManyDecodeRowsExactWhenGemmDecodeIsOff) {
  auto model = Model::load(write_synth("tiny", "q8_0"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_LE(max_relative_difference(*model, wide_schedule((*model)->config().vocab_size, 10), 10, 0), kTolerance);
}

TEST(BatchForwardTest, ManyDecodeRowsThroughGemmStayClose) {
  // From gemm_decode_rows one-token rows take the float prompt kernels instead of int16 dots: close, not equal.
  auto model = Model::load(write_synth("tiny", "q8_0"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  const double diff = max_relative_difference(*model, wide_schedule((*model)->config().vocab_size, 10), 10, 8);
  EXPECT_LE(diff, 1e-3);
  // The reference table's prompt and generation kernels both accumulate exactly in double, so there the two
  // paths agree bit for bit and the difference cannot show which was taken.
  if (std::string(kernels::active_table().name) != "reference") EXPECT_GT(diff, 0.0) << "the gemm path was not taken";
}

TEST(BatchForwardTest, RejectsBadChunksWithoutComputing) {
  auto model = Model::load(write_synth("tiny", "f32"));
  ASSERT_TRUE(model.ok()) << model.status().message();
  ContextOptions opt;
  opt.n_threads = 1;
  opt.n_ctx = 8;
  opt.n_seq = 2;
  Context ctx(*model, opt);
  const std::vector<int32_t> one = {1}, nine = {1, 2, 3, 4, 5, 6, 7, 8, 9}, bad = {-1};
  std::vector<float> logits;
  std::vector<SeqChunk> twice = {{0, one, LogitsMode::kLast}, {0, one, LogitsMode::kLast}};
  auto s = ctx.forward_batch(twice, &logits);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("slot 0 appears twice"), std::string::npos) << s.message();
  std::vector<SeqChunk> out_of_range = {{2, one, LogitsMode::kLast}};
  EXPECT_FALSE(ctx.forward_batch(out_of_range, &logits).ok());
  std::vector<SeqChunk> too_long = {{1, one, LogitsMode::kLast}, {0, nine, LogitsMode::kLast}};
  s = ctx.forward_batch(too_long, &logits);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exceed the context of 8"), std::string::npos) << s.message();
  std::vector<SeqChunk> bad_token = {{1, bad, LogitsMode::kLast}};
  EXPECT_FALSE(ctx.forward_batch(bad_token, &logits).ok());
  EXPECT_EQ(ctx.n_past(0), 0);
  EXPECT_EQ(ctx.n_past(1), 0);
}

}  // namespace
}  // namespace glassbox::model
