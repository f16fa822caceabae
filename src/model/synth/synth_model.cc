// The synthetic model: tensor plan per architecture, GGUF metadata, and seeded row generation.
#include "model/synth/synth_model.h"

#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "kernels/kernel_table.h"

namespace glassbox::model::synth {
namespace {

using tensor::DType;

constexpr float kWeightStd = 0.02f;

uint64_t mix64(uint64_t z) {  // splitmix64's finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

// splitmix64: one 64-bit draw per value, enough for Irwin-Hall's four 16-bit uniforms.
class Rng {
 public:
  explicit Rng(uint64_t state) : state_(state) {}
  // Approximately N(0, 1): the sum of four uniforms on [0, 65535], centred and scaled to unit
  // variance (Irwin-Hall, n = 4; tails end at +-3.46 sigma).
  float normalish() {
    const uint64_t r = mix64(state_ += 0x9e3779b97f4a7c15ull);
    const int64_t sum = static_cast<int64_t>((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48));
    constexpr float kScale = 1.7320508f / 65536.0f;  // sqrt(12 / 4) / range
    return static_cast<float>(sum - 131070) * kScale;
  }

 private:
  uint64_t state_;
};

using RowEncoder = void (*)(const float* src, void* dst, int64_t n);

// The quantize kernel for `dtype`, or for the float types an exact conversion when the table has none.
RowEncoder encoder_for(DType dtype) {
  if (RowEncoder k = kernels::reference_table().of(dtype).quantize_row) return k;
  switch (dtype) {
    case DType::kF32:
      return [](const float* src, void* dst, int64_t n) { std::memcpy(dst, src, static_cast<size_t>(n) * 4); };
    case DType::kF16:
      return [](const float* src, void* dst, int64_t n) {
        auto* out = static_cast<uint16_t*>(dst);
        for (int64_t k = 0; k < n; ++k) out[k] = fp32_to_fp16(src[k]);
      };
    case DType::kBF16:
      return [](const float* src, void* dst, int64_t n) {
        auto* out = static_cast<uint16_t*>(dst);
        for (int64_t k = 0; k < n; ++k) out[k] = fp32_to_bf16(src[k]);
      };
    default: return nullptr;
  }
}

Status fill_tensor(const SynthTensor& t, uint64_t seed, const std::vector<float>& fixed, ThreadPool& pool,
                   uint8_t* out) {
  const int64_t row_length = t.shape[0];
  int64_t rows = 1;
  for (size_t d = 1; d < t.shape.size(); ++d) rows *= t.shape[d];
  const size_t row_bytes = tensor::row_bytes(t.dtype, row_length);
  const RowEncoder encode = encoder_for(t.dtype);
  if (encode == nullptr) return internal_error("synth: no encoder for " + std::string(tensor::dtype_name(t.dtype)));
  const uint64_t base = mix64(seed ^ fnv1a(t.name));
  const float mean = t.init == Init::kNorm ? 1.0f : 0.0f;
  pool.parallel_for(rows, std::max<int64_t>(1, 65536 / row_length), [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<size_t>(row_length));
    for (int64_t r = begin; r < end; ++r) {
      if (t.init == Init::kRopeFreqs) {
        row.assign(fixed.begin(), fixed.end());
      } else {
        Rng rng(mix64(base + mix64(static_cast<uint64_t>(r))));
        for (float& v : row) v = mean + kWeightStd * rng.normalish();
      }
      encode(row.data(), out + static_cast<size_t>(r) * row_bytes, row_length);
    }
  });
  return ok_status();
}

std::string layer_name(int64_t layer_idx, const char* suffix) {
  return "blk." + std::to_string(layer_idx) + "." + suffix;
}

}  // namespace

std::vector<float> llama3_rope_freqs(const ModelShape& s) {
  const Llama3RopeScaling& r = s.rope_scaling;
  const double low_freq_wavelen = static_cast<double>(r.original_context_length) / r.low_freq_factor;
  const double high_freq_wavelen = static_cast<double>(r.original_context_length) / r.high_freq_factor;
  std::vector<float> factors;
  for (int64_t i = 0; i < s.head_dim / 2; ++i) {
    const double freq = std::pow(static_cast<double>(s.rope_theta), -2.0 * static_cast<double>(i) / s.head_dim);
    const double wavelen = 2 * M_PI / freq;
    double f = 1;
    if (wavelen > low_freq_wavelen) {
      f = r.factor;
    } else if (wavelen >= high_freq_wavelen) {
      const double smooth = (r.original_context_length / wavelen - r.low_freq_factor) /
                            (r.high_freq_factor - r.low_freq_factor);
      f = 1 / ((1 - smooth) / r.factor + smooth);
    }
    factors.push_back(static_cast<float>(f));
  }
  return factors;
}

Result<SynthPlan> plan_synth(const SynthOptions& options) {
  const ModelShape* found = find_model_shape(options.shape);
  if (found == nullptr) {
    return invalid_argument(str_format("unknown shape '%s'; shapes: %s", options.shape.c_str(),
                                       model_shape_names().c_str()));
  }
  SynthPlan plan;
  GB_ASSIGN_OR_RETURN(plan.type, parse_type_spec(options.type, options.pure));
  plan.shape = *found;
  plan.seed = options.seed;
  if (options.vocab_size < 0) return invalid_argument("vocabulary size must be positive");
  if (options.vocab_size > 0) plan.shape.vocab_size = options.vocab_size;
  GB_ASSIGN_OR_RETURN(plan.vocab, make_synth_vocab(plan.shape.vocab, plan.shape.vocab_size));

  const ModelShape& s = plan.shape;
  const int64_t d = s.d_model, q_dim = s.n_heads * s.head_dim, kv_dim = s.n_kv_heads * s.head_dim;
  auto matrix = [&](std::string name, int64_t in, int64_t out, TensorRole role, int64_t layer_idx) {
    TypeChoice c = choose_type(plan.type, s, role, layer_idx, in);
    plan.tensors.push_back({std::move(name), {in, out}, c.dtype, Init::kWeight, std::move(c.fallback)});
  };
  auto vec = [&](std::string name, int64_t n, Init init) {
    plan.tensors.push_back({std::move(name), {n}, DType::kF32, init, ""});
  };
  matrix("token_embd.weight", d, s.vocab_size, TensorRole::kTokenEmbd, 0);
  vec("output_norm.weight", d, Init::kNorm);
  if (!s.tied_embeddings) matrix("output.weight", d, s.vocab_size, TensorRole::kOutput, 0);
  if (s.rope_scaling.factor != 0) vec("rope_freqs.weight", s.head_dim / 2, Init::kRopeFreqs);
  for (int64_t l = 0; l < s.n_layers; ++l) {
    vec(layer_name(l, "attn_norm.weight"), d, Init::kNorm);
    matrix(layer_name(l, "attn_q.weight"), d, q_dim, TensorRole::kAttnQ, l);
    matrix(layer_name(l, "attn_k.weight"), d, kv_dim, TensorRole::kAttnK, l);
    matrix(layer_name(l, "attn_v.weight"), d, kv_dim, TensorRole::kAttnV, l);
    if (s.qkv_bias) {
      vec(layer_name(l, "attn_q.bias"), q_dim, Init::kBias);
      vec(layer_name(l, "attn_k.bias"), kv_dim, Init::kBias);
      vec(layer_name(l, "attn_v.bias"), kv_dim, Init::kBias);
    }
    if (s.qk_norm) {
      vec(layer_name(l, "attn_q_norm.weight"), s.head_dim, Init::kNorm);
      vec(layer_name(l, "attn_k_norm.weight"), s.head_dim, Init::kNorm);
    }
    matrix(layer_name(l, "attn_output.weight"), q_dim, d, TensorRole::kAttnOutput, l);
    vec(layer_name(l, "ffn_norm.weight"), d, Init::kNorm);
    matrix(layer_name(l, "ffn_gate.weight"), d, s.d_ff, TensorRole::kFfnGate, l);
    matrix(layer_name(l, "ffn_up.weight"), d, s.d_ff, TensorRole::kFfnUp, l);
    matrix(layer_name(l, "ffn_down.weight"), s.d_ff, d, TensorRole::kFfnDown, l);
  }
  return plan;
}

Status check_kernels(const SynthPlan& plan) {
  for (const SynthTensor& t : plan.tensors) {
    if (encoder_for(t.dtype) == nullptr) {
      return unimplemented(str_format("type %s needs a %s quantize kernel (for '%s'), which this build's "
                                      "kernels::reference_table() does not have",
                                      std::string(plan.type.name).c_str(),
                                      std::string(tensor::dtype_name(t.dtype)).c_str(), t.name.c_str()));
    }
  }
  return ok_status();
}

Result<gguf::GgufWriter> make_synth_writer(const SynthPlan& plan, ThreadPool& pool) {
  const ModelShape& s = plan.shape;
  const std::string a(s.architecture);
  gguf::GgufWriter w;
  w.set_string("general.architecture", a);
  w.set_string("general.name", std::string(s.name));
  w.set_u32("general.file_type", plan.type.file_type);
  for (const SynthTensor& t : plan.tensors) {
    if (tensor::dtype_info(t.dtype).quantized) {
      w.set_u32("general.quantization_version", 2);  // ggml's current block layouts
      break;
    }
  }
  w.set_u32(a + ".context_length", static_cast<uint32_t>(s.context_length));
  w.set_u32(a + ".embedding_length", static_cast<uint32_t>(s.d_model));
  w.set_u32(a + ".block_count", static_cast<uint32_t>(s.n_layers));
  w.set_u32(a + ".feed_forward_length", static_cast<uint32_t>(s.d_ff));
  w.set_u32(a + ".attention.head_count", static_cast<uint32_t>(s.n_heads));
  w.set_u32(a + ".attention.head_count_kv", static_cast<uint32_t>(s.n_kv_heads));
  w.set_f32(a + ".rope.freq_base", s.rope_theta);
  w.set_f32(a + ".attention.layer_norm_rms_epsilon", s.rms_eps);
  w.set_u32(a + ".rope.dimension_count", static_cast<uint32_t>(s.head_dim));
  w.set_u32(a + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
  w.set_u32(a + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
  w.set_u32(a + ".vocab_size", static_cast<uint32_t>(s.vocab_size));
  if (s.rope_scaling.factor != 0) {
    // llama.cpp applies Llama 3 scaling through the rope_freqs tensor alone; its rope.scaling.* keys
    // mean linear/YaRN scaling, so the parameters are recorded under glassbox's own keys.
    w.set_string("glassbox.rope.scaling.type", "llama3");
    w.set_f32("glassbox.rope.scaling.factor", s.rope_scaling.factor);
    w.set_f32("glassbox.rope.scaling.low_freq_factor", s.rope_scaling.low_freq_factor);
    w.set_f32("glassbox.rope.scaling.high_freq_factor", s.rope_scaling.high_freq_factor);
    w.set_u32("glassbox.rope.scaling.original_context_length", static_cast<uint32_t>(s.rope_scaling.original_context_length));
  }
  w.set_string("glassbox.synth.shape_source", std::string(s.source));
  w.set_u64("glassbox.synth.seed", plan.seed);
  add_vocab_metadata(plan.vocab, w);

  const uint64_t seed = plan.seed;
  for (const SynthTensor& t : plan.tensors) {
    std::vector<float> fixed;
    if (t.init == Init::kRopeFreqs) fixed = llama3_rope_freqs(s);
    GB_RETURN_IF_ERROR(w.add_tensor(t.name, t.dtype, t.shape, [t, seed, fixed, &pool](uint8_t* out, size_t) {
      return fill_tensor(t, seed, fixed, pool, out);
    }));
  }
  return w;
}

}  // namespace glassbox::model::synth
