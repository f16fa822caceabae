// Embedder: an observer sums the final_norm rows while the forward pass runs (no logits are computed).
#include "engine/embedder.h"

#include <cmath>

namespace glassbox::engine {

namespace {

class MeanPool : public model::Observer {
 public:
  explicit MeanPool(int64_t d_model) : sum_(static_cast<size_t>(d_model), 0.0) {}

  bool wants(model::SiteKind kind, int) const override { return kind == model::SiteKind::kFinalNorm; }
  void on_activation(const model::Activation& a) override {
    const size_t d = sum_.size();
    for (int64_t row = 0; row < a.n_tokens; ++row) {
      const float* x = a.data + static_cast<size_t>(row) * d;
      for (size_t j = 0; j < d; ++j) sum_[j] += x[j];
    }
    rows_ += a.n_tokens;
  }

  const std::vector<double>& sum() const { return sum_; }
  int64_t rows() const { return rows_; }

 private:
  std::vector<double> sum_;
  int64_t rows_ = 0;
};

}  // namespace

Embedder::Embedder(std::shared_ptr<const model::Model> model, const model::ContextOptions& options)
    : context_(std::move(model), options) {
  n_ctx_ = context_.n_ctx();
  d_model_ = context_.model().config().d_model;
}

Result<std::vector<float>> Embedder::embed(std::span<const int32_t> tokens) {
  if (tokens.empty()) return invalid_argument("nothing to embed: no tokens");
  if (static_cast<int64_t>(tokens.size()) > n_ctx_) {
    return out_of_range(str_format("%zu tokens exceed the embedding context of %lld", tokens.size(),
                                   static_cast<long long>(n_ctx_)));
  }
  std::lock_guard lock(mutex_);
  MeanPool pool(d_model_);
  context_.reset();
  context_.set_observer(&pool);
  Status s = context_.forward(tokens, model::LogitsMode::kNone, nullptr);
  context_.set_observer(nullptr);
  context_.reset();
  if (!s.ok()) return s;
  if (pool.rows() != static_cast<int64_t>(tokens.size())) {
    return internal_error("embedder: the final_norm site reported " + std::to_string(pool.rows()) + " rows for " +
                          std::to_string(tokens.size()) + " tokens");
  }
  double norm = 0;
  for (double v : pool.sum()) norm += v * v;
  norm = std::sqrt(norm);
  std::vector<float> out(pool.sum().size());
  for (size_t j = 0; j < out.size(); ++j) out[j] = norm > 0 ? static_cast<float>(pool.sum()[j] / norm) : 0.0f;
  return out;
}

}  // namespace glassbox::engine
