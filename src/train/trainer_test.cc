// Trainer: accumulation equals the large batch; the schedule's lr is used; clipping bounds the
// update.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <random>

namespace glassbox::train {
namespace {

TrainConfig tiny_config() {
  TrainConfig c;
  c.vocab_size = 50;
  c.d_model = 16;
  c.n_layers = 1;
  c.n_heads = 2;
  c.n_kv_heads = 2;
  c.d_ff = 24;
  c.ctx = 8;
  return c;
}

TEST(TrainerTest, FourMicroBatchesMatchOneBatchOfFour) {
  TrainerOptions options;
  options.schedule = LrSchedule{1e-2, 2, 10, 0.1};
  ThreadPool pool(2);
  auto big = TrainModel<float>::create(tiny_config(), &pool);
  auto small = TrainModel<float>::create(tiny_config(), &pool);
  ASSERT_TRUE(big.ok() && small.ok());
  big->params().init_random(4);
  small->params().init_random(4);
  Trainer big_trainer(&*big, options, &pool), small_trainer(&*small, options, &pool);
  std::mt19937 rng(1);
  for (int step = 0; step < 4; ++step) {
    std::vector<int32_t> in(4 * 8), tg(4 * 8);
    for (auto& t : in) t = rng() % 50;
    for (auto& t : tg) t = rng() % 50;
    auto a = big_trainer.step(in.data(), tg.data(), 1, 4, 8);
    auto b = small_trainer.step(in.data(), tg.data(), 4, 1, 8);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NEAR(a->loss, b->loss, 1e-5) << "step " << step;
    EXPECT_NEAR(a->grad_norm, b->grad_norm, 1e-5 * a->grad_norm);
    EXPECT_DOUBLE_EQ(a->lr, options.schedule.lr(step));
  }
  double max_diff = 0;
  for (int64_t i = 0; i < big->params().size(); ++i)
    max_diff = std::max(max_diff,
                        double(std::abs(big->params().values()[i] - small->params().values()[i])));
  EXPECT_LT(max_diff, 1e-5);
  EXPECT_EQ(big_trainer.steps_taken(), 4);
}

TEST(TrainerTest, ClippingReportsThePreClipNormAndABadTokenIsAnError) {
  TrainerOptions options;
  options.clip_norm = 1e-3;
  auto model = TrainModel<float>::create(tiny_config(), nullptr);
  ASSERT_TRUE(model.ok());
  model->params().init_random(2);
  Trainer trainer(&*model, options, nullptr);
  std::vector<int32_t> in(8, 3), tg(8, 7);
  auto s = trainer.step(in.data(), tg.data(), 1, 1, 8);
  ASSERT_TRUE(s.ok());
  EXPECT_GT(s->grad_norm, 1e-3);
  // After clipping the gradient's norm is the clip norm.
  double sq = 0;
  for (int64_t i = 0; i < model->params().size(); ++i)
    sq += double(model->params().grads()[i]) * model->params().grads()[i];
  EXPECT_NEAR(std::sqrt(sq), 1e-3, 1e-6);
  in[3] = 50;
  EXPECT_FALSE(trainer.step(in.data(), tg.data(), 1, 1, 8).ok());
}

}  // namespace
}  // namespace glassbox::train
