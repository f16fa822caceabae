// QuantMix: which element type each weight matrix of a synthetic model gets for a `--type` name,
// following llama-quantize's choices (llama.cpp src/llama-quant.cpp, llama_tensor_get_type, Feb 2025).
//
// Only 2-D matrices are typed here; norms, biases and rope_freqs always stay F32.
//   f32, f16, bf16           every matrix in that type (what convert_hf_to_gguf writes).
//   q4_0 q4_1 q5_0 q5_1 q8_0 llama-quantize's legacy mixes: every matrix in the type, except the output
//                            matrix (token_embd when tied), which gets q6_K (q8_0 keeps q8_0).
//   q2_k q3_k q4_k q5_k      one K-quant type for every matrix (llama-quantize --pure).
//   q6_k                     llama-quantize Q6_K: every matrix q6_K.
//   q3_k_s/m/l q4_k_s/m q5_k_s/m  llama-quantize's K mixes: output q6_K; attn_v, ffn_down and
//                            attn_output one or two types up on the layers its use_more_bits rule picks.
// `pure` applies the base type to every matrix (llama-quantize --pure).
// A row length that is not a whole number of the chosen type's blocks falls back as llama-quantize
// does: q4_K -> q5_0, q5_K -> q5_1, q6_K -> q8_0, q2_K/q3_K -> q4_0 (llama.cpp uses iq4_nl, which
// glassbox does not have; same 4.5 bits per weight), and to f16 if even that does not divide.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/synth/model_shapes.h"
#include "tensor/dtype.h"

namespace glassbox::model::synth {

enum class Mix { kFloat, kLegacy, kPure, kQ6K, kQ3KS, kQ3KM, kQ3KL, kQ4KS, kQ4KM, kQ5KS, kQ5KM };

struct TypeSpec {
  std::string_view name;                       // as typed: "q4_k_m"
  tensor::DType base = tensor::DType::kF16;    // the type most matrices get
  Mix mix = Mix::kFloat;
  uint32_t file_type = 1;                      // general.file_type (llama_ftype: MOSTLY_Q4_K_M = 15, ...)
};

// Parses a --type name (case-insensitive); `pure` turns any quantized mix into Mix::kPure. Error
// (kInvalidArgument) listing every name for an unknown one.
Result<TypeSpec> parse_type_spec(std::string_view name, bool pure);
// "f32, f16, ...": every accepted name.
std::string type_spec_names();

// The weight matrices llama-quantize tells apart.
enum class TensorRole { kTokenEmbd, kOutput, kAttnQ, kAttnK, kAttnV, kAttnOutput, kFfnGate, kFfnUp, kFfnDown };

struct TypeChoice {
  tensor::DType dtype = tensor::DType::kF32;
  std::string fallback;  // "" or why the row length forced another type: "q4_K -> q5_0 (row 896)"
};

// The type of one matrix: `layer_idx` counts from 0 (ignored for token_embd/output); `row_length` is
// the matrix's contiguous dimension (GGUF shape[0]).
TypeChoice choose_type(const TypeSpec& spec, const ModelShape& shape, TensorRole role, int64_t layer_idx,
                       int64_t row_length);

}  // namespace glassbox::model::synth
