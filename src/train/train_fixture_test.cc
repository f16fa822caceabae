// The PyTorch fixture (../shared/reference/train_fixture.safetensors): logits, loss, every
// gradient, 10 AdamW steps.
//
// "Relative error" here is max|ours − reference| / max|reference| over a whole tensor.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/thread_pool.h"
#include "train/adamw.h"
#include "train/safetensors.h"
#include "train/train_model.h"

namespace glassbox::train {
namespace {

const char* kFixture = GLASSBOX_SHARED_DIR "/reference/train_fixture.safetensors";
const char* kSweep = GLASSBOX_SHARED_DIR "/reference/sweep.json";

double rel_error(const float* ours, const float* ref, int64_t n) {
  double max_diff = 0, max_ref = 0;
  for (int64_t i = 0; i < n; ++i) {
    max_diff = std::max(max_diff, std::abs(double(ours[i]) - double(ref[i])));
    max_ref = std::max(max_ref, std::abs(double(ref[i])));
  }
  return max_diff / std::max(max_ref, 1e-30);
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

class TrainFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFixture) || !std::filesystem::exists(kSweep))
      GTEST_SKIP() << "reference fixture absent: " << kFixture << " / " << kSweep;
    std::ifstream in(kSweep);
    sweep_ = nlohmann::json::parse(in)["train_fixture"];
    const auto& cfg = sweep_["config"];
    config_.vocab_size = cfg["vocab"];
    config_.d_model = cfg["d"];
    config_.n_layers = cfg["layers"];
    config_.n_heads = cfg["heads"];
    config_.n_kv_heads = cfg["kv_heads"];
    config_.d_ff = cfg["ff"];
    config_.ctx = cfg["ctx"];
    config_.rope_theta = sweep_["rope_theta"];
    config_.rms_eps = sweep_["rms_eps"];
    auto file = SafetensorsFile::open(kFixture);
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    file_ = std::make_unique<SafetensorsFile>(std::move(*file));
    auto inputs = file_->read_i32("inputs");
    auto targets = file_->read_i32("targets");
    ASSERT_TRUE(inputs.ok() && targets.ok());
    inputs_ = *inputs;
    targets_ = *targets;
    auto t = file_->tensor("inputs");
    batch_ = (*t)->shape[0];
    seq_len_ = (*t)->shape[1];
  }

  nlohmann::json sweep_;
  TrainConfig config_;
  std::unique_ptr<SafetensorsFile> file_;
  std::vector<int32_t> inputs_, targets_;
  int64_t batch_ = 0, seq_len_ = 0;
};

TEST_F(TrainFixtureTest, ForwardAndBackwardMatchPyTorch) {
  ThreadPool pool(2);
  auto model = TrainModel<float>::create(config_, &pool);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  ASSERT_TRUE(model->params().load(*file_, "param.").ok());
  // The fixture holds exactly our parameters, no more.
  for (const auto& name : file_->names()) {
    if (name.starts_with("param.")) {
      EXPECT_NE(model->params().find(name.substr(6)), nullptr) << name;
    }
  }

  auto loss = model->forward(inputs_.data(), targets_.data(), batch_, seq_len_);
  ASSERT_TRUE(loss.ok());
  auto ref_logits = file_->read_f32("logits", {batch_, seq_len_, config_.vocab_size});
  ASSERT_TRUE(ref_logits.ok());
  const double logits_err = rel_error(model->logits(), ref_logits->data(), ref_logits->size());
  const double ref_loss = sweep_["loss_initial"];
  const double loss_err = std::abs(*loss - ref_loss) / std::abs(ref_loss);
  std::printf("logits rel error %.3g; loss %.7f vs %.7f, rel error %.3g\n", logits_err, *loss,
              ref_loss, loss_err);
  EXPECT_LT(logits_err, 1e-4);
  EXPECT_LT(loss_err, 1e-4);

  model->params().zero_grad();
  model->backward(1.0f);
  double worst = 0;
  std::string worst_name;
  for (const ParamInfo& info : model->params().infos()) {
    auto ref = file_->read_f32("grad." + info.name, info.shape);
    ASSERT_TRUE(ref.ok()) << ref.status().to_string();
    const double err = rel_error(model->params().grad(info), ref->data(), info.numel);
    EXPECT_LT(err, 1e-3) << info.name;
    if (err > worst) {
      worst = err;
      worst_name = info.name;
    }
  }
  std::printf("worst gradient rel error %.3g (%s)\n", worst, worst_name.c_str());
}

TEST_F(TrainFixtureTest, TenAdamWStepsMatchPyTorchLosses) {
  ThreadPool pool(2);
  auto model = TrainModel<float>::create(config_, &pool);
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE(model->params().load(*file_, "param.").ok());
  const auto& opt = sweep_["adamw"];
  AdamWOptions options;
  options.lr = opt["lr"];
  options.beta1 = opt["beta1"];
  options.beta2 = opt["beta2"];
  options.eps = opt["eps"];
  options.weight_decay = opt["weight_decay"];
  AdamW adamw(model->params().size(), options);
  const std::vector<double> ref = sweep_["losses_10_steps"];
  ASSERT_EQ(ref.size(), 10u);
  double worst = 0;
  for (size_t step = 0; step < ref.size(); ++step) {
    auto loss = model->forward(inputs_.data(), targets_.data(), batch_, seq_len_);
    ASSERT_TRUE(loss.ok());
    std::printf("step %zu: loss %.6f, reference %.6f, diff %.2g\n", step, *loss, ref[step],
                *loss - ref[step]);
    EXPECT_NEAR(*loss, ref[step], 1e-3) << "step " << step;
    worst = std::max(worst, std::abs(*loss - ref[step]));
    model->params().zero_grad();
    model->backward(1.0f);
    adamw.step(model->params().values(), model->params().grads(), options.lr, &pool);
  }
  std::printf("worst loss difference over 10 steps %.3g\n", worst);
}

TEST_F(TrainFixtureTest, ReportsForwardBackwardTime) {
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    auto model = TrainModel<float>::create(config_, &pool);
    ASSERT_TRUE(model.ok());
    ASSERT_TRUE(model->params().load(*file_, "param.").ok());
    double best = 1e30, best_cpu = 0;
    for (int rep = 0; rep < 5; ++rep) {
      const double c0 = cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      ASSERT_TRUE(model->forward(inputs_.data(), targets_.data(), batch_, seq_len_).ok());
      model->params().zero_grad();
      model->backward(1.0f);
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (wall < best) {
        best = wall;
        best_cpu = cpu_seconds() - c0;
      }
    }
    std::printf(
        "fixture forward+backward (%lld×%lld tokens), %d thread(s): %.2f ms wall (CPU %.2f ms), "
        "%.0f tokens/s\n",
        (long long)batch_, (long long)seq_len_, threads, best * 1e3, best_cpu * 1e3,
        batch_ * seq_len_ / best);
  }
}

}  // namespace
}  // namespace glassbox::train
