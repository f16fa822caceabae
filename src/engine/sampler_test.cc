// Tests for the Sampler.
#include "engine/sampler.h"

#include <limits>
#include <map>

#include <gtest/gtest.h>

namespace glassbox::engine {
namespace {

TEST(SamplerTest, GreedyPicksArgmax) {
  SamplingParams p;
  p.temperature = 0;
  Sampler s(p);
  std::vector<float> logits = {0.1f, 3.0f, 2.9f, -1.0f};
  EXPECT_EQ(s.sample(logits, {}), 1);
}

TEST(SamplerTest, RepeatPenaltyChangesGreedyChoice) {
  SamplingParams p;
  p.temperature = 0;
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  std::vector<float> logits = {0.1f, 3.0f, 2.9f, -1.0f};
  std::vector<int32_t> history = {1};
  EXPECT_EQ(s.sample(logits, history), 2);
}

TEST(SamplerTest, PresenceAndFrequencyPenaltiesSubtract) {
  SamplingParams p;
  p.temperature = 0;
  p.frequency_penalty = 0.5f;
  Sampler s(p);
  std::vector<float> logits = {2.0f, 2.4f};
  std::vector<int32_t> history = {1};
  EXPECT_EQ(s.sample(logits, history), 0);  // 2.4 - 0.5 < 2.0
}

TEST(SamplerTest, SameSeedSameChoices) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0;
  p.seed = 7;
  std::vector<float> logits(50);
  for (int i = 0; i < 50; ++i) logits[i] = static_cast<float>(i % 7) * 0.3f;
  Sampler a(p), b(p);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.sample(logits, {}), b.sample(logits, {}));
}

TEST(SamplerTest, TopKOneIsGreedy) {
  SamplingParams p;
  p.temperature = 5.0f;
  p.top_k = 1;
  Sampler s(p);
  std::vector<float> logits = {0.0f, 0.1f, 0.05f};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(s.sample(logits, {}), 1);
}

TEST(SamplerTest, TopPKeepsSmallestNucleus) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.min_p = 0;
  p.top_p = 0.5f;
  Sampler s(p);
  // token 0 holds ~0.88 of the mass: the nucleus for 0.5 is just token 0.
  std::vector<float> logits = {2.0f, 0.0f, 0.0f};
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.sample(logits, {}), 0);
}

TEST(SamplerTest, MinPDropsUnlikelyTokens) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.5f;
  Sampler s(p);
  std::vector<float> logits = {1.0f, 1.0f, -5.0f};
  std::map<int, int> seen;
  for (int i = 0; i < 200; ++i) seen[s.sample(logits, {})]++;
  EXPECT_EQ(seen.count(2), 0u);
  EXPECT_GT(seen[0], 40);
  EXPECT_GT(seen[1], 40);
}

TEST(SamplerTest, TemperatureSpreadsChoices) {
  SamplingParams p;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0;
  p.temperature = 1.0f;
  Sampler s(p);
  std::vector<float> logits = {0.0f, 0.0f, 0.0f, 0.0f};
  std::map<int, int> seen;
  for (int i = 0; i < 400; ++i) seen[s.sample(logits, {})]++;
  for (int t = 0; t < 4; ++t) EXPECT_GT(seen[t], 60) << t;
}

TEST(SamplerTest, ValidateRejectsBadValues) {
  SamplingParams p;
  p.top_p = 0;
  EXPECT_FALSE(p.validate().ok());
  p = {};
  p.temperature = -1;
  EXPECT_FALSE(p.validate().ok());
  EXPECT_TRUE(SamplingParams{}.validate().ok());
}

}  // namespace
}  // namespace glassbox::engine

namespace glassbox::engine {
namespace {

TEST(SamplerTest, NeverDrawsMaskedTokens) {
  // A constraint leaves two tokens; the rest are -inf. Top-k wider than the survivors, penalties on.
  std::vector<float> logits(50, -std::numeric_limits<float>::infinity());
  logits[7] = 0.3f;
  logits[41] = -1.0f;
  SamplingParams p;
  p.temperature = 1.5f;
  p.top_k = 40;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.3f;
  p.frequency_penalty = 0.5f;
  std::vector<int32_t> history = {1, 2, 3, 7};
  for (uint64_t seed = 0; seed < 200; ++seed) {
    p.seed = seed;
    Sampler s(p);
    int32_t t = s.sample(logits, history);
    EXPECT_TRUE(t == 7 || t == 41) << t;
  }
}

}  // namespace
}  // namespace glassbox::engine
