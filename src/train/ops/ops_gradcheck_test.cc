// Each op's backward against central differences in double precision, on small odd shapes; GEMM
// against a naive loop.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "base/thread_pool.h"
#include "train/ops/attention.h"
#include "train/ops/cross_entropy.h"
#include "train/ops/embedding.h"
#include "train/ops/linear.h"
#include "train/ops/rmsnorm.h"
#include "train/ops/rope.h"
#include "train/ops/swiglu.h"
#include "train/train_model.h"

namespace glassbox::train {
namespace {

using Vec = std::vector<double>;

Vec random_vec(int64_t n, std::mt19937& rng, double scale = 1.0) {
  std::normal_distribution<double> dist(0.0, scale);
  Vec v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// max|analytic − numeric| / max|numeric|, the numeric gradient of loss() w.r.t. x by central
// differences.
double grad_error(Vec& x, const Vec& analytic, const std::function<double()>& loss,
                  double h = 1e-5) {
  double max_err = 0, max_ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + h;
    const double lp = loss();
    x[i] = saved - h;
    const double lm = loss();
    x[i] = saved;
    const double numeric = (lp - lm) / (2 * h);
    max_err = std::max(max_err, std::abs(numeric - analytic[i]));
    max_ref = std::max(max_ref, std::abs(numeric));
  }
  return max_err / std::max(max_ref, 1e-300);
}

constexpr double kTol = 1e-7;

TEST(OpsGradcheckTest, LinearBackwardMatchesNumericalGradient) {
  std::mt19937 rng(1);
  const int64_t n = 5, d_in = 7, d_out = 6;
  Vec x = random_vec(n * d_in, rng), w = random_vec(d_out * d_in, rng),
      r = random_vec(n * d_out, rng);
  Vec y(n * d_out);
  auto loss = [&] {
    linear_forward(x.data(), w.data(), y.data(), n, d_in, d_out, nullptr);
    return dot(y, r);
  };
  Vec dx(n * d_in, 0.0), dw(d_out * d_in, 0.0);
  linear_backward(x.data(), w.data(), r.data(), dx.data(), dw.data(), n, d_in, d_out, false,
                  nullptr);
  EXPECT_LT(grad_error(x, dx, loss), kTol);
  EXPECT_LT(grad_error(w, dw, loss), kTol);
}

TEST(OpsGradcheckTest, GemmMatchesNaiveLoopOnOddShapesAndIsThreadCountIndependent) {
  std::mt19937 rng(2);
  ThreadPool pool(2);
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{67, 13, 9},
                         {3, 130, 33},
                         {129, 70, 1},
                         {1, 1, 200}}) {
    std::vector<float> a(m * k + 1), b(k * n + 3);
    for (auto& v : a) v = std::normal_distribution<float>()(rng);
    for (auto& v : b) v = std::normal_distribution<float>()(rng);
    // Unaligned views: A starts one element in, B is read transposed (B(k, n) = b[n * k + k]).
    const float* av = a.data() + 1;
    const float* bv = b.data() + 3;
    std::vector<float> c1(m * n, 1.0f), c2(m * n, 1.0f);
    gemm<float>(m, n, k, av, k, 1, bv, 1, k, c1.data(), n, true, nullptr);
    gemm<float>(m, n, k, av, k, 1, bv, 1, k, c2.data(), n, true, &pool);
    EXPECT_EQ(c1, c2) << m << "x" << n << "x" << k;
    double max_err = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 1.0;
        for (int64_t kk = 0; kk < k; ++kk) s += double(av[i * k + kk]) * double(bv[j * k + kk]);
        max_err = std::max(max_err, std::abs(s - c1[i * n + j]));
      }
    EXPECT_LT(max_err, 1e-4) << m << "x" << n << "x" << k;
    // Transposed A (column-major view) gives the same values.
    std::vector<float> at(m * k);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t kk = 0; kk < k; ++kk) at[kk * m + i] = av[i * k + kk];
    std::vector<float> c3(m * n, 1.0f);
    gemm<float>(m, n, k, at.data(), 1, m, bv, 1, k, c3.data(), n, true, &pool);
    EXPECT_EQ(c1, c3);
  }
}

TEST(OpsGradcheckTest, RmsNormBackwardMatchesNumericalGradient) {
  std::mt19937 rng(3);
  const int64_t n = 4, dim = 9;
  Vec x = random_vec(n * dim, rng), w = random_vec(dim, rng), r = random_vec(n * dim, rng);
  Vec y(n * dim), rstd(n);
  auto loss = [&] {
    rmsnorm_forward(x.data(), w.data(), y.data(), rstd.data(), n, dim, 1e-5, nullptr);
    return dot(y, r);
  };
  loss();
  Vec dx(n * dim, 0.0), dw(dim, 0.0);
  rmsnorm_backward(x.data(), w.data(), rstd.data(), r.data(), dx.data(), dw.data(), n, dim, false,
                   nullptr);
  EXPECT_LT(grad_error(x, dx, loss), kTol);
  EXPECT_LT(grad_error(w, dw, loss), kTol);
}

TEST(OpsGradcheckTest, EmbeddingBackwardScatterAddsRepeatedTokens) {
  std::mt19937 rng(4);
  const int64_t vocab = 10, dim = 5;
  const std::vector<int32_t> tokens = {3, 7, 3, 0, 9, 3};
  const int64_t n = tokens.size();
  Vec table = random_vec(vocab * dim, rng), r = random_vec(n * dim, rng), y(n * dim);
  auto loss = [&] {
    embedding_forward(table.data(), tokens.data(), y.data(), n, dim);
    return dot(y, r);
  };
  Vec dtable(vocab * dim, 0.0);
  embedding_backward(tokens.data(), r.data(), dtable.data(), n, dim);
  EXPECT_LT(grad_error(table, dtable, loss), kTol);
}

TEST(OpsGradcheckTest, RopeBackwardMatchesNumericalGradient) {
  std::mt19937 rng(5);
  const int64_t batch = 2, seq = 5, heads = 3, hd = 6;
  RopeTable<double> table(seq, hd, 10000.0);
  Vec x = random_vec(batch * seq * heads * hd, rng), r = random_vec(x.size(), rng);
  auto loss = [&] {
    Vec y = x;
    rope_forward(y.data(), table, batch, seq, heads, nullptr);
    return dot(y, r);
  };
  Vec dx = r;
  ThreadPool pool(2);
  rope_backward(dx.data(), table, batch, seq, heads, &pool);
  EXPECT_LT(grad_error(x, dx, loss), kTol);
}

TEST(OpsGradcheckTest, RopeRotatesAdjacentPairsByPositionTimesFrequency) {
  const int64_t hd = 4;
  RopeTable<double> table(3, hd, 10000.0);
  Vec x = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};  // three positions, one head
  rope_forward(x.data(), table, 1, 3, 1, nullptr);
  // Position 2, pair 1: angle = 2 · 10000^(−2/4) = 0.02.
  EXPECT_NEAR(x[8 + 2], std::cos(0.02), 1e-15);
  EXPECT_NEAR(x[8 + 3], std::sin(0.02), 1e-15);
  EXPECT_NEAR(x[8 + 0], std::cos(2.0), 1e-15);
  EXPECT_NEAR(x[0], 1.0, 0.0);
}

TEST(OpsGradcheckTest, AttentionBackwardMatchesNumericalGradientWithGroupedKvHeads) {
  std::mt19937 rng(6);
  const AttentionShape s{2, 5, 4, 2, 6};
  const int64_t nq = s.batch * s.seq_len * s.n_heads * s.head_dim;
  const int64_t nkv = s.batch * s.seq_len * s.n_kv_heads * s.head_dim;
  Vec q = random_vec(nq, rng), k = random_vec(nkv, rng), v = random_vec(nkv, rng),
      r = random_vec(nq, rng);
  Vec out(nq), probs(s.batch * s.n_heads * s.seq_len * s.seq_len);
  auto loss = [&] {
    attention_forward(q.data(), k.data(), v.data(), out.data(), probs.data(), s, nullptr);
    return dot(out, r);
  };
  loss();
  Vec dq(nq), dk(nkv), dv(nkv);
  ThreadPool pool(2);
  attention_backward(q.data(), k.data(), v.data(), probs.data(), r.data(), dq.data(), dk.data(),
                     dv.data(), s, &pool);
  EXPECT_LT(grad_error(q, dq, loss), kTol);
  EXPECT_LT(grad_error(k, dk, loss), kTol);
  EXPECT_LT(grad_error(v, dv, loss), kTol);
  // Causality: the first query attends only to itself.
  EXPECT_DOUBLE_EQ(probs[0], 1.0);
  EXPECT_DOUBLE_EQ(probs[1], 0.0);
}

TEST(OpsGradcheckTest, SwigluBackwardMatchesNumericalGradient) {
  std::mt19937 rng(7);
  const int64_t n = 20;
  Vec g = random_vec(n, rng, 3.0), u = random_vec(n, rng), r = random_vec(n, rng), h(n);
  auto loss = [&] {
    swiglu_forward(g.data(), u.data(), h.data(), n, nullptr);
    return dot(h, r);
  };
  Vec dg(n), du(n);
  swiglu_backward(g.data(), u.data(), r.data(), dg.data(), du.data(), n, nullptr);
  EXPECT_LT(grad_error(g, dg, loss), kTol);
  EXPECT_LT(grad_error(u, du, loss), kTol);
}

TEST(OpsGradcheckTest, CrossEntropyBackwardMatchesNumericalGradientAndIsStable) {
  std::mt19937 rng(8);
  const int64_t n = 5, vocab = 11;
  const std::vector<int32_t> targets = {0, 10, 4, 4, 7};
  Vec logits = random_vec(n * vocab, rng, 2.0), lse(n);
  auto loss = [&] {
    return cross_entropy_forward(logits.data(), targets.data(), lse.data(), n, vocab, nullptr);
  };
  loss();
  Vec dlogits = logits;
  cross_entropy_backward(dlogits.data(), targets.data(), lse.data(), n, vocab, 1.0, nullptr);
  EXPECT_LT(grad_error(logits, dlogits, loss), kTol);

  // Huge logits do not overflow: a row of 1000s and one 1010 gives loss log(1 + (V−1)·e^−10) on the
  // 1010 target.
  std::vector<float> big(vocab, 1000.0f);
  big[3] = 1010.0f;
  const int32_t t = 3;
  float lse1;
  const double l = cross_entropy_forward(big.data(), &t, &lse1, 1, vocab, nullptr);
  EXPECT_NEAR(l, std::log1p(10 * std::exp(-10.0)), 1e-6);
}

TEST(OpsGradcheckTest, WholeModelBackwardMatchesNumericalGradient) {
  TrainConfig c;
  c.vocab_size = 23;
  c.d_model = 8;
  c.n_layers = 2;
  c.n_heads = 2;
  c.n_kv_heads = 1;
  c.d_ff = 12;
  c.ctx = 6;
  auto model = TrainModel<double>::create(c, nullptr);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  auto& p = model->params();
  p.init_random(11);
  // Larger weights than the N(0, 0.02) init so every path carries signal; non-unit norms.
  std::mt19937 rng(12);
  for (int64_t i = 0; i < p.size(); ++i)
    p.values()[i] = std::normal_distribution<double>(0.0, 0.5)(rng);
  const int64_t batch = 2, seq = 5;
  std::vector<int32_t> inputs(batch * seq), targets(batch * seq);
  for (auto& t : inputs) t = rng() % c.vocab_size;
  for (auto& t : targets) t = rng() % c.vocab_size;
  auto loss = [&] { return *model->forward(inputs.data(), targets.data(), batch, seq); };
  loss();
  p.zero_grad();
  model->backward(1.0);
  for (const ParamInfo& info : p.infos()) {
    Vec x(p.value(info), p.value(info) + info.numel);
    Vec analytic(p.grad(info), p.grad(info) + info.numel);
    auto param_loss = [&] {
      std::copy(x.begin(), x.end(), p.value(info));
      return loss();
    };
    EXPECT_LT(grad_error(x, analytic, param_loss), 1e-6) << info.name;
    std::copy(x.begin(), x.end(), p.value(info));
  }
}

}  // namespace
}  // namespace glassbox::train
