// The llama-family forward pass: embeddings, N x (RMSNorm, GQA attention with RoPE, SwiGLU MLP), final
// norm, logits. Architecture differences arrive as ModelConfig flags (biases, Q/K norm, rope style).
#include "model/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/check.h"
#include "kernels/kernel_table.h"
#include "model/architecture.h"

namespace glassbox::model {
namespace {

constexpr int kLayerSiteKinds = 8;  // kResidPre .. kResidPost

void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* y) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * weight[i];
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

}  // namespace

// ---------------------------------------------------------------- Model

Result<std::shared_ptr<const Model>> Model::load(const std::string& path) {
  GB_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
  std::shared_ptr<Model> model(new Model());
  if (file.tensors().empty()) {
    return invalid_argument(str_format("%s: holds no tensors (a vocabulary-only file?); expected a model's weights",
                                       path.c_str()));
  }
  model->file_ = std::make_unique<gguf::GgufFile>(std::move(file));
  GB_ASSIGN_OR_RETURN(model->config_, read_model_config(*model->file_));
  GB_ASSIGN_OR_RETURN(model->weights_, load_weights(*model->file_, &model->config_));
  return std::shared_ptr<const Model>(std::move(model));
}

uint64_t Model::weight_bytes() const {
  uint64_t total = 0;
  for (const auto& t : file_->tensors()) total += t.n_bytes;
  return total;
}

// ---------------------------------------------------------------- Context

struct Context::Scratch {
  std::vector<float> x, xn, q, k, v, attn, proj, gate, up, keys, values, pattern, logits_rows;
  PreparedInput prepared, prepared2;
};

Context::Context(std::shared_ptr<const Model> model, const ContextOptions& options)
    : model_(std::move(model)),
      options_(options),
      cache_(model_->config(),
             options.n_ctx > 0 ? options.n_ctx : std::min<int64_t>(model_->config().ctx_train, 4096),
             options.kv_dtype),
      pool_(options.n_threads > 0 ? options.n_threads : ThreadPool::hardware_threads()),
      scratch_(std::make_unique<Scratch>()) {
  const ModelConfig& c = model_->config();
  const int64_t half = c.rope_dim / 2;
  inv_freq_.resize(static_cast<size_t>(half));
  const auto& factors = model_->weights().rope_freq_factors;
  for (int64_t i = 0; i < half; ++i) {
    double freq = std::pow(static_cast<double>(c.rope_theta), -2.0 * static_cast<double>(i) / static_cast<double>(c.rope_dim));
    if (!factors.empty()) {
      freq /= factors[static_cast<size_t>(i)];
    } else if (c.rope_scaling == "linear") {
      freq /= c.rope_scaling_factor;
    } else if (c.rope_scaling == "llama3") {
      // Llama 3.1: long wavelengths slow down by `factor`, short ones keep their speed, a smooth ramp between.
      const double orig = static_cast<double>(c.rope_original_ctx);
      const double low_wavelen = orig / c.rope_low_freq_factor;
      const double high_wavelen = orig / c.rope_high_freq_factor;
      const double wavelen = 2.0 * M_PI / freq;
      if (wavelen > low_wavelen) {
        freq /= c.rope_scaling_factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (orig / wavelen - c.rope_low_freq_factor) / (c.rope_high_freq_factor - c.rope_low_freq_factor);
        freq = (1.0 - smooth) * freq / c.rope_scaling_factor + smooth * freq;
      }
    }
    inv_freq_[static_cast<size_t>(i)] = static_cast<float>(freq);
  }
  site_names_.resize(static_cast<size_t>(c.n_layers * kLayerSiteKinds + 2));
  for (int l = 0; l < c.n_layers; ++l) {
    for (int k = 0; k < kLayerSiteKinds; ++k) site_names_[l * kLayerSiteKinds + k] = site_name(static_cast<SiteKind>(k), l);
  }
  site_names_[c.n_layers * kLayerSiteKinds] = site_name(SiteKind::kFinalNorm, -1);
  site_names_[c.n_layers * kLayerSiteKinds + 1] = site_name(SiteKind::kLogits, -1);
}

Context::~Context() = default;

void Context::truncate(int64_t n) {
  GB_CHECK(n >= 0 && n <= n_past_);
  n_past_ = n;
}

void Context::notify(SiteKind kind, int layer_idx, float* data, std::vector<int64_t> shape, const int32_t* positions,
                     int64_t n_tokens) {
  const int n_layers = static_cast<int>(model_->config().n_layers);
  size_t idx = kind == SiteKind::kFinalNorm ? n_layers * kLayerSiteKinds
               : kind == SiteKind::kLogits  ? n_layers * kLayerSiteKinds + 1
                                            : layer_idx * kLayerSiteKinds + static_cast<int>(kind);
  Activation act{kind, layer_idx, &site_names_[idx], data, std::move(shape), positions, n_tokens};
  observer_->on_activation(act);
}

void Context::rope(float* x, int64_t n_tokens, int64_t n_heads, const int32_t* positions) const {
  const ModelConfig& c = model_->config();
  const int64_t half = c.rope_dim / 2;
  const bool neox = c.rope_style == RopeStyle::kNeox;
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float pos = static_cast<float>(positions[t]);
    for (int64_t i = 0; i < half; ++i) {
      const float theta = pos * inv_freq_[static_cast<size_t>(i)];
      const float cs = std::cos(theta), sn = std::sin(theta);
      for (int64_t h = 0; h < n_heads; ++h) {
        float* head = x + (t * n_heads + h) * c.head_dim;
        float* a = neox ? head + i : head + 2 * i;
        float* b = neox ? head + i + half : head + 2 * i + 1;
        const float x0 = *a, x1 = *b;
        *a = x0 * cs - x1 * sn;
        *b = x0 * sn + x1 * cs;
      }
    }
  }
}

// Per head, as two float matrix products through the kernel table's gemm_f32 (vectorized, like the weight
// matmuls): scores S = Q_h K_h^T [n_tokens, n_kv], masked softmax by rows, then O_h = S V_h with V_h held
// transposed [head_dim_v, n_kv] so that each output dimension is one row of the product. Heads run in parallel.
void Context::attention(int layer_idx, int64_t n_tokens, const float* q, float* out, float* pattern) {
  const ModelConfig& c = model_->config();
  Scratch& s = *scratch_;
  const int64_t n_kv = n_past_ + n_tokens;
  const int64_t kv_w = c.kv_width(), v_w = c.v_width();
  const int64_t hd = c.head_dim, hdv = c.head_dim_v;
  s.keys.resize(static_cast<size_t>(n_kv * kv_w));
  s.values.resize(static_cast<size_t>(n_kv * v_w));  // transposed: [n_kv_heads][head_dim_v][n_kv]
  pool_.parallel_for(n_kv, 16, [&](int64_t b, int64_t e) {
    std::vector<float> row(static_cast<size_t>(v_w));
    for (int64_t j = b; j < e; ++j) {
      cache_.load_key(layer_idx, j, s.keys.data() + j * kv_w);
      cache_.load_value(layer_idx, j, row.data());
      for (int64_t i = 0; i < v_w; ++i) s.values[static_cast<size_t>(i * n_kv + j)] = row[static_cast<size_t>(i)];
    }
  });
  const kernels::GemmF32Fn gemm = kernels::active_table().gemm_f32;
  GB_CHECK(gemm != nullptr);
  const int64_t group = c.n_heads / c.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const int64_t window = c.sliding_window;
  const int64_t out_w = c.n_heads * hdv;
  pool_.parallel_for(c.n_heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(n_tokens * n_kv));
    for (int64_t h = begin; h < end; ++h) {
      const int64_t kv_h = h / group;
      gemm(n_kv, n_tokens, hd, s.keys.data() + kv_h * hd, kv_w, q + h * hd, c.q_width(), scores.data(), n_kv);
      for (int64_t t = 0; t < n_tokens; ++t) {
        float* row = scores.data() + t * n_kv;
        const int64_t qpos = n_past_ + t;
        const int64_t first = window > 0 ? std::max<int64_t>(0, qpos - window + 1) : 0;
        float max_score = -INFINITY;
        for (int64_t j = first; j <= qpos; ++j) {
          row[j] *= scale;
          max_score = std::max(max_score, row[j]);
        }
        double sum = 0;
        for (int64_t j = first; j <= qpos; ++j) {
          row[j] = std::exp(row[j] - max_score);
          sum += row[j];
        }
        const float inv = static_cast<float>(1.0 / sum);
        std::fill(row, row + first, 0.0f);
        for (int64_t j = first; j <= qpos; ++j) row[j] *= inv;
        std::fill(row + qpos + 1, row + n_kv, 0.0f);
        if (pattern != nullptr) std::copy(row, row + n_kv, pattern + (h * n_tokens + t) * n_kv);
      }
      gemm(hdv, n_tokens, n_kv, s.values.data() + kv_h * hdv * n_kv, n_kv, scores.data(), n_kv, out + h * hdv, out_w);
    }
  });
}

Status Context::forward(std::span<const int32_t> tokens, LogitsMode mode, std::vector<float>* logits) {
  const ModelConfig& c = model_->config();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= c.vocab_size) {
      return invalid_argument(str_format("token id %d at index %zu is outside the vocabulary [0, %lld)", tokens[i], i,
                                         static_cast<long long>(c.vocab_size)));
    }
  }
  if (n_past_ + static_cast<int64_t>(tokens.size()) > cache_.n_ctx()) {
    return out_of_range(str_format("%lld tokens exceed the context of %lld (already holding %lld)",
                                   static_cast<long long>(tokens.size()), static_cast<long long>(cache_.n_ctx()),
                                   static_cast<long long>(n_past_)));
  }
  if (tokens.empty()) {
    if (logits) logits->clear();
    return ok_status();
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (logits != nullptr) {
    if (mode == LogitsMode::kAll) logits->resize(static_cast<size_t>(n * c.vocab_size));
    if (mode == LogitsMode::kLast) logits->resize(static_cast<size_t>(c.vocab_size));
  }
  for (int64_t start = 0; start < n; start += options_.max_batch) {
    const int64_t len = std::min(options_.max_batch, n - start);
    const bool last_chunk = start + len == n;
    const bool want = logits != nullptr && (mode == LogitsMode::kAll || (mode == LogitsMode::kLast && last_chunk));
    float* out = !want ? nullptr
                 : mode == LogitsMode::kAll ? logits->data() + start * c.vocab_size
                                             : logits->data();
    GB_RETURN_IF_ERROR(forward_chunk(tokens.subspan(static_cast<size_t>(start), static_cast<size_t>(len)), want,
                                     mode == LogitsMode::kAll, out));
  }
  return ok_status();
}

Status Context::forward_chunk(std::span<const int32_t> tokens, bool want_logits, bool all_rows, float* logits_out) {
  const ModelConfig& c = model_->config();
  const Weights& w = model_->weights();
  Scratch& s = *scratch_;
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t d = c.d_model;
  std::vector<int32_t> positions(static_cast<size_t>(n));
  for (int64_t t = 0; t < n; ++t) positions[t] = static_cast<int32_t>(n_past_ + t);

  s.x.resize(static_cast<size_t>(n * d));
  s.xn.resize(s.x.size());
  s.q.resize(static_cast<size_t>(n * c.q_width()));
  s.k.resize(static_cast<size_t>(n * c.kv_width()));
  s.v.resize(static_cast<size_t>(n * c.v_width()));
  s.attn.resize(static_cast<size_t>(n * c.n_heads * c.head_dim_v));
  s.proj.resize(s.x.size());
  s.gate.resize(static_cast<size_t>(n * c.d_ff));
  s.up.resize(s.gate.size());

  for (int64_t t = 0; t < n; ++t) dequantize_row(w.token_embd, tokens[t], s.x.data() + t * d);

  auto watch = [&](SiteKind kind, int l) { return observer_ != nullptr && observer_->wants(kind, l); };
  const std::vector<int64_t> shape_d = {n, d};

  for (int l = 0; l < static_cast<int>(c.n_layers); ++l) {
    const LayerWeights& lw = w.layers[static_cast<size_t>(l)];
    if (watch(SiteKind::kResidPre, l)) notify(SiteKind::kResidPre, l, s.x.data(), shape_d, positions.data(), n);

    // Attention.
    for (int64_t t = 0; t < n; ++t) rms_norm(&s.x[t * d], lw.attn_norm.data(), d, c.rms_eps, &s.xn[t * d]);
    prepare_input(lw.wq.dtype, s.xn.data(), n, d, pool_, &s.prepared);
    if (activation_type(lw.wk.dtype) == s.prepared.dtype && activation_type(lw.wv.dtype) == s.prepared.dtype) {
      matmul_group({{&lw.wq, s.q.data()}, {&lw.wk, s.k.data()}, {&lw.wv, s.v.data()}}, s.prepared, pool_);
    } else {  // mixed activation formats (only with tables that quantize activations per weight type)
      matmul(lw.wq, s.prepared, s.q.data(), pool_);
      matmul(lw.wk, s.xn.data(), n, s.k.data(), pool_, &s.prepared2);
      matmul(lw.wv, s.xn.data(), n, s.v.data(), pool_, &s.prepared2);
    }
    if (!lw.bq.empty()) {
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t i = 0; i < c.q_width(); ++i) s.q[t * c.q_width() + i] += lw.bq[i];
        for (int64_t i = 0; i < c.kv_width(); ++i) s.k[t * c.kv_width() + i] += lw.bk[i];
        for (int64_t i = 0; i < c.v_width(); ++i) s.v[t * c.v_width() + i] += lw.bv[i];
      }
    }
    if (c.qk_norm) {
      for (int64_t r = 0; r < n * c.n_heads; ++r) {
        float* head = &s.q[r * c.head_dim];
        rms_norm(head, lw.q_norm.data(), c.head_dim, c.rms_eps, head);
      }
      for (int64_t r = 0; r < n * c.n_kv_heads; ++r) {
        float* head = &s.k[r * c.head_dim];
        rms_norm(head, lw.k_norm.data(), c.head_dim, c.rms_eps, head);
      }
    }
    rope(s.q.data(), n, c.n_heads, positions.data());
    rope(s.k.data(), n, c.n_kv_heads, positions.data());
    if (watch(SiteKind::kAttnQ, l)) notify(SiteKind::kAttnQ, l, s.q.data(), {n, c.q_width()}, positions.data(), n);
    for (int64_t t = 0; t < n; ++t) {
      cache_.store(l, n_past_ + t, &s.k[t * c.kv_width()], &s.v[t * c.v_width()]);
    }
    const bool want_pattern = watch(SiteKind::kAttnPattern, l);
    const int64_t n_kv = n_past_ + n;
    if (want_pattern) s.pattern.resize(static_cast<size_t>(c.n_heads * n * n_kv));
    attention(l, n, s.q.data(), s.attn.data(), want_pattern ? s.pattern.data() : nullptr);
    if (want_pattern) {
      notify(SiteKind::kAttnPattern, l, s.pattern.data(), {c.n_heads, n, n_kv}, positions.data(), n);
    }
    matmul(lw.wo, s.attn.data(), n, s.proj.data(), pool_, &s.prepared);
    if (watch(SiteKind::kAttnOut, l)) notify(SiteKind::kAttnOut, l, s.proj.data(), shape_d, positions.data(), n);
    for (int64_t i = 0; i < n * d; ++i) s.x[i] += s.proj[i];
    if (watch(SiteKind::kResidMid, l)) notify(SiteKind::kResidMid, l, s.x.data(), shape_d, positions.data(), n);

    // MLP.
    for (int64_t t = 0; t < n; ++t) rms_norm(&s.x[t * d], lw.ffn_norm.data(), d, c.rms_eps, &s.xn[t * d]);
    if (watch(SiteKind::kMlpIn, l)) notify(SiteKind::kMlpIn, l, s.xn.data(), shape_d, positions.data(), n);
    prepare_input(lw.w_gate.dtype, s.xn.data(), n, d, pool_, &s.prepared);
    if (activation_type(lw.w_up.dtype) == s.prepared.dtype) {
      matmul_group({{&lw.w_gate, s.gate.data()}, {&lw.w_up, s.up.data()}}, s.prepared, pool_);
    } else {
      matmul(lw.w_gate, s.prepared, s.gate.data(), pool_);
      matmul(lw.w_up, s.xn.data(), n, s.up.data(), pool_, &s.prepared2);
    }
    for (size_t i = 0; i < s.gate.size(); ++i) s.gate[i] = silu(s.gate[i]) * s.up[i];
    matmul(lw.w_down, s.gate.data(), n, s.proj.data(), pool_, &s.prepared);
    if (watch(SiteKind::kMlpOut, l)) notify(SiteKind::kMlpOut, l, s.proj.data(), shape_d, positions.data(), n);
    for (int64_t i = 0; i < n * d; ++i) s.x[i] += s.proj[i];
    if (watch(SiteKind::kResidPost, l)) notify(SiteKind::kResidPost, l, s.x.data(), shape_d, positions.data(), n);
  }

  n_past_ += n;
  if (!want_logits && !watch(SiteKind::kFinalNorm, -1)) return ok_status();

  for (int64_t t = 0; t < n; ++t) rms_norm(&s.x[t * d], w.output_norm.data(), d, c.rms_eps, &s.xn[t * d]);
  if (watch(SiteKind::kFinalNorm, -1)) notify(SiteKind::kFinalNorm, -1, s.xn.data(), shape_d, positions.data(), n);
  if (!want_logits) return ok_status();
  const int64_t first_row = all_rows ? 0 : n - 1;
  const int64_t rows = n - first_row;
  matmul(w.output, s.xn.data() + first_row * d, rows, logits_out, pool_, &s.prepared);
  if (watch(SiteKind::kLogits, -1)) {
    notify(SiteKind::kLogits, -1, logits_out, {rows, c.vocab_size}, positions.data() + first_row, rows);
  }
  return ok_status();
}

}  // namespace glassbox::model
