// llama-quantize's per-tensor type rules, restated for the architectures synth writes (no MoE, no
// falcon, no importance matrix, no 70B special case).
#include "model/synth/quant_mix.h"

#include <cctype>

namespace glassbox::model::synth {
namespace {

using tensor::DType;

constexpr TypeSpec kSpecs[] = {
    {"f32", DType::kF32, Mix::kFloat, 0},      {"f16", DType::kF16, Mix::kFloat, 1},
    {"bf16", DType::kBF16, Mix::kFloat, 32},   {"q4_0", DType::kQ4_0, Mix::kLegacy, 2},
    {"q4_1", DType::kQ4_1, Mix::kLegacy, 3},   {"q5_0", DType::kQ5_0, Mix::kLegacy, 8},
    {"q5_1", DType::kQ5_1, Mix::kLegacy, 9},   {"q8_0", DType::kQ8_0, Mix::kLegacy, 7},
    {"q2_k", DType::kQ2_K, Mix::kPure, 10},    {"q3_k", DType::kQ3_K, Mix::kPure, 11},
    {"q4_k", DType::kQ4_K, Mix::kPure, 14},    {"q5_k", DType::kQ5_K, Mix::kPure, 16},
    {"q6_k", DType::kQ6_K, Mix::kQ6K, 18},     {"q3_k_s", DType::kQ3_K, Mix::kQ3KS, 11},
    {"q3_k_m", DType::kQ3_K, Mix::kQ3KM, 12},  {"q3_k_l", DType::kQ3_K, Mix::kQ3KL, 13},
    {"q4_k_s", DType::kQ4_K, Mix::kQ4KS, 14},  {"q4_k_m", DType::kQ4_K, Mix::kQ4KM, 15},
    {"q5_k_s", DType::kQ5_K, Mix::kQ5KS, 16},  {"q5_k_m", DType::kQ5_K, Mix::kQ5KM, 17},
};

// llama-quantize's use_more_bits: the first and last eighth of the layers, and every third in between.
bool use_more_bits(int64_t layer_idx, int64_t n_layers) {
  return layer_idx < n_layers / 8 || layer_idx >= 7 * n_layers / 8 || (layer_idx - n_layers / 8) % 3 == 2;
}

DType mixed_type(const TypeSpec& spec, const ModelShape& shape, TensorRole role, int64_t layer_idx,
                 int64_t row_length) {
  const bool output_like = role == TensorRole::kOutput || (role == TensorRole::kTokenEmbd && shape.tied_embeddings);
  if (output_like) {
    if (row_length % 256 != 0) return DType::kQ8_0;
    return spec.base == DType::kQ8_0 ? DType::kQ8_0 : DType::kQ6_K;
  }
  const int64_t n = shape.n_layers;
  switch (role) {
    case TensorRole::kAttnV:
      switch (spec.mix) {
        case Mix::kQ3KM: return layer_idx < 2 ? DType::kQ5_K : DType::kQ4_K;
        case Mix::kQ3KL: return DType::kQ5_K;
        case Mix::kQ4KM: case Mix::kQ5KM: return use_more_bits(layer_idx, n) ? DType::kQ6_K : spec.base;
        case Mix::kQ4KS: return layer_idx < 4 ? DType::kQ5_K : spec.base;
        default: return spec.base;
      }
    case TensorRole::kFfnDown:
      switch (spec.mix) {
        case Mix::kQ3KM: return layer_idx < n / 16 ? DType::kQ5_K : DType::kQ4_K;
        case Mix::kQ3KL: return DType::kQ5_K;
        case Mix::kQ4KM: case Mix::kQ5KM: return use_more_bits(layer_idx, n) ? DType::kQ6_K : spec.base;
        case Mix::kQ4KS: return layer_idx < n / 8 ? DType::kQ5_K : spec.base;
        default: return spec.base;
      }
    case TensorRole::kAttnOutput:
      switch (spec.mix) {
        case Mix::kQ3KM: return DType::kQ4_K;
        case Mix::kQ3KL: return DType::kQ5_K;
        default: return spec.base;
      }
    default: return spec.base;
  }
}

// llama-quantize's fallback for a row that is not a whole number of blocks.
DType fallback_type(DType t) {
  switch (t) {
    case DType::kQ2_K: case DType::kQ3_K: return DType::kQ4_0;
    case DType::kQ4_K: return DType::kQ5_0;
    case DType::kQ5_K: return DType::kQ5_1;
    case DType::kQ6_K: return DType::kQ8_0;
    default: return DType::kF16;
  }
}

}  // namespace

Result<TypeSpec> parse_type_spec(std::string_view name, bool pure) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const TypeSpec& s : kSpecs) {
    if (s.name != lower) continue;
    TypeSpec out = s;
    if (pure && out.mix != Mix::kFloat) out.mix = Mix::kPure;
    return out;
  }
  return invalid_argument(str_format("unknown type '%.*s'; types: %s", static_cast<int>(name.size()), name.data(),
                                     type_spec_names().c_str()));
}

std::string type_spec_names() {
  std::string out;
  for (const TypeSpec& s : kSpecs) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

TypeChoice choose_type(const TypeSpec& spec, const ModelShape& shape, TensorRole role, int64_t layer_idx,
                       int64_t row_length) {
  TypeChoice choice;
  if (spec.mix == Mix::kFloat || spec.mix == Mix::kPure) {
    choice.dtype = spec.base;
  } else {
    choice.dtype = mixed_type(spec, shape, role, layer_idx, row_length);
  }
  const DType wanted = choice.dtype;
  while (row_length % tensor::dtype_info(choice.dtype).block_elems != 0) choice.dtype = fallback_type(choice.dtype);
  if (choice.dtype != wanted) {
    choice.fallback = std::string(tensor::dtype_name(wanted)) + " -> " + std::string(tensor::dtype_name(choice.dtype)) +
                      " (row " + std::to_string(row_length) + ")";
  }
  return choice;
}

}  // namespace glassbox::model::synth
