// GGUF export: PyTorch parameter names mapped to GGUF llama tensor names.
#include "train/gguf_export.h"

#include <cstring>
#include <vector>

#include "gguf/gguf_writer.h"

namespace glassbox::train {
namespace {

const char* gguf_layer_name(LayerParam which) {
  switch (which) {
    case LayerParam::kAttnNorm:
      return "attn_norm.weight";
    case LayerParam::kQ:
      return "attn_q.weight";
    case LayerParam::kK:
      return "attn_k.weight";
    case LayerParam::kV:
      return "attn_v.weight";
    case LayerParam::kO:
      return "attn_output.weight";
    case LayerParam::kFfnNorm:
      return "ffn_norm.weight";
    case LayerParam::kGate:
      return "ffn_gate.weight";
    case LayerParam::kUp:
      return "ffn_up.weight";
    case LayerParam::kDown:
      return "ffn_down.weight";
    case LayerParam::kCount:
      break;
  }
  return "";
}

}  // namespace

Status export_gguf(const ParamStore<float>& params, const std::string& path,
                   const GgufExportOptions& options) {
  const TrainConfig& c = params.config();
  GB_RETURN_IF_ERROR(c.validate());
  gguf::GgufWriter w;
  const std::string a = "llama.";
  w.set_string("general.architecture", "llama");
  if (!options.name.empty()) w.set_string("general.name", options.name);
  w.set_u32(a + "context_length", static_cast<uint32_t>(c.ctx));
  w.set_u32(a + "embedding_length", static_cast<uint32_t>(c.d_model));
  w.set_u32(a + "block_count", static_cast<uint32_t>(c.n_layers));
  w.set_u32(a + "feed_forward_length", static_cast<uint32_t>(c.d_ff));
  w.set_u32(a + "attention.head_count", static_cast<uint32_t>(c.n_heads));
  w.set_u32(a + "attention.head_count_kv", static_cast<uint32_t>(c.n_kv_heads));
  w.set_u32(a + "rope.dimension_count", static_cast<uint32_t>(c.head_dim()));
  w.set_f32(a + "rope.freq_base", static_cast<float>(c.rope_theta));
  w.set_f32(a + "attention.layer_norm_rms_epsilon", static_cast<float>(c.rms_eps));
  w.set_u32(a + "vocab_size", static_cast<uint32_t>(c.vocab_size));
  if (options.tokenizer_source) {
    for (const auto& [key, value] : options.tokenizer_source->metadata())
      if (key.starts_with("tokenizer.")) w.set_value(key, value);
  }

  auto add = [&](const std::string& name, const ParamInfo& info) -> Status {
    std::vector<uint8_t> bytes(static_cast<size_t>(info.numel) * sizeof(float));
    std::memcpy(bytes.data(), params.value(info), bytes.size());
    std::vector<int64_t> shape(info.shape.rbegin(),
                               info.shape.rend());  // GGUF lists the contiguous dim first
    return w.add_tensor(name, tensor::DType::kF32, shape, std::move(bytes));
  };
  GB_RETURN_IF_ERROR(add("token_embd.weight", params.emb()));
  for (int64_t l = 0; l < c.n_layers; ++l)
    for (int p = 0; p < static_cast<int>(LayerParam::kCount); ++p) {
      const auto which = static_cast<LayerParam>(p);
      GB_RETURN_IF_ERROR(
          add("blk." + std::to_string(l) + "." + gguf_layer_name(which), params.layer(l, which)));
    }
  GB_RETURN_IF_ERROR(add("output_norm.weight", params.out_norm()));
  return w.write(path);
}

}  // namespace glassbox::train
