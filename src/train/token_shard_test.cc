// Token shards: round trip, malformed files, and the batch sampler's determinism and shape.
#include "train/token_shard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <numeric>

namespace glassbox::train {
namespace {

std::string temp_path(const std::string& stem) {
  return ::testing::TempDir() + "/gb_" + stem + "_" + std::to_string(::getpid()) + ".tok";
}

TEST(TokenShardTest, RoundTripsTokensAboveOneByte) {
  const std::string path = temp_path("shard");
  const std::vector<int32_t> tokens = {0, 1, 255, 256, 4095, 65535, 7};
  ASSERT_TRUE(write_token_shard(path, tokens, 65536).ok());
  auto shard = TokenShard::open(path);
  ASSERT_TRUE(shard.ok()) << shard.status().to_string();
  ASSERT_EQ(shard->n_tokens(), 7);
  EXPECT_EQ(shard->vocab_size(), 65536);
  for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(shard->token(i), tokens[i]);
  std::remove(path.c_str());
}

TEST(TokenShardTest, RejectsBadTokensTruncationAndWrongMagic) {
  const std::string path = temp_path("bad");
  Status st = write_token_shard(path, std::vector<int32_t>{1, 2, 100}, 100);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("token 2 is 100"), std::string::npos) << st.message();

  ASSERT_TRUE(write_token_shard(path, std::vector<int32_t>{1, 2, 3}, 100).ok());
  ASSERT_EQ(::truncate(path.c_str(), kTokenShardHeaderBytes + 4), 0);
  auto truncated = TokenShard::open(path);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("header says 3 tokens"), std::string::npos)
      << truncated.status().message();

  FILE* f = std::fopen(path.c_str(), "wb");
  std::vector<uint8_t> junk(kTokenShardHeaderBytes, 0x41);
  std::fwrite(junk.data(), 1, junk.size(), f);
  std::fclose(f);
  auto wrong = TokenShard::open(path);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("magic"), std::string::npos);
  std::remove(path.c_str());
}

TEST(TokenShardTest, SamplerIsSeededAndTargetsAreInputsShiftedByOne) {
  // Token i of shard k is k * 1000 + i, so every window's origin is readable from its values.
  std::vector<std::string> paths;
  std::vector<TokenShard> shards;
  for (int k = 0; k < 3; ++k) {
    std::vector<int32_t> tokens(k == 1 ? 5 : 300);  // shard 1 is too short for a sequence of 16
    std::iota(tokens.begin(), tokens.end(), k * 1000);
    paths.push_back(temp_path("s" + std::to_string(k)));
    ASSERT_TRUE(write_token_shard(paths.back(), tokens, 4096).ok());
    auto s = TokenShard::open(paths.back());
    ASSERT_TRUE(s.ok());
    shards.push_back(std::move(*s));
  }
  std::vector<const TokenShard*> ptrs = {&shards[0], &shards[1], &shards[2]};
  auto a = BatchSampler::create(ptrs, 16, 42);
  auto b = BatchSampler::create(ptrs, 16, 42);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<int32_t> in_a(8 * 16), tg_a(8 * 16), in_b(8 * 16), tg_b(8 * 16);
  bool saw_shard[3] = {false, false, false};
  for (int round = 0; round < 20; ++round) {
    a->next(8, in_a.data(), tg_a.data());
    b->next(8, in_b.data(), tg_b.data());
    EXPECT_EQ(in_a, in_b);
    EXPECT_EQ(tg_a, tg_b);
    for (int row = 0; row < 8; ++row) {
      const int32_t first = in_a[row * 16];
      const int shard = first / 1000;
      saw_shard[shard] = true;
      for (int t = 0; t < 16; ++t) {
        EXPECT_EQ(in_a[row * 16 + t], first + t);
        EXPECT_EQ(tg_a[row * 16 + t], first + t + 1);
      }
      EXPECT_LE(first % 1000 + 16, 299);  // the last target is inside the shard
    }
  }
  EXPECT_TRUE(saw_shard[0] && saw_shard[2]);
  EXPECT_FALSE(saw_shard[1]);
  auto too_long = BatchSampler::create({&shards[1]}, 16, 1);
  EXPECT_FALSE(too_long.ok());
  for (const auto& p : paths) std::remove(p.c_str());
}

}  // namespace
}  // namespace glassbox::train
