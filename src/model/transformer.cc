// The llama-family forward pass: embeddings, N x (RMSNorm, GQA attention with RoPE, SwiGLU MLP), final
// norm, logits. Architecture differences arrive as ModelConfig flags (biases, Q/K norm, rope style).
#include "model/transformer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <functional>

#include "base/check.h"
#include "base/vec_exp.h"
#include "kernels/kernel_table.h"
#include "model/architecture.h"
#include "model/attention.h"

namespace glassbox::model {
namespace {

constexpr int kLayerSiteKinds = 8;  // kResidPre .. kResidPost

void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* y) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * weight[i];
}

// gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + e^-gate[i]) * up[i] over n elements, the exp vectorized.
void silu_mul(float* gate, const float* up, int64_t n) {
  constexpr int64_t kChunk = 512;
  float e[kChunk];
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t len = std::min(kChunk, n - i0);
    for (int64_t i = 0; i < len; ++i) e[i] = -gate[i0 + i];
    exp_inplace(e, len);
    for (int64_t i = 0; i < len; ++i) gate[i0 + i] = gate[i0 + i] / (1.0f + e[i]) * up[i0 + i];
  }
}

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
  std::vector<float> x, xn, q, k, v, attn, proj, gate, up, pattern, logits_rows, logits_in;
  std::vector<AttentionChunk> attention_chunks;  // per chunk of a step
  PreparedInput prepared, prepared2;
};

// One weight pass. Rows are laid out with the one-token chunks first (rows [0, n_single), the per-token
// kernels) and the longer chunks after them (the prompt kernels), each chunk's rows contiguous.
struct Context::Step {
  struct Part {
    int slot;
    int64_t first_row;  // in the step's row layout
    int64_t n_tokens;
    LogitsMode logits;
  };
  std::vector<Part> parts;         // in the caller's chunk order
  std::vector<int32_t> tokens;     // [n_rows]
  std::vector<int32_t> positions;  // [n_rows]
  int64_t n_rows = 0;
  int64_t n_single = 0;            // rows of one-token chunks, first in the layout
  bool single_per_token = true;    // those rows take the per-token kernels (else the prompt kernels)
  bool observe = false;            // a single chunk: observers see the step
};

Context::Context(std::shared_ptr<const Model> model, const ContextOptions& options)
    : model_(std::move(model)),
      options_(options),
      pool_(options.n_threads > 0 ? options.n_threads : ThreadPool::hardware_threads()),
      n_past_(static_cast<size_t>(std::max(options.n_seq, 1)), 0),
      scratch_(std::make_unique<Scratch>()) {
  const ModelConfig& c = model_->config();
  GB_CHECK(options.n_seq >= 1);
  const int64_t n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min<int64_t>(c.ctx_train, 4096);
  caches_.reserve(static_cast<size_t>(options.n_seq));
  for (int i = 0; i < options.n_seq; ++i) caches_.emplace_back(c, n_ctx, options.kv_dtype);
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

void Context::truncate(int slot, int64_t n) {
  GB_CHECK(slot >= 0 && slot < n_seq());
  GB_CHECK(n >= 0 && n <= n_past_[static_cast<size_t>(slot)]);
  n_past_[static_cast<size_t>(slot)] = n;
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

// Each chunk's query rows against its own slot's cache, read in place (attention.h); every chunk's tasks run
// as one parallel job, so many one-token chunks cost one dispatch. q: [n_rows, q_width] and out: [n_rows,
// n_heads * head_dim_v] in the step's row layout. pattern (single-chunk steps only): [n_heads, n_tokens, n_kv].
void Context::attention(int layer_idx, const Step& step, const float* q, float* out, float* pattern) {
  const ModelConfig& c = model_->config();
  std::vector<AttentionChunk>& chunks = scratch_->attention_chunks;
  chunks.clear();
  for (const Step::Part& part : step.parts) {
    chunks.push_back({&caches_[static_cast<size_t>(part.slot)], n_past_[static_cast<size_t>(part.slot)], part.n_tokens,
                      q + part.first_row * c.q_width(), out + part.first_row * c.n_heads * c.head_dim_v});
  }
  const AttentionShape shape{c.n_heads, c.n_kv_heads, c.head_dim, c.head_dim_v, c.sliding_window};
  attend(shape, layer_idx, chunks, pool_, kernels::active_table(), pattern);
}

Status Context::check_chunks(std::span<const SeqChunk> chunks) const {
  const ModelConfig& c = model_->config();
  std::vector<bool> seen(static_cast<size_t>(n_seq()), false);
  for (size_t ci = 0; ci < chunks.size(); ++ci) {
    const SeqChunk& chunk = chunks[ci];
    if (chunk.slot < 0 || chunk.slot >= n_seq()) {
      return invalid_argument(str_format("chunk %zu: slot %d is outside [0, %d)", ci, chunk.slot, n_seq()));
    }
    if (seen[static_cast<size_t>(chunk.slot)]) {
      return invalid_argument(str_format("chunk %zu: slot %d appears twice in one step", ci, chunk.slot));
    }
    seen[static_cast<size_t>(chunk.slot)] = true;
    for (size_t i = 0; i < chunk.tokens.size(); ++i) {
      if (chunk.tokens[i] < 0 || chunk.tokens[i] >= c.vocab_size) {
        return invalid_argument(str_format("token id %d at index %zu is outside the vocabulary [0, %lld)",
                                           chunk.tokens[i], i, static_cast<long long>(c.vocab_size)));
      }
    }
    const int64_t n_past = n_past_[static_cast<size_t>(chunk.slot)];
    if (n_past + static_cast<int64_t>(chunk.tokens.size()) > n_ctx()) {
      return out_of_range(str_format("%lld tokens exceed the context of %lld (already holding %lld)",
                                     static_cast<long long>(chunk.tokens.size()), static_cast<long long>(n_ctx()),
                                     static_cast<long long>(n_past)));
    }
  }
  return ok_status();
}

Status Context::forward(std::span<const int32_t> tokens, LogitsMode mode, std::vector<float>* logits) {
  const ModelConfig& c = model_->config();
  const std::array<SeqChunk, 1> whole = {SeqChunk{0, tokens, mode}};
  GB_RETURN_IF_ERROR(check_chunks(whole));
  if (tokens.empty()) {
    if (logits) logits->clear();
    return ok_status();
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (logits != nullptr) {
    if (mode == LogitsMode::kAll) logits->resize(static_cast<size_t>(n * c.vocab_size));
    if (mode == LogitsMode::kLast) logits->resize(static_cast<size_t>(c.vocab_size));
  }
  Step step;
  for (int64_t start = 0; start < n; start += options_.max_batch) {
    const int64_t len = std::min(options_.max_batch, n - start);
    const bool last_chunk = start + len == n;
    const bool want = logits != nullptr && (mode == LogitsMode::kAll || (mode == LogitsMode::kLast && last_chunk));
    float* out = !want ? nullptr
                 : mode == LogitsMode::kAll ? logits->data() + start * c.vocab_size
                                             : logits->data();
    step.parts = {{0, 0, len, want ? mode : LogitsMode::kNone}};
    step.tokens.assign(tokens.begin() + start, tokens.begin() + start + len);
    step.positions.resize(static_cast<size_t>(len));
    for (int64_t t = 0; t < len; ++t) step.positions[t] = static_cast<int32_t>(n_past_[0] + t);
    step.n_rows = len;
    step.n_single = len == 1 ? 1 : 0;
    step.observe = true;
    run_step(step, out);
  }
  return ok_status();
}

Status Context::forward_batch(std::span<const SeqChunk> chunks, std::vector<float>* logits) {
  GB_RETURN_IF_ERROR(check_chunks(chunks));
  Step step;
  int64_t n_logits = 0;
  for (const SeqChunk& chunk : chunks) {
    const int64_t n = static_cast<int64_t>(chunk.tokens.size());
    if (n == 1) step.n_single += 1;
    step.n_rows += n;
    n_logits += chunk.logits == LogitsMode::kAll ? n : chunk.logits == LogitsMode::kLast && n > 0 ? 1 : 0;
  }
  step.tokens.resize(static_cast<size_t>(step.n_rows));
  step.positions.resize(static_cast<size_t>(step.n_rows));
  int64_t next_single = 0, next_multi = step.n_single;
  for (const SeqChunk& chunk : chunks) {
    const int64_t n = static_cast<int64_t>(chunk.tokens.size());
    if (n == 0) continue;
    int64_t& next = n == 1 ? next_single : next_multi;
    step.parts.push_back({chunk.slot, next, n, chunk.logits});
    for (int64_t t = 0; t < n; ++t) {
      step.tokens[next + t] = chunk.tokens[t];
      step.positions[next + t] = static_cast<int32_t>(n_past_[static_cast<size_t>(chunk.slot)] + t);
    }
    next += n;
  }
  step.observe = step.parts.size() == 1;
  step.single_per_token = options_.gemm_decode_rows <= 0 || step.n_single < options_.gemm_decode_rows;
  if (logits != nullptr) logits->resize(static_cast<size_t>(n_logits * model_->config().vocab_size));
  if (step.n_rows > 0) run_step(step, logits != nullptr && n_logits > 0 ? logits->data() : nullptr);
  return ok_status();
}

// y_i = W_i x for every row of a step: rows [0, n_single) per token (the generation kernels), the rest
// through the prompt kernels. Products share one prepared input when their activation formats agree.
void Context::linear(std::initializer_list<Product> products, const float* x, int64_t cols, int64_t n_single,
                     int64_t n_rows) {
  Scratch& s = *scratch_;
  for (int group = 0; group < 2; ++group) {
    const bool per_token = group == 0;
    const int64_t begin = per_token ? 0 : n_single;
    const int64_t count = per_token ? n_single : n_rows - n_single;
    if (count == 0) continue;
    const float* xg = x + begin * cols;
    Product shifted[4];
    size_t n_products = 0;
    GB_CHECK(products.size() <= std::size(shifted));
    for (const auto& [w, y] : products) shifted[n_products++] = {w, y + begin * w->rows};
    prepare_input(shifted[0].first->dtype, xg, count, cols, pool_, &s.prepared, per_token);
    bool shared = true;
    for (size_t i = 0; i < n_products; ++i) {
      shared = shared && activation_type(shifted[i].first->dtype) == s.prepared.dtype;
    }
    if (shared) {
      matmul_group(std::span<const Product>(shifted, n_products), s.prepared, pool_);
    } else {  // mixed activation formats (only with tables that quantize activations per weight type)
      matmul(*shifted[0].first, s.prepared, shifted[0].second, pool_);
      for (size_t i = 1; i < n_products; ++i) {
        matmul(*shifted[i].first, xg, count, shifted[i].second, pool_, &s.prepared2, per_token);
      }
    }
  }
}

void Context::run_step(const Step& step, float* logits_out) {
  const ModelConfig& c = model_->config();
  const Weights& w = model_->weights();
  Scratch& s = *scratch_;
  const int64_t n = step.n_rows;
  const int64_t d = c.d_model;
  const int32_t* positions = step.positions.data();

  s.x.resize(static_cast<size_t>(n * d));
  s.xn.resize(s.x.size());
  s.q.resize(static_cast<size_t>(n * c.q_width()));
  s.k.resize(static_cast<size_t>(n * c.kv_width()));
  s.v.resize(static_cast<size_t>(n * c.v_width()));
  s.attn.resize(static_cast<size_t>(n * c.n_heads * c.head_dim_v));
  s.proj.resize(s.x.size());
  s.gate.resize(static_cast<size_t>(n * c.d_ff));
  s.up.resize(s.gate.size());

  for (int64_t t = 0; t < n; ++t) dequantize_row(w.token_embd, step.tokens[t], s.x.data() + t * d);

  // Row-wise passes (norms, residual adds, SiLU) over the pool when a step has enough rows to pay for it.
  auto for_rows = [&](int64_t rows, const std::function<void(int64_t, int64_t)>& fn) {
    if (rows >= 16) {
      pool_.parallel_for(rows, 8, fn);
    } else {
      fn(0, rows);
    }
  };
  auto norm_rows = [&](const std::vector<float>& weight, float* out) {
    for_rows(n, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) rms_norm(&s.x[t * d], weight.data(), d, c.rms_eps, &out[t * d]);
    });
  };
  auto add_proj = [&] {
    for_rows(n, [&](int64_t b, int64_t e) {
      for (int64_t i = b * d; i < e * d; ++i) s.x[i] += s.proj[i];
    });
  };
  auto watch = [&](SiteKind kind, int l) {
    return step.observe && observer_ != nullptr && observer_->wants(kind, l);
  };
  const std::vector<int64_t> shape_d = {n, d};
  auto lin = [&](std::initializer_list<Product> products, const float* x, int64_t cols) {
    linear(products, x, cols, step.single_per_token ? step.n_single : 0, n);
  };
  const int64_t out_w = c.n_heads * c.head_dim_v;

  for (int l = 0; l < static_cast<int>(c.n_layers); ++l) {
    const LayerWeights& lw = w.layers[static_cast<size_t>(l)];
    if (watch(SiteKind::kResidPre, l)) notify(SiteKind::kResidPre, l, s.x.data(), shape_d, positions, n);

    // Attention.
    norm_rows(lw.attn_norm, s.xn.data());
    lin({{&lw.wq, s.q.data()}, {&lw.wk, s.k.data()}, {&lw.wv, s.v.data()}}, s.xn.data(), d);
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
    for_rows(n, [&](int64_t b, int64_t e) {
      rope(s.q.data() + b * c.q_width(), e - b, c.n_heads, positions + b);
      rope(s.k.data() + b * c.kv_width(), e - b, c.n_kv_heads, positions + b);
    });
    if (watch(SiteKind::kAttnQ, l)) notify(SiteKind::kAttnQ, l, s.q.data(), {n, c.q_width()}, positions, n);
    for (const Step::Part& part : step.parts) {
      KvCache& cache = caches_[static_cast<size_t>(part.slot)];
      const int64_t n_past = n_past_[static_cast<size_t>(part.slot)];
      for (int64_t t = 0; t < part.n_tokens; ++t) {
        const int64_t row = part.first_row + t;
        cache.store(l, n_past + t, &s.k[row * c.kv_width()], &s.v[row * c.v_width()]);
      }
    }
    const bool want_pattern = watch(SiteKind::kAttnPattern, l);  // single-chunk steps only
    int64_t pattern_kv = 0;
    if (want_pattern) {
      pattern_kv = n_past_[static_cast<size_t>(step.parts[0].slot)] + n;
      s.pattern.resize(static_cast<size_t>(c.n_heads * n * pattern_kv));
    }
    attention(l, step, s.q.data(), s.attn.data(), want_pattern ? s.pattern.data() : nullptr);
    if (want_pattern) notify(SiteKind::kAttnPattern, l, s.pattern.data(), {c.n_heads, n, pattern_kv}, positions, n);
    lin({{&lw.wo, s.proj.data()}}, s.attn.data(), out_w);
    if (watch(SiteKind::kAttnOut, l)) notify(SiteKind::kAttnOut, l, s.proj.data(), shape_d, positions, n);
    add_proj();
    if (watch(SiteKind::kResidMid, l)) notify(SiteKind::kResidMid, l, s.x.data(), shape_d, positions, n);

    // MLP.
    norm_rows(lw.ffn_norm, s.xn.data());
    if (watch(SiteKind::kMlpIn, l)) notify(SiteKind::kMlpIn, l, s.xn.data(), shape_d, positions, n);
    lin({{&lw.w_gate, s.gate.data()}, {&lw.w_up, s.up.data()}}, s.xn.data(), d);
    for_rows(n, [&](int64_t b, int64_t e) {
      silu_mul(s.gate.data() + b * c.d_ff, s.up.data() + b * c.d_ff, (e - b) * c.d_ff);
    });
    lin({{&lw.w_down, s.proj.data()}}, s.gate.data(), c.d_ff);
    if (watch(SiteKind::kMlpOut, l)) notify(SiteKind::kMlpOut, l, s.proj.data(), shape_d, positions, n);
    add_proj();
    if (watch(SiteKind::kResidPost, l)) notify(SiteKind::kResidPost, l, s.x.data(), shape_d, positions, n);
  }

  for (const Step::Part& part : step.parts) n_past_[static_cast<size_t>(part.slot)] += part.n_tokens;
  if (watch(SiteKind::kFinalNorm, -1)) {
    for (int64_t t = 0; t < n; ++t) rms_norm(&s.x[t * d], w.output_norm.data(), d, c.rms_eps, &s.xn[t * d]);
    notify(SiteKind::kFinalNorm, -1, s.xn.data(), shape_d, positions, n);
  }
  if (logits_out == nullptr) return;

  // Logits rows in the caller's order: a chunk's last row (kLast) or every row (kAll). A row that forward()
  // would multiply alone (kLast, or a one-token chunk) goes per token; kAll rows of longer chunks go through
  // the prompt kernels, as forward() would send them.
  struct Wanted {
    int64_t row;      // in the step's layout
    int64_t out_row;  // in logits_out
    bool per_token;
  };
  std::vector<Wanted> wanted;
  int64_t out_row = 0;
  for (const Step::Part& part : step.parts) {
    if (part.logits == LogitsMode::kLast) {
      wanted.push_back({part.first_row + part.n_tokens - 1, out_row++, true});
    } else if (part.logits == LogitsMode::kAll) {
      for (int64_t t = 0; t < part.n_tokens; ++t) {
        wanted.push_back({part.first_row + t, out_row++, part.n_tokens == 1});
      }
    }
  }
  if (wanted.empty()) return;
  std::stable_partition(wanted.begin(), wanted.end(), [](const Wanted& x) { return x.per_token; });
  const int64_t rows = static_cast<int64_t>(wanted.size());
  s.logits_in.resize(static_cast<size_t>(rows * d));
  int64_t n_single = 0;
  bool in_order = true;
  for (int64_t i = 0; i < rows; ++i) {
    rms_norm(&s.x[wanted[i].row * d], w.output_norm.data(), d, c.rms_eps, &s.logits_in[i * d]);
    n_single += wanted[i].per_token ? 1 : 0;
    in_order = in_order && wanted[i].out_row == i;
  }
  if (!step.single_per_token) n_single = 0;
  const int64_t V = c.vocab_size;
  float* dst = logits_out;
  if (!in_order) {
    s.logits_rows.resize(static_cast<size_t>(rows * V));
    dst = s.logits_rows.data();
  }
  linear({{&w.output, dst}}, s.logits_in.data(), d, n_single, rows);
  if (!in_order) {
    for (int64_t i = 0; i < rows; ++i) {
      std::memcpy(logits_out + wanted[i].out_row * V, dst + i * V, static_cast<size_t>(V) * sizeof(float));
    }
  }
  if (watch(SiteKind::kLogits, -1)) {
    notify(SiteKind::kLogits, -1, logits_out, {rows, V}, positions + wanted.front().row, rows);
  }
}

}  // namespace glassbox::model
