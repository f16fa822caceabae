// Tests for attend(): the tiled online-softmax attention against a float64 naive attention over the same cache
// rows, on every kernel table this machine runs, F16 and F32 caches, odd sizes around the tile edges.
#include "model/attention.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace glassbox::model {
namespace {

struct ChunkSize {
  int64_t n_past;
  int64_t n_tokens;
};

struct Case {
  int64_t n_heads, n_kv_heads, head_dim, head_dim_v;
  int64_t window;
  std::vector<ChunkSize> chunks;  // one slot each, all in one step
  float q_scale = 1.0f;           // larger: peakier softmax, the running max moves more between tiles
};

constexpr int kLayer = 1;  // not the first layer, so a wrong layer offset shows

ModelConfig config_for(const Case& c) {
  ModelConfig config;
  config.n_layers = 2;
  config.n_heads = c.n_heads;
  config.n_kv_heads = c.n_kv_heads;
  config.head_dim = c.head_dim;
  config.head_dim_v = c.head_dim_v;
  config.sliding_window = c.window;
  return config;
}

struct Filled {
  std::vector<KvCache> caches;
  std::vector<std::vector<float>> q, out;
  std::vector<AttentionChunk> chunks;
};

// Random caches (both layers, so that reading the wrong layer changes the result) and queries. Keys drift
// with position so that the running max rises and falls across tiles.
Filled fill(const Case& c, tensor::DType dtype, uint32_t seed) {
  const ModelConfig config = config_for(c);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Filled f;
  f.caches.reserve(c.chunks.size());
  for (const ChunkSize& size : c.chunks) {
    const int64_t n_kv = size.n_past + size.n_tokens;
    f.caches.emplace_back(config, n_kv + 3, dtype);
    std::vector<float> k(static_cast<size_t>(config.kv_width())), v(static_cast<size_t>(config.v_width()));
    for (int layer = 0; layer < 2; ++layer) {
      for (int64_t pos = 0; pos < n_kv; ++pos) {
        const float drift = std::sin(static_cast<float>(pos) * 0.05f);
        for (float& x : k) x = u(rng) + drift;
        for (float& x : v) x = u(rng);
        f.caches.back().store(layer, pos, k.data(), v.data());
      }
    }
    f.q.emplace_back(static_cast<size_t>(size.n_tokens * config.q_width()));
    for (float& x : f.q.back()) x = u(rng) * c.q_scale;
    f.out.emplace_back(static_cast<size_t>(size.n_tokens * c.n_heads * c.head_dim_v), NAN);
  }
  for (size_t i = 0; i < c.chunks.size(); ++i) {
    f.chunks.push_back({&f.caches[i], c.chunks[i].n_past, c.chunks[i].n_tokens, f.q[i].data(), f.out[i].data()});
  }
  return f;
}

// Float64 attention over the cache rows as stored (load_key/load_value), the plain definition.
// out: [n_tokens, n_heads * head_dim_v]; probs: [n_heads, n_tokens, n_kv].
void naive(const Case& c, const AttentionChunk& chunk, std::vector<double>* out, std::vector<double>* probs) {
  const int64_t n_kv = chunk.n_past + chunk.n_tokens, group = c.n_heads / c.n_kv_heads;
  const int64_t hd = c.head_dim, hdv = c.head_dim_v, kv_w = c.n_kv_heads * hd, v_w = c.n_kv_heads * hdv;
  std::vector<float> keys(static_cast<size_t>(n_kv * kv_w)), values(static_cast<size_t>(n_kv * v_w));
  for (int64_t j = 0; j < n_kv; ++j) {
    chunk.cache->load_key(kLayer, j, keys.data() + j * kv_w);
    chunk.cache->load_value(kLayer, j, values.data() + j * v_w);
  }
  out->assign(static_cast<size_t>(chunk.n_tokens * c.n_heads * hdv), 0.0);
  probs->assign(static_cast<size_t>(c.n_heads * chunk.n_tokens * n_kv), 0.0);
  for (int64_t h = 0; h < c.n_heads; ++h) {
    const int64_t kv_h = h / group;
    for (int64_t t = 0; t < chunk.n_tokens; ++t) {
      const int64_t pos = chunk.n_past + t;
      const int64_t lo = c.window > 0 ? std::max<int64_t>(0, pos - c.window + 1) : 0;
      std::vector<double> s(static_cast<size_t>(n_kv), 0.0);
      double mx = -INFINITY;
      for (int64_t j = lo; j <= pos; ++j) {
        double dot = 0;
        for (int64_t i = 0; i < hd; ++i) {
          dot += static_cast<double>(chunk.q[t * c.n_heads * hd + h * hd + i]) * keys[j * kv_w + kv_h * hd + i];
        }
        s[j] = dot / std::sqrt(static_cast<double>(hd));
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int64_t j = lo; j <= pos; ++j) sum += std::exp(s[j] - mx);
      double* p = probs->data() + (h * chunk.n_tokens + t) * n_kv;
      for (int64_t j = lo; j <= pos; ++j) p[j] = std::exp(s[j] - mx) / sum;
      double* o = out->data() + t * c.n_heads * hdv + h * hdv;
      for (int64_t j = lo; j <= pos; ++j) {
        for (int64_t d = 0; d < hdv; ++d) o[d] += p[j] * values[j * v_w + kv_h * hdv + d];
      }
    }
  }
}

std::string describe(const Case& c, const kernels::KernelTable& table, tensor::DType dtype) {
  std::string s = std::string(table.name) + " " + std::string(tensor::dtype_name(dtype)) + " heads " +
                  std::to_string(c.n_heads) + "/" + std::to_string(c.n_kv_heads) + " head_dim " +
                  std::to_string(c.head_dim) + "/" + std::to_string(c.head_dim_v) + " window " +
                  std::to_string(c.window) + " chunks";
  for (const ChunkSize& size : c.chunks) s += " (" + std::to_string(size.n_past) + "+" + std::to_string(size.n_tokens) + ")";
  return s;
}

// Every chunk of the case in one attend() call, on every table and both cache types; each chunk's outputs are
// also bit-identical to those of a call with that chunk alone (the split into tasks depends on the chunk only).
void expect_matches_naive(const Case& c, int n_threads = 2) {
  ThreadPool pool(n_threads);
  const AttentionShape shape{c.n_heads, c.n_kv_heads, c.head_dim, c.head_dim_v, c.window};
  for (const kernels::KernelTable* table : kernels::supported_tables()) {
    for (tensor::DType dtype : {tensor::DType::kF16, tensor::DType::kF32}) {
      SCOPED_TRACE(describe(c, *table, dtype));
      Filled f = fill(c, dtype, 17);
      attend(shape, kLayer, f.chunks, pool, *table);
      for (size_t i = 0; i < f.chunks.size(); ++i) {
        std::vector<double> want, probs;
        naive(c, f.chunks[i], &want, &probs);
        double worst = 0;
        for (size_t k = 0; k < want.size(); ++k) worst = std::max(worst, std::abs(want[k] - f.out[i][k]));
        EXPECT_LT(worst, 2e-5) << "chunk " << i;  // outputs are averages of values in [-1, 1]
      }
      if (f.chunks.size() > 1) {
        for (size_t i = 0; i < f.chunks.size(); ++i) {
          std::vector<float> alone(f.out[i].size(), NAN);
          AttentionChunk chunk = f.chunks[i];
          chunk.out = alone.data();
          attend(shape, kLayer, std::span<const AttentionChunk>(&chunk, 1), pool, *table);
          EXPECT_EQ(alone, f.out[i]) << "chunk " << i << " alone";
        }
      }
    }
  }
}

// Around the kv tile (256 positions) and the query tile (128 rows: 128 / group tokens).
const std::vector<ChunkSize> kOddSizes = {
    {0, 1},      // n_kv 1
    {1, 1},      // n_kv 2
    {0, 7},      // n_kv 7, several tokens
    {120, 9},    // n_kv 129
    {248, 7},    // n_kv 255 = tile - 1
    {0, 256},    // n_kv 256 = tile, several query tiles
    {256, 1},    // n_kv 257 = tile + 1, one-token decode after a full tile
    {300, 131},  // n_kv 431, several query tiles and kv tiles
};

TEST(AttentionTest, MatchesNaiveWithoutGrouping) {
  expect_matches_naive({4, 4, 64, 64, 0, kOddSizes});
}

TEST(AttentionTest, MatchesNaiveWithGroupsOfThree) {
  expect_matches_naive({6, 2, 48, 48, 0, kOddSizes});
}

TEST(AttentionTest, MatchesNaiveWithGroupsOfFourAndWiderValues) {
  expect_matches_naive({8, 2, 80, 64, 0, kOddSizes});
}

TEST(AttentionTest, MatchesNaiveWithOneKvHeadAndPeakyScores) {
  Case c{9, 1, 64, 64, 0, kOddSizes};
  c.q_scale = 12.0f;  // scores of tens: e^(m - m') far from 1 when a later tile holds a larger score
  expect_matches_naive(c);
}

TEST(AttentionTest, MatchesNaiveWithSlidingWindow) {
  // Windows shorter than a tile, between one and two tiles, and longer than some sequences.
  for (int64_t window : {1, 5, 100, 255, 300}) {
    expect_matches_naive({6, 2, 64, 64, window, kOddSizes});
  }
}

// Chunks of one or two tokens take the decode tasks (every head, whole cache rows); long ones are split into
// segments whose partial results are merged.
TEST(AttentionTest, DecodeChunksMatchNaive) {
  expect_matches_naive({6, 2, 48, 48, 0, {{0, 2}, {5, 2}, {127, 2}, {300, 1}}});
  expect_matches_naive({8, 2, 80, 64, 9, {{0, 2}, {5, 2}, {127, 2}, {300, 1}}});
}

TEST(AttentionTest, LongDecodeSplitIntoSegmentsMatchesNaive) {
  expect_matches_naive({8, 2, 64, 64, 0, {{4000, 1}}});
  expect_matches_naive({6, 3, 48, 48, 0, {{3000, 1}, {2600, 2}, {10, 1}}}, 1);
  expect_matches_naive({8, 2, 80, 64, 2100, {{5000, 2}}});
  Case peaky{9, 1, 64, 64, 0, {{4500, 1}}};
  peaky.q_scale = 12.0f;  // segments with very different maxima
  expect_matches_naive(peaky);
}

TEST(AttentionTest, SingleThreadGivesTheSameOutputs) {
  expect_matches_naive({6, 3, 64, 64, 0, {{3, 70}, {300, 1}}}, 1);
}

// The probabilities (observers' attn.pattern) of one chunk: the naive softmax, and exactly zero where masked;
// the outputs are those of an unobserved call.
TEST(AttentionTest, PatternIsTheSoftmaxAndZeroWhereMasked) {
  ThreadPool pool(2);
  for (int64_t window : {0, 50}) {
    for (const ChunkSize& size : std::vector<ChunkSize>{{0, 1}, {0, 9}, {130, 70}, {0, 200}}) {
      const Case c{6, 2, 48, 48, window, {size}, 4.0f};
      const AttentionShape shape{c.n_heads, c.n_kv_heads, c.head_dim, c.head_dim_v, c.window};
      for (const kernels::KernelTable* table : kernels::supported_tables()) {
        SCOPED_TRACE(describe(c, *table, tensor::DType::kF16));
        Filled f = fill(c, tensor::DType::kF16, 5);
        const int64_t n_kv = size.n_past + size.n_tokens;
        std::vector<float> pattern(static_cast<size_t>(c.n_heads * size.n_tokens * n_kv), NAN);
        attend(shape, kLayer, f.chunks, pool, *table, pattern.data());
        std::vector<double> want, probs;
        naive(c, f.chunks[0], &want, &probs);
        for (size_t k = 0; k < probs.size(); ++k) {
          if (probs[k] == 0.0) {
            ASSERT_EQ(pattern[k], 0.0f) << "masked entry " << k;
          } else {
            ASSERT_NEAR(pattern[k], probs[k], 1e-5 + 1e-4 * probs[k]) << "entry " << k;
          }
        }
        double worst = 0;
        for (size_t k = 0; k < want.size(); ++k) worst = std::max(worst, std::abs(want[k] - f.out[0][k]));
        EXPECT_LT(worst, 2e-5);
        // Observing does not change the outputs, not even in the last bit.
        Filled unobserved = fill(c, tensor::DType::kF16, 5);
        attend(shape, kLayer, unobserved.chunks, pool, *table);
        ASSERT_EQ(unobserved.out[0], f.out[0]);
      }
    }
  }
}

}  // namespace
}  // namespace glassbox::model
