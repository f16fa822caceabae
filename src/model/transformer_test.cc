// Tests for the forward pass on small random models written in-test (no fixtures needed).
#include "model/transformer.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <unistd.h>

#include <gtest/gtest.h>

#include "gguf/gguf_writer.h"
#include "model/architecture.h"

namespace glassbox::model {
namespace {

namespace fs = std::filesystem;

struct TinySpec {
  std::string arch = "llama";
  int d_model = 32, n_layers = 2, n_heads = 4, n_kv_heads = 2, d_ff = 48, vocab = 64;
  int sliding_window = 0;
  bool bias = false, qk_norm = false, tied = false;
  bool drop_tensor = false;
  std::string rope_scaling;     // "", "linear", "llama3"
  float rope_factor = 1.0f;
  bool rope_freqs_ones = false;  // add a rope_freqs.weight tensor of ones
};

std::vector<uint8_t> random_f32(int64_t n, std::mt19937& rng, float scale, float offset = 0) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
  for (int64_t i = 0; i < n; ++i) {
    float v = offset + dist(rng);
    std::memcpy(&bytes[i * 4], &v, 4);
  }
  return bytes;
}

std::string write_tiny_model(const TinySpec& s, const std::string& file_name) {
  gguf::GgufWriter w;
  std::mt19937 rng(42);
  const std::string a = s.arch;
  const int head_dim = s.d_model / s.n_heads;
  w.set_string("general.architecture", a);
  w.set_u32(a + ".embedding_length", s.d_model);
  w.set_u32(a + ".block_count", s.n_layers);
  w.set_u32(a + ".attention.head_count", s.n_heads);
  w.set_u32(a + ".attention.head_count_kv", s.n_kv_heads);
  w.set_u32(a + ".feed_forward_length", s.d_ff);
  w.set_u32(a + ".context_length", 64);
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", 1e-5f);
  w.set_f32(a + ".rope.freq_base", 10000.0f);
  if (s.sliding_window) w.set_u32(a + ".attention.sliding_window", s.sliding_window);
  if (!s.rope_scaling.empty()) {
    w.set_string(a + ".rope.scaling.type", s.rope_scaling);
    w.set_f32(a + ".rope.scaling.factor", s.rope_factor);
    w.set_u32(a + ".rope.scaling.original_context_length", 16);
  }
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float scale, float offset = 0) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    EXPECT_TRUE(w.add_tensor(name, tensor::DType::kF32, shape, random_f32(n, rng, scale, offset)).ok());
  };
  add("token_embd.weight", {s.d_model, s.vocab}, 1.0f);
  if (!s.tied) add("output.weight", {s.d_model, s.vocab}, 0.3f);
  add("output_norm.weight", {s.d_model}, 0.1f, 1.0f);
  for (int l = 0; l < s.n_layers; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm.weight", {s.d_model}, 0.1f, 1.0f);
    if (!(s.drop_tensor && l == 1)) add(b + "attn_q.weight", {s.d_model, s.d_model}, 0.3f);
    add(b + "attn_k.weight", {s.d_model, s.n_kv_heads * head_dim}, 0.3f);
    add(b + "attn_v.weight", {s.d_model, s.n_kv_heads * head_dim}, 0.3f);
    add(b + "attn_output.weight", {s.d_model, s.d_model}, 0.3f);
    if (s.bias) {
      add(b + "attn_q.bias", {s.d_model}, 0.5f);
      add(b + "attn_k.bias", {s.n_kv_heads * head_dim}, 0.5f);
      add(b + "attn_v.bias", {s.n_kv_heads * head_dim}, 0.5f);
    }
    if (s.qk_norm) {
      add(b + "attn_q_norm.weight", {head_dim}, 0.1f, 1.0f);
      add(b + "attn_k_norm.weight", {head_dim}, 0.1f, 1.0f);
    }
    add(b + "ffn_norm.weight", {s.d_model}, 0.1f, 1.0f);
    add(b + "ffn_gate.weight", {s.d_model, s.d_ff}, 0.3f);
    add(b + "ffn_up.weight", {s.d_model, s.d_ff}, 0.3f);
    add(b + "ffn_down.weight", {s.d_ff, s.d_model}, 0.3f);
  }
  if (s.rope_freqs_ones) add("rope_freqs.weight", {head_dim / 2}, 0.0f, 1.0f);  // last: keeps the other weights
  fs::path path = fs::temp_directory_path() / ("gb_model_test_" + std::to_string(getpid()) + "_" + file_name + ".gguf");
  EXPECT_TRUE(w.write(path.string()).ok());
  return path.string();
}

std::shared_ptr<const Model> load_or_die(const std::string& path) {
  auto m = Model::load(path);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : nullptr;
}

const std::vector<int32_t> kTokens = {1, 5, 9, 33, 2, 17, 60, 8, 8, 41, 3};

void expect_batch_matches_sequential(const TinySpec& spec, const std::string& name) {
  auto model = load_or_die(write_tiny_model(spec, name));
  ASSERT_NE(model, nullptr);
  ContextOptions opt;
  opt.n_threads = 2;
  opt.kv_dtype = tensor::DType::kF32;
  Context batch(model, opt), step(model, opt);
  std::vector<float> all, one;
  ASSERT_TRUE(batch.forward(kTokens, LogitsMode::kAll, &all).ok());
  const int64_t V = model->config().vocab_size;
  for (size_t t = 0; t < kTokens.size(); ++t) {
    ASSERT_TRUE(step.forward(std::span<const int32_t>(&kTokens[t], 1), LogitsMode::kLast, &one).ok());
    for (int64_t v = 0; v < V; ++v) ASSERT_NEAR(one[v], all[t * V + v], 1e-4) << "token " << t << " vocab " << v;
  }
}

TEST(TransformerTest, BatchAndTokenByTokenGiveSameLogits) { expect_batch_matches_sequential({}, "llama"); }

TEST(TransformerTest, Qwen2BiasesAndQwen3NormsKeepBatchEquivalence) {
  TinySpec q2;
  q2.arch = "qwen2";
  q2.bias = true;
  q2.tied = true;
  expect_batch_matches_sequential(q2, "qwen2");
  TinySpec q3;
  q3.arch = "qwen3";
  q3.qk_norm = true;
  q3.tied = true;
  expect_batch_matches_sequential(q3, "qwen3");
}

TEST(TransformerTest, ChunkedPromptMatchesSingleBatch) {
  auto model = load_or_die(write_tiny_model({}, "chunk"));
  ContextOptions a;
  a.kv_dtype = tensor::DType::kF32;
  ContextOptions b = a;
  b.max_batch = 3;
  Context ca(model, a), cb(model, b);
  std::vector<float> la, lb;
  ASSERT_TRUE(ca.forward(kTokens, LogitsMode::kAll, &la).ok());
  ASSERT_TRUE(cb.forward(kTokens, LogitsMode::kAll, &lb).ok());
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i < la.size(); ++i) ASSERT_NEAR(la[i], lb[i], 1e-4);
}

class RecordingObserver : public Observer {
 public:
  bool wants(SiteKind, int) const override { return true; }
  void on_activation(const Activation& a) override {
    names.push_back(*a.name);
    if (a.kind == SiteKind::kMlpOut && zero_mlp) {
      int64_t n = 1;
      for (auto d : a.shape) n *= d;
      std::fill(a.data, a.data + n, 0.0f);
    }
    if (a.kind == SiteKind::kAttnPattern) patterns.emplace_back(a.data, a.data + a.shape[0] * a.shape[1] * a.shape[2]);
    if (a.kind == SiteKind::kAttnPattern) pattern_shape = a.shape;
  }
  bool zero_mlp = false;
  std::vector<std::string> names;
  std::vector<std::vector<float>> patterns;
  std::vector<int64_t> pattern_shape;
};

TEST(TransformerTest, ObserverSeesEveryNamedSiteAndCanSteer) {
  auto model = load_or_die(write_tiny_model({}, "observer"));
  Context plain(model, {}), watched(model, {}), steered(model, {});
  RecordingObserver watch, steer;
  steer.zero_mlp = true;
  watched.set_observer(&watch);
  steered.set_observer(&steer);
  std::vector<float> l0, l1, l2;
  ASSERT_TRUE(plain.forward(kTokens, LogitsMode::kAll, &l0).ok());
  ASSERT_TRUE(watched.forward(kTokens, LogitsMode::kAll, &l1).ok());
  ASSERT_TRUE(steered.forward(kTokens, LogitsMode::kAll, &l2).ok());
  EXPECT_EQ(l0, l1);  // observing without writing changes nothing
  EXPECT_NE(l0, l2);  // writing to a site changes the rest of the pass
  for (const char* site : {"blk.0.resid_pre", "blk.0.attn.q", "blk.0.attn.pattern", "blk.0.attn_out", "blk.1.resid_mid",
                           "blk.1.mlp_in", "blk.1.mlp_out", "blk.1.resid_post", "final_norm", "logits"}) {
    EXPECT_NE(std::find(watch.names.begin(), watch.names.end(), site), watch.names.end()) << site;
  }
  // Attention rows are distributions over the causal prefix.
  ASSERT_FALSE(watch.patterns.empty());
  const auto& p = watch.patterns[0];
  const int64_t H = watch.pattern_shape[0], T = watch.pattern_shape[1], K = watch.pattern_shape[2];
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t t = 0; t < T; ++t) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        float v = p[(h * T + t) * K + k];
        if (k > t) EXPECT_EQ(v, 0.0f);
        sum += v;
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
}

TEST(TransformerTest, SlidingWindowLimitsAttentionSpan) {
  TinySpec s;
  s.sliding_window = 2;
  auto model = load_or_die(write_tiny_model(s, "window"));
  EXPECT_EQ(model->config().sliding_window, 2);
  Context ctx(model, {});
  RecordingObserver watch;
  ctx.set_observer(&watch);
  std::vector<float> logits;
  ASSERT_TRUE(ctx.forward(kTokens, LogitsMode::kLast, &logits).ok());
  const auto& p = watch.patterns[0];
  const int64_t T = watch.pattern_shape[1], K = watch.pattern_shape[2];
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t k = 0; k < K; ++k) {
      if (k < t - 1 || k > t) EXPECT_EQ(p[t * K + k], 0.0f) << t << "," << k;
    }
  }
}

TEST(TransformerTest, RejectsTokenOutsideVocabularyAndContextOverflow) {
  auto model = load_or_die(write_tiny_model({}, "errors"));
  ContextOptions opt;
  opt.n_ctx = 8;
  Context ctx(model, opt);
  std::vector<float> logits;
  std::vector<int32_t> bad = {1, 64};
  Status s = ctx.forward(bad, LogitsMode::kLast, &logits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("token id 64 at index 1"), std::string::npos) << s.message();
  s = ctx.forward(kTokens, LogitsMode::kLast, &logits);
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ctx.n_past(), 0);
}

TEST(TransformerTest, UnknownArchitectureListsSupportedOnes) {
  TinySpec s;
  s.arch = "gpt-j";
  auto m = Model::load(write_tiny_model(s, "gptj"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("architecture 'gpt-j' is not supported (supported: llama"), std::string::npos)
      << m.status().message();
}

TEST(TransformerTest, VocabularyOnlyFileIsAClearError) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string_array("tokenizer.ggml.tokens", {"a", "b"});
  fs::path path = fs::temp_directory_path() / ("gb_model_test_" + std::to_string(getpid()) + "_vocab.gguf");
  ASSERT_TRUE(w.write(path.string()).ok());
  auto m = Model::load(path.string());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("holds no tensors"), std::string::npos) << m.status().message();
}

TEST(TransformerTest, MissingTensorIsNamed) {
  TinySpec s;
  s.drop_tensor = true;
  auto m = Model::load(write_tiny_model(s, "missing"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("tensor 'blk.1.attn_q.weight' is missing"), std::string::npos)
      << m.status().message();
}

std::vector<float> last_logits(const TinySpec& spec, const std::string& name) {
  auto model = load_or_die(write_tiny_model(spec, name));
  Context ctx(model, {});
  std::vector<int32_t> tokens;
  for (int i = 0; i < 40; ++i) tokens.push_back((i * 7 + 3) % 64);
  std::vector<float> logits;
  EXPECT_TRUE(ctx.forward(tokens, LogitsMode::kLast, &logits).ok());
  return logits;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

TEST(TransformerTest, RopeScalingFollowsMetadata) {
  const auto plain = last_logits({}, "rope_plain");
  TinySpec identity;
  identity.rope_scaling = "llama3";
  identity.rope_factor = 1.0f;  // factor 1 leaves every frequency unchanged
  EXPECT_LT(max_abs_diff(plain, last_logits(identity, "rope_l3_1")), 1e-5);
  TinySpec ones;
  ones.rope_freqs_ones = true;  // rope_freqs.weight of ones: unchanged
  EXPECT_LT(max_abs_diff(plain, last_logits(ones, "rope_ones")), 1e-5);
  TinySpec llama3;
  llama3.rope_scaling = "llama3";
  llama3.rope_factor = 8.0f;
  EXPECT_GT(max_abs_diff(plain, last_logits(llama3, "rope_l3_8")), 1e-3);
  TinySpec linear;
  linear.rope_scaling = "linear";
  linear.rope_factor = 4.0f;
  EXPECT_GT(max_abs_diff(plain, last_logits(linear, "rope_linear")), 1e-3);
  TinySpec bogus;
  bogus.rope_scaling = "yarn-ish";
  auto m = Model::load(write_tiny_model(bogus, "rope_bogus"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("rope.scaling.type 'yarn-ish' is not supported"), std::string::npos);
}

TEST(TransformerTest, TruncateRewindsTheSequence) {
  auto model = load_or_die(write_tiny_model({}, "truncate"));
  Context ctx(model, {});
  std::vector<float> first, again;
  ASSERT_TRUE(ctx.forward(kTokens, LogitsMode::kLast, &first).ok());
  ctx.truncate(5);
  ASSERT_TRUE(ctx.forward(std::span<const int32_t>(kTokens).subspan(5), LogitsMode::kLast, &again).ok());
  ASSERT_EQ(first.size(), again.size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_NEAR(first[i], again[i], 1e-5);
}

}  // namespace
}  // namespace glassbox::model
