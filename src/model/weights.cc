// Locating and validating weight tensors by their GGUF names.
#include "model/weights.h"

#include "kernels/kernel_table.h"

namespace glassbox::model {
namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

class Loader {
 public:
  explicit Loader(const gguf::GgufFile& file) : file_(file) {}

  Result<WeightMatrix> matrix(const std::string& name, int64_t rows, int64_t cols) {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) return not_found(str_format("%s: tensor '%s' is missing", file_.name().c_str(), name.c_str()));
    if (t->shape.size() != 2 || t->shape[0] != cols || t->shape[1] != rows) {
      return data_loss(str_format("%s: tensor '%s' has shape %s, expected [%lld, %lld]", file_.name().c_str(),
                                  name.c_str(), shape_str(t->shape).c_str(), static_cast<long long>(cols),
                                  static_cast<long long>(rows)));
    }
    const tensor::DTypeInfo& info = tensor::dtype_info(t->dtype);
    if (!info.supported || kernels::active_table().of(t->dtype).vec_dot_f32 == nullptr) {
      return unimplemented(str_format("%s: tensor '%s' has type %s, which glassbox cannot compute with",
                                      file_.name().c_str(), name.c_str(), std::string(info.name).c_str()));
    }
    WeightMatrix w;
    w.name = name;
    w.dtype = t->dtype;
    w.data = file_.tensor_data(*t);
    w.rows = rows;
    w.cols = cols;
    w.row_bytes = tensor::row_bytes(t->dtype, cols);
    return w;
  }

  Result<std::vector<float>> vector(const std::string& name, int64_t n) {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (t == nullptr) return not_found(str_format("%s: tensor '%s' is missing", file_.name().c_str(), name.c_str()));
    if (t->n_elements != n || t->shape[0] != n) {
      return data_loss(str_format("%s: tensor '%s' has shape %s, expected [%lld]", file_.name().c_str(), name.c_str(),
                                  shape_str(t->shape).c_str(), static_cast<long long>(n)));
    }
    auto dequantize = kernels::reference_table().of(t->dtype).dequantize_row;
    if (dequantize == nullptr) {
      return unimplemented(str_format("%s: tensor '%s' has type %s, which glassbox cannot decode",
                                      file_.name().c_str(), name.c_str(), std::string(tensor::dtype_name(t->dtype)).c_str()));
    }
    std::vector<float> out(static_cast<size_t>(n));
    dequantize(file_.tensor_data(*t), out.data(), n);
    return out;
  }

  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

 private:
  const gguf::GgufFile& file_;
};

}  // namespace

Result<Weights> load_weights(const gguf::GgufFile& file, ModelConfig* config) {
  Loader L(file);
  Weights w;
  const ModelConfig& c = *config;
  const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight");
  if (embd == nullptr) return not_found(str_format("%s: tensor 'token_embd.weight' is missing", file.name().c_str()));
  if (embd->shape.size() != 2) {
    return data_loss(str_format("%s: tensor 'token_embd.weight' has shape %s, expected [d_model, vocab]",
                                file.name().c_str(), shape_str(embd->shape).c_str()));
  }
  if (config->vocab_size != 0 && config->vocab_size != embd->shape[1]) {
    // The vocabulary can be padded beyond the token list; the embedding's rows are authoritative.
    if (embd->shape[1] < config->vocab_size) {
      return data_loss(str_format("%s: token_embd.weight has %lld rows, fewer than the %lld tokens of the vocabulary",
                                  file.name().c_str(), static_cast<long long>(embd->shape[1]),
                                  static_cast<long long>(config->vocab_size)));
    }
  }
  config->vocab_size = embd->shape[1];
  GB_ASSIGN_OR_RETURN(w.token_embd, L.matrix("token_embd.weight", c.vocab_size, c.d_model));
  if (L.has("output.weight")) {
    GB_ASSIGN_OR_RETURN(w.output, L.matrix("output.weight", c.vocab_size, c.d_model));
  } else {
    w.output = w.token_embd;
  }
  GB_ASSIGN_OR_RETURN(w.output_norm, L.vector("output_norm.weight", c.d_model));
  if (L.has("rope_freqs.weight")) {
    GB_ASSIGN_OR_RETURN(w.rope_freq_factors, L.vector("rope_freqs.weight", c.rope_dim / 2));
  }

  w.layers.resize(static_cast<size_t>(c.n_layers));
  for (int64_t l = 0; l < c.n_layers; ++l) {
    LayerWeights& lw = w.layers[static_cast<size_t>(l)];
    std::string b = "blk." + std::to_string(l) + ".";
    GB_ASSIGN_OR_RETURN(lw.attn_norm, L.vector(b + "attn_norm.weight", c.d_model));
    GB_ASSIGN_OR_RETURN(lw.wq, L.matrix(b + "attn_q.weight", c.q_width(), c.d_model));
    GB_ASSIGN_OR_RETURN(lw.wk, L.matrix(b + "attn_k.weight", c.kv_width(), c.d_model));
    GB_ASSIGN_OR_RETURN(lw.wv, L.matrix(b + "attn_v.weight", c.v_width(), c.d_model));
    GB_ASSIGN_OR_RETURN(lw.wo, L.matrix(b + "attn_output.weight", c.d_model, c.n_heads * c.head_dim_v));
    if (c.qkv_bias || L.has(b + "attn_q.bias")) {
      GB_ASSIGN_OR_RETURN(lw.bq, L.vector(b + "attn_q.bias", c.q_width()));
      GB_ASSIGN_OR_RETURN(lw.bk, L.vector(b + "attn_k.bias", c.kv_width()));
      GB_ASSIGN_OR_RETURN(lw.bv, L.vector(b + "attn_v.bias", c.v_width()));
    }
    if (c.qk_norm) {
      GB_ASSIGN_OR_RETURN(lw.q_norm, L.vector(b + "attn_q_norm.weight", c.head_dim));
      GB_ASSIGN_OR_RETURN(lw.k_norm, L.vector(b + "attn_k_norm.weight", c.head_dim));
    }
    GB_ASSIGN_OR_RETURN(lw.ffn_norm, L.vector(b + "ffn_norm.weight", c.d_model));
    GB_ASSIGN_OR_RETURN(lw.w_gate, L.matrix(b + "ffn_gate.weight", c.d_ff, c.d_model));
    GB_ASSIGN_OR_RETURN(lw.w_up, L.matrix(b + "ffn_up.weight", c.d_ff, c.d_model));
    GB_ASSIGN_OR_RETURN(lw.w_down, L.matrix(b + "ffn_down.weight", c.d_model, c.d_ff));
  }
  return w;
}

}  // namespace glassbox::model
