// TrainModel: determinism across thread counts, gradient accumulation, input validation.
#include "train/train_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "train/adamw.h"

namespace glassbox::train {
namespace {

TrainConfig small_config() {
  TrainConfig c;
  c.vocab_size = 257;
  c.d_model = 48;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.d_ff = 128;
  c.ctx = 32;
  return c;
}

struct Batch {
  std::vector<int32_t> inputs, targets;
};

Batch random_batch(int64_t n, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  Batch b;
  for (int64_t i = 0; i < n; ++i) {
    b.inputs.push_back(rng() % vocab);
    b.targets.push_back(rng() % vocab);
  }
  return b;
}

// Losses of `steps` AdamW steps from init seed 7, on `threads` threads.
std::vector<double> train_losses(int threads, int steps, std::vector<float>* final_params) {
  ThreadPool pool(threads);
  auto model = TrainModel<float>::create(small_config(), &pool);
  EXPECT_TRUE(model.ok());
  model->params().init_random(7);
  AdamW adamw(model->params().size(), AdamWOptions{});
  std::vector<double> losses;
  for (int step = 0; step < steps; ++step) {
    const Batch b =
        random_batch(3 * 32, 257, 100);  // the same batch each step, so the loss must fall
    losses.push_back(*model->forward(b.inputs.data(), b.targets.data(), 3, 32));
    model->params().zero_grad();
    model->backward(1.0f);
    clip_grad_norm(model->params().grads(), model->params().size(), 1.0);
    adamw.step(model->params().values(), model->params().grads(), 3e-3, &pool);
  }
  final_params->assign(model->params().values(), model->params().values() + model->params().size());
  return losses;
}

TEST(TrainModelTest, SameSeedGivesBitIdenticalLossesOnOneAndTwoThreads) {
  std::vector<float> p1, p2, p1b;
  const auto l1 = train_losses(1, 4, &p1);
  const auto l2 = train_losses(2, 4, &p2);
  const auto l1b = train_losses(1, 4, &p1b);
  ASSERT_EQ(l1.size(), 4u);
  for (size_t i = 0; i < l1.size(); ++i) {
    EXPECT_EQ(std::memcmp(&l1[i], &l2[i], sizeof(double)), 0)
        << "step " << i << ": " << l1[i] << " vs " << l2[i];
    EXPECT_EQ(std::memcmp(&l1[i], &l1b[i], sizeof(double)), 0) << "step " << i;
  }
  EXPECT_TRUE(p1 == p2);
  EXPECT_TRUE(p1 == p1b);
  EXPECT_LT(l1.back(), l1.front());
}

TEST(TrainModelTest, AccumulatedHalfBatchesGiveTheFullBatchGradient) {
  auto full = TrainModel<float>::create(small_config(), nullptr);
  ASSERT_TRUE(full.ok());
  full->params().init_random(3);
  auto half = TrainModel<float>::create(small_config(), nullptr);
  ASSERT_TRUE(half.ok());
  half->params().init_random(3);
  const Batch b = random_batch(4 * 16, 257, 9);
  const double loss_full = *full->forward(b.inputs.data(), b.targets.data(), 4, 16);
  full->params().zero_grad();
  full->backward(1.0f);
  half->params().zero_grad();
  double loss_sum = 0;
  for (int part = 0; part < 2; ++part) {
    loss_sum += *half->forward(b.inputs.data() + part * 32, b.targets.data() + part * 32, 2, 16);
    half->backward(0.5f);
  }
  EXPECT_NEAR(loss_sum / 2, loss_full, 1e-5);
  double max_diff = 0, max_ref = 0;
  for (int64_t i = 0; i < full->params().size(); ++i) {
    max_diff =
        std::max(max_diff, double(std::abs(full->params().grads()[i] - half->params().grads()[i])));
    max_ref = std::max(max_ref, double(std::abs(full->params().grads()[i])));
  }
  EXPECT_LT(max_diff / max_ref, 1e-5);
}

TEST(TrainModelTest, RejectsTokensOutsideVocabularyAndSequencesPastContext) {
  auto model = TrainModel<float>::create(small_config(), nullptr);
  ASSERT_TRUE(model.ok());
  std::vector<int32_t> ok(4, 1), bad = {1, 2, 257, 3};
  auto r = model->forward(bad.data(), ok.data(), 1, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("input 257"), std::string::npos) << r.status().message();
  std::vector<int32_t> long_seq(33, 1);
  EXPECT_FALSE(model->forward(long_seq.data(), long_seq.data(), 1, 33).ok());
  TrainConfig odd = small_config();
  odd.n_kv_heads = 3;
  EXPECT_FALSE(TrainModel<float>::create(odd, nullptr).ok());
}

TEST(TrainModelTest, LayoutNamesMatchThePyTorchModule) {
  const auto infos = param_layout(small_config());
  ASSERT_EQ(infos.size(), 1u + 2 * 9 + 1);
  EXPECT_EQ(infos[0].name, "emb.weight");
  EXPECT_EQ(infos[2].name, "blocks.0.q.weight");
  EXPECT_EQ(infos[3].shape, (std::vector<int64_t>{24, 48}));
  EXPECT_EQ(infos[9].name, "blocks.0.down.weight");
  EXPECT_EQ(infos[9].shape, (std::vector<int64_t>{48, 128}));
  EXPECT_EQ(infos.back().name, "out_norm");
  EXPECT_EQ(infos.back().offset + infos.back().numel,
            infos[1].offset + 2 * (48 + 48 * 48 * 2 + 2 * 24 * 48 + 48 + 3 * 128 * 48) + 48);
}

}  // namespace
}  // namespace glassbox::train
