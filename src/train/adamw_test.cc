// Tests for AdamW (against the torch.optim.AdamW formula in double), clip_grad_norm and the lr
// schedule.
#include "train/adamw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace glassbox::train {
namespace {

TEST(AdamWTest, FollowsTorchAdamWWithDecoupledDecayAndBiasCorrection) {
  AdamWOptions o;
  o.lr = 1e-2;
  o.weight_decay = 0.1;
  std::vector<float> p = {0.5f, -1.0f, 2.0f};
  std::vector<double> pd(p.begin(), p.end()), m(3, 0.0), v(3, 0.0);
  AdamW adamw(3, o);
  const std::vector<std::vector<float>> grads = {
      {0.1f, -0.2f, 0.0f}, {0.3f, 0.1f, -1e-3f}, {-0.5f, 0.0f, 2.0f}};
  for (size_t t = 1; t <= grads.size(); ++t) {
    const auto& g = grads[t - 1];
    adamw.step(p.data(), g.data(), o.lr, nullptr);
    for (int i = 0; i < 3; ++i) {
      pd[i] *= 1 - o.lr * o.weight_decay;
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * double(g[i]) * g[i];
      const double denom = std::sqrt(v[i]) / std::sqrt(1 - std::pow(o.beta2, t)) + o.eps;
      pd[i] -= o.lr / (1 - std::pow(o.beta1, t)) * m[i] / denom;
      EXPECT_NEAR(p[i], pd[i], 1e-6) << "step " << t << " param " << i;
    }
  }
  EXPECT_EQ(adamw.steps_taken(), 3);
  // A zero gradient still decays the weight: the decay is decoupled from the gradient.
  std::vector<float> q = {1.0f};
  const float zero = 0.0f;
  AdamW only_decay(1, o);
  only_decay.step(q.data(), &zero, o.lr, nullptr);
  EXPECT_FLOAT_EQ(q[0], 1.0f - 1e-3f);
}

TEST(AdamWTest, ClipGradNormScalesOnlyAboveMaxNorm) {
  std::vector<float> g = {3.0f, 4.0f};
  EXPECT_DOUBLE_EQ(clip_grad_norm(g.data(), 2, 1.0), 5.0);
  EXPECT_NEAR(g[0], 3.0 / (5.0 + 1e-6), 1e-7);
  EXPECT_NEAR(g[1], 4.0 / (5.0 + 1e-6), 1e-7);
  std::vector<float> small = {0.3f, 0.4f};
  EXPECT_NEAR(clip_grad_norm(small.data(), 2, 1.0), 0.5, 1e-7);
  EXPECT_FLOAT_EQ(small[0], 0.3f);
}

TEST(AdamWTest, ScheduleWarmsUpLinearlyThenDecaysByCosineToTheFloor) {
  LrSchedule s{1e-3, 10, 110, 0.1};
  EXPECT_DOUBLE_EQ(s.lr(0), 1e-4);
  EXPECT_DOUBLE_EQ(s.lr(9), 1e-3);
  EXPECT_DOUBLE_EQ(s.lr(10), 1e-3);
  EXPECT_NEAR(s.lr(60), 1e-4 + 0.9e-3 * 0.5, 1e-15);
  EXPECT_NEAR(s.lr(109), 1e-4 + 0.9e-3 * 0.5 * (1 + std::cos(M_PI * 99 / 100)), 1e-15);
  EXPECT_DOUBLE_EQ(s.lr(110), 1e-4);
  EXPECT_DOUBLE_EQ(s.lr(1000), 1e-4);
  for (int64_t step = 11; step < 110; ++step) EXPECT_LT(s.lr(step), s.lr(step - 1));
}

}  // namespace
}  // namespace glassbox::train
