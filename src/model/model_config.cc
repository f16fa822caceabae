// Reading ModelConfig from "<arch>.*" GGUF metadata keys (names as in the GGUF spec's LLM section).
#include "model/model_config.h"

#include "model/architecture.h"

namespace glassbox::model {
namespace {

Status require_positive(const gguf::GgufFile& file, const std::string& key, int64_t value) {
  if (value <= 0) {
    return data_loss(str_format("%s: metadata '%s' is %lld, expected a positive integer", file.name().c_str(),
                                key.c_str(), static_cast<long long>(value)));
  }
  return ok_status();
}

}  // namespace

Result<ModelConfig> read_model_config(const gguf::GgufFile& file) {
  ModelConfig c;
  GB_ASSIGN_OR_RETURN(std::string_view arch, file.get_string("general.architecture"));
  c.architecture = std::string(arch);
  const Architecture* architecture = find_architecture(arch);
  if (architecture == nullptr) {
    return unimplemented(str_format("%s: architecture '%s' is not supported (supported: %s)", file.name().c_str(),
                                    c.architecture.c_str(), supported_architectures_list().c_str()));
  }
  GB_ASSIGN_OR_RETURN(auto name, file.find_string("general.name"));
  if (name) c.name = std::string(*name);
  const std::string p = c.architecture + ".";

  GB_ASSIGN_OR_RETURN(c.d_model, file.get_int(p + "embedding_length"));
  GB_ASSIGN_OR_RETURN(c.n_layers, file.get_int(p + "block_count"));
  GB_ASSIGN_OR_RETURN(c.n_heads, file.get_int(p + "attention.head_count"));
  GB_ASSIGN_OR_RETURN(c.d_ff, file.get_int(p + "feed_forward_length"));
  GB_RETURN_IF_ERROR(require_positive(file, p + "embedding_length", c.d_model));
  GB_RETURN_IF_ERROR(require_positive(file, p + "block_count", c.n_layers));
  GB_RETURN_IF_ERROR(require_positive(file, p + "attention.head_count", c.n_heads));
  GB_RETURN_IF_ERROR(require_positive(file, p + "feed_forward_length", c.d_ff));
  GB_ASSIGN_OR_RETURN(auto n_kv, file.find_int(p + "attention.head_count_kv"));
  c.n_kv_heads = n_kv.value_or(c.n_heads);
  GB_RETURN_IF_ERROR(require_positive(file, p + "attention.head_count_kv", c.n_kv_heads));
  if (c.n_heads % c.n_kv_heads != 0) {
    return data_loss(str_format("%s: %lld attention heads is not a multiple of %lld KV heads", file.name().c_str(),
                                static_cast<long long>(c.n_heads), static_cast<long long>(c.n_kv_heads)));
  }
  GB_ASSIGN_OR_RETURN(auto key_len, file.find_int(p + "attention.key_length"));
  if (!key_len && c.d_model % c.n_heads != 0) {
    return data_loss(str_format("%s: embedding_length %lld is not a multiple of head_count %lld", file.name().c_str(),
                                static_cast<long long>(c.d_model), static_cast<long long>(c.n_heads)));
  }
  c.head_dim = key_len.value_or(c.d_model / c.n_heads);
  GB_ASSIGN_OR_RETURN(auto value_len, file.find_int(p + "attention.value_length"));
  c.head_dim_v = value_len.value_or(c.head_dim);
  GB_RETURN_IF_ERROR(require_positive(file, p + "attention.key_length", c.head_dim));
  GB_RETURN_IF_ERROR(require_positive(file, p + "attention.value_length", c.head_dim_v));

  GB_ASSIGN_OR_RETURN(auto ctx, file.find_int(p + "context_length"));
  c.ctx_train = ctx.value_or(2048);
  GB_ASSIGN_OR_RETURN(auto eps, file.find_float(p + "attention.layer_norm_rms_epsilon"));
  c.rms_eps = static_cast<float>(eps.value_or(1e-5));

  GB_ASSIGN_OR_RETURN(auto rope_dim, file.find_int(p + "rope.dimension_count"));
  c.rope_dim = rope_dim.value_or(c.head_dim);
  if (c.rope_dim <= 0 || c.rope_dim > c.head_dim || c.rope_dim % 2 != 0) {
    return data_loss(str_format("%s: rope.dimension_count %lld must be even and at most the head size %lld",
                                file.name().c_str(), static_cast<long long>(c.rope_dim),
                                static_cast<long long>(c.head_dim)));
  }
  GB_ASSIGN_OR_RETURN(auto theta, file.find_float(p + "rope.freq_base"));
  c.rope_theta = static_cast<float>(theta.value_or(10000.0));

  GB_ASSIGN_OR_RETURN(auto scaling, file.find_string(p + "rope.scaling.type"));
  GB_ASSIGN_OR_RETURN(auto factor, file.find_float(p + "rope.scaling.factor"));
  GB_ASSIGN_OR_RETURN(auto linear, file.find_float(p + "rope.scale_linear"));  // older files
  if (scaling) c.rope_scaling = std::string(*scaling);
  if (factor) c.rope_scaling_factor = static_cast<float>(*factor);
  if (!scaling && linear && *linear != 1.0) {
    c.rope_scaling = "linear";
    c.rope_scaling_factor = static_cast<float>(*linear);
  }
  GB_ASSIGN_OR_RETURN(auto low, file.find_float(p + "rope.scaling.low_freq_factor"));
  GB_ASSIGN_OR_RETURN(auto high, file.find_float(p + "rope.scaling.high_freq_factor"));
  GB_ASSIGN_OR_RETURN(auto orig, file.find_int(p + "rope.scaling.original_context_length"));
  if (low) c.rope_low_freq_factor = static_cast<float>(*low);
  if (high) c.rope_high_freq_factor = static_cast<float>(*high);
  c.rope_original_ctx = orig.value_or(c.ctx_train);
  if (c.rope_scaling != "none" && c.rope_scaling != "linear" && c.rope_scaling != "llama3" && c.rope_scaling != "") {
    return unimplemented(str_format("%s: rope.scaling.type '%s' is not supported (none, linear, llama3)",
                                    file.name().c_str(), c.rope_scaling.c_str()));
  }
  if (c.rope_scaling.empty()) c.rope_scaling = "none";
  if (c.rope_scaling != "none" && !(c.rope_scaling_factor > 0)) {
    return data_loss(str_format("%s: rope.scaling.factor must be positive", file.name().c_str()));
  }

  GB_ASSIGN_OR_RETURN(auto window, file.find_int(p + "attention.sliding_window"));
  c.sliding_window = window.value_or(0);
  if (c.sliding_window < 0) return data_loss(str_format("%s: attention.sliding_window is negative", file.name().c_str()));

  GB_ASSIGN_OR_RETURN(auto vocab, file.find_int(p + "vocab_size"));
  if (vocab) {
    c.vocab_size = *vocab;
  } else if (const gguf::Value* tokens = file.find("tokenizer.ggml.tokens")) {
    c.vocab_size = static_cast<int64_t>(tokens->count);
  }
  GB_RETURN_IF_ERROR(architecture->configure(file, &c));
  return c;
}

}  // namespace glassbox::model
