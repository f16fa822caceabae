// Export round trip: the inference engine (model::Context) loads the exported GGUF and computes the
// same logits as TrainModel's forward pass.
#include "train/gguf_export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "gguf/gguf_file.h"
#include "model/transformer.h"
#include "train/train_model.h"

namespace glassbox::train {
namespace {

TEST(GgufExportTest, InferenceEngineReproducesTrainingLogits) {
  TrainConfig c;
  c.vocab_size = 96;
  c.d_model = 32;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.d_ff = 64;
  c.ctx = 16;
  auto model = TrainModel<float>::create(c, nullptr);
  ASSERT_TRUE(model.ok());
  // Larger-than-init weights and non-unit norms, so that every tensor's placement and orientation
  // matters.
  std::mt19937 rng(5);
  for (int64_t i = 0; i < model->params().size(); ++i)
    model->params().values()[i] = std::normal_distribution<float>(0.0f, 0.3f)(rng);
  for (const ParamInfo& info : model->params().infos())
    if (info.shape.size() == 1)
      for (int64_t i = 0; i < info.numel; ++i) model->params().value(info)[i] += 1.0f;

  const int64_t seq = 11;
  std::vector<int32_t> tokens(seq), targets(seq, 0);
  for (auto& t : tokens) t = rng() % c.vocab_size;
  ASSERT_TRUE(model->forward(tokens.data(), targets.data(), 1, seq).ok());
  std::vector<float> train_logits(model->logits(), model->logits() + seq * c.vocab_size);

  const std::string path =
      ::testing::TempDir() + "/gb_train_export_" + std::to_string(::getpid()) + ".gguf";
  ASSERT_TRUE(export_gguf(model->params(), path, {"tiny"}).ok());
  auto loaded = model::Model::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)->config().vocab_size, c.vocab_size);
  EXPECT_EQ((*loaded)->config().n_kv_heads, c.n_kv_heads);
  model::ContextOptions options;
  options.n_threads = 1;
  options.kv_dtype = tensor::DType::kF32;
  model::Context ctx(*loaded, options);
  std::vector<float> engine_logits;
  ASSERT_TRUE(ctx.forward(tokens, model::LogitsMode::kAll, &engine_logits).ok());
  ASSERT_EQ(engine_logits.size(), train_logits.size());
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < train_logits.size(); ++i) {
    max_diff = std::max(max_diff, double(std::abs(engine_logits[i] - train_logits[i])));
    max_ref = std::max(max_ref, double(std::abs(train_logits[i])));
  }
  std::printf("engine vs trainer logits: max |diff| %.3g, relative %.3g\n", max_diff,
              max_diff / max_ref);
  EXPECT_LT(max_diff / max_ref, 1e-4);
  std::remove(path.c_str());
}

// The engine's logits for `tokens` from a GGUF file.
std::vector<float> engine_logits(const std::string& path, const std::vector<int32_t>& tokens) {
  auto loaded = model::Model::load(path);
  EXPECT_TRUE(loaded.ok()) << loaded.status().to_string();
  if (!loaded.ok()) return {};
  model::ContextOptions options;
  options.n_threads = 1;
  options.kv_dtype = tensor::DType::kF32;
  model::Context ctx(*loaded, options);
  std::vector<float> logits;
  EXPECT_TRUE(ctx.forward(tokens, model::LogitsMode::kAll, &logits).ok());
  return logits;
}

// Q8_0 and F16 exports load and stay close to the F32 export. Measured on this model (13 tokens,
// logits up to about 14): max |Δlogit| / max |logit| is 6.7e-4 for F16 and 1.7e-2 for Q8_0 (the
// expected size: Q8_0 rounds each weight to 1/254 of its block's largest, about 0.5% rms, and the
// tied embedding is also the output head); the bounds leave 2-3× that.
TEST(GgufExportTest, QuantizedExportsStayCloseToF32) {
  TrainConfig c;
  c.vocab_size = 96;
  c.d_model = 64;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.d_ff = 96;
  c.ctx = 16;
  ParamStore<float> params(c);
  // Weights at a trained network's scale (matrices N(0, 1/sqrt(fan_in)), embedding N(0, 0.4), norms
  // near 1), so that errors are not amplified by a chaotic random network.
  std::mt19937 rng(11);
  for (const ParamInfo& info : params.infos()) {
    float* v = params.value(info);
    const bool norm = info.shape.size() == 1, emb = info.name == "emb.weight";
    const float sd = norm ? 0.1f : emb ? 0.4f : 1.0f / std::sqrt(float(info.shape[1]));
    for (int64_t i = 0; i < info.numel; ++i)
      v[i] = (norm ? 1.0f : 0.0f) + std::normal_distribution<float>(0.0f, sd)(rng);
  }
  std::vector<int32_t> tokens(13);
  for (auto& t : tokens) t = rng() % c.vocab_size;
  const std::string base =
      ::testing::TempDir() + "/gb_train_export_q_" + std::to_string(::getpid());
  ASSERT_TRUE(export_gguf(params, base + ".f32.gguf", {}).ok());
  const std::vector<float> ref = engine_logits(base + ".f32.gguf", tokens);
  ASSERT_FALSE(ref.empty());
  double max_ref = 0;
  for (float v : ref) max_ref = std::max(max_ref, double(std::abs(v)));
  for (auto [type, bound] : {std::pair{tensor::DType::kF16, 2e-3}, std::pair{tensor::DType::kQ8_0, 4e-2}}) {
    GgufExportOptions o;
    o.matrix_type = type;
    const std::string path = base + "." + std::to_string(int(type)) + ".gguf";
    ASSERT_TRUE(export_gguf(params, path, o).ok());
    auto file = gguf::GgufFile::open(path);
    ASSERT_TRUE(file.ok());
    for (const auto& t : file->tensors())
      EXPECT_EQ(t.dtype, t.name.find("norm") != std::string::npos ? tensor::DType::kF32 : type) << t.name;
    const std::vector<float> q = engine_logits(path, tokens);
    ASSERT_EQ(q.size(), ref.size());
    double max_diff = 0;
    for (size_t i = 0; i < q.size(); ++i) max_diff = std::max(max_diff, double(std::abs(q[i] - ref[i])));
    std::printf("%s export vs F32: max |diff| %.3g, relative %.3g\n",
                std::string(tensor::dtype_info(type).name).c_str(), max_diff, max_diff / max_ref);
    EXPECT_LT(max_diff / max_ref, bound);
    EXPECT_GT(max_diff, 0.0);  // it really is quantized
    std::remove(path.c_str());
  }
  // Rows of 48 are not whole Q8_0 blocks: those matrices stay F32, and the file still loads.
  c.d_model = 48;
  c.n_heads = 3;
  c.n_kv_heads = 3;
  ParamStore<float> odd(c);
  odd.init_random(1);
  GgufExportOptions o;
  o.matrix_type = tensor::DType::kQ8_0;
  ASSERT_TRUE(export_gguf(odd, base + ".odd.gguf", o).ok());
  auto file = gguf::GgufFile::open(base + ".odd.gguf");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->find_tensor("blk.0.attn_q.weight")->dtype, tensor::DType::kF32);
  EXPECT_EQ(file->find_tensor("blk.0.ffn_down.weight")->dtype, tensor::DType::kQ8_0);  // rows of 96
  EXPECT_FALSE(engine_logits(base + ".odd.gguf", tokens).empty());
  std::remove((base + ".odd.gguf").c_str());
  std::remove((base + ".f32.gguf").c_str());
  EXPECT_FALSE(parse_export_type("q4_0").ok());
  EXPECT_EQ(*parse_export_type("Q8_0"), tensor::DType::kQ8_0);
}

}  // namespace
}  // namespace glassbox::train
