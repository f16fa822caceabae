// Export round trip: the inference engine (model::Context) loads the exported GGUF and computes the
// same logits as TrainModel's forward pass.
#include "train/gguf_export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <random>

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

}  // namespace
}  // namespace glassbox::train
