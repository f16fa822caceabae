// GGUF export: PyTorch parameter names mapped to GGUF llama tensor names.
#include "train/gguf_export.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "base/fp16.h"
#include "gguf/gguf_writer.h"
#include "kernels/kernel_table.h"

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

Result<tensor::DType> parse_export_type(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "f32") return tensor::DType::kF32;
  if (n == "f16") return tensor::DType::kF16;
  if (n == "q8_0") return tensor::DType::kQ8_0;
  return invalid_argument("export type '" + name + "' is not one of f32, f16, q8_0");
}

Status export_gguf(const ParamStore<float>& params, const std::string& path,
                   const GgufExportOptions& options) {
  const TrainConfig& c = params.config();
  GB_RETURN_IF_ERROR(c.validate());
  const tensor::DType mtype = options.matrix_type;
  if (mtype != tensor::DType::kF32 && mtype != tensor::DType::kF16 && mtype != tensor::DType::kQ8_0)
    return invalid_argument("export: matrices can be F32, F16 or Q8_0");
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
    std::vector<int64_t> shape(info.shape.rbegin(),
                               info.shape.rend());  // GGUF lists the contiguous dim first
    const float* src = params.value(info);
    const int64_t row = shape[0];
    tensor::DType type = info.shape.size() == 2 ? mtype : tensor::DType::kF32;
    if (type == tensor::DType::kQ8_0 && row % 32 != 0) type = tensor::DType::kF32;
    if (type == tensor::DType::kF32) {
      std::vector<uint8_t> bytes(static_cast<size_t>(info.numel) * sizeof(float));
      std::memcpy(bytes.data(), src, bytes.size());
      return w.add_tensor(name, type, shape, std::move(bytes));
    }
    if (type == tensor::DType::kF16) {
      std::vector<uint8_t> bytes(static_cast<size_t>(info.numel) * 2);
      for (int64_t i = 0; i < info.numel; ++i) {
        const uint16_t h = fp32_to_fp16(src[i]);
        std::memcpy(bytes.data() + 2 * i, &h, 2);
      }
      return w.add_tensor(name, type, shape, std::move(bytes));
    }
    // Q8_0, row by row with the reference quantizer (the oracle every fast kernel is tested on).
    const auto quantize_row = kernels::reference_table().of(type).quantize_row;
    const size_t rb = tensor::row_bytes(type, row);
    const int64_t rows = info.numel / row;
    std::vector<uint8_t> bytes(rb * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) quantize_row(src + r * row, bytes.data() + r * rb, row);
    return w.add_tensor(name, type, shape, std::move(bytes));
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
