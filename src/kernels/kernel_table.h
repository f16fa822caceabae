// KernelTable: the per-type row kernels (dequantize, quantize, dot product), chosen once at start-up.
//
// Every table has the same contract as reference_table(), whose kernels are plain scalar C++ written from
// the GGUF block-format spec: they are the oracle that faster tables (avx2/, ...) are tested against.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/dtype.h"

namespace glassbox::kernels {

// Writes n floats decoded from a row of n elements (n a multiple of the type's block size).
using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
// Encodes n floats into a row of the type (n a multiple of the block size).
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);
// Dot product of a weight row of this type with an activation row already in the type's
// vec_dot_type (see tensor::DTypeInfo), both n elements long.
using VecDotFn = float (*)(int64_t n, const void* weight_row, const void* activation_row);
// Dot product of a weight row of this type with float activations (weights decoded on the fly).
using VecDotF32Fn = float (*)(int64_t n, const void* weight_row, const float* activation_row);

// Activations of one token in int16 blocks of 32: x[i] ~= scale[i / 32] * q[i] with |q| <= 32767, and
// sum16[j] = q[16 j] + ... + q[16 j + 15] (for the formats with mins). Relative error ~1.5e-5 of each
// block's largest value, ~130x finer than llama.cpp's int8 Q8_0/Q8_K, which fixture logits showed is too
// coarse (see float_activations); with it a quantized weight row is dotted with integer multiply-adds
// (vpmaddwd) and one float FMA per 32 weights.
struct ActivationI16 {
  const int16_t* q = nullptr;    // [n]
  const float* scale = nullptr;  // [n / 32]
  const int32_t* sum16 = nullptr;  // [n / 16]
};
// Converts n floats (n a multiple of 32) into the int16 block form.
using QuantizeI16Fn = void (*)(const float* x, int64_t n, int16_t* q, float* scale, int32_t* sum16);
// Dot product of a weight row of this type with int16 activations, both n elements long.
using VecDotI16Fn = float (*)(int64_t n, const void* weight_row, const ActivationI16& x);

struct TypeKernels {
  DequantizeRowFn dequantize_row = nullptr;
  QuantizeRowFn quantize_row = nullptr;
  VecDotFn vec_dot = nullptr;
  VecDotF32Fn vec_dot_f32 = nullptr;
  // Optional: the generation (one token) path of quantized weights; null where the table has none, and
  // matmul then uses vec_dot_f32.
  VecDotI16Fn vec_dot_i16 = nullptr;
};

// Float matrix product over a tile: y[t * ldy + r] = sum_k w[r * ldw + k] * x[t * ldx + k] for r < rows,
// t < n_tokens, k < k_len. w, x, y: float rows at any alignment; writes y only.
using GemmF32Fn = void (*)(int64_t rows, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw,
                           const float* x, int64_t ldx, float* y, int64_t ldy);

struct KernelTable {
  const char* name = "";
  TypeKernels types[tensor::kDTypeTableSize];
  // Prompt processing with float activations: matmul decodes a panel of weight rows once with
  // dequantize_row and multiplies it into every token with gemm_f32, so each decoded weight is reused
  // across all tokens (the tinyBLAS / iqk idea). Null: matmul calls vec_dot_f32 per (row, token).
  GemmF32Fn gemm_f32 = nullptr;
  // Generation with int16 activations (ActivationI16) for the types that have vec_dot_i16. Null: none.
  QuantizeI16Fn quantize_i16 = nullptr;
  // How matrix products feed activations to quantized weights: true = float activations through
  // vec_dot_f32 (exact up to float rounding; lands on ../shared/fixtures/golden_exact), false = activations
  // quantized to each type's vec_dot_type through vec_dot (llama.cpp's scheme). Quantizing activations
  // makes a forward pass amplify tiny rounding differences (fixture logits move by ~0.2 between engines
  // that agree to 1e-6 elsewhere), so a table uses it only where it pays in speed.
  bool float_activations = true;

  const TypeKernels& of(tensor::DType dtype) const { return types[static_cast<uint32_t>(dtype)]; }
};

// The scalar reference kernels: always available on every machine.
const KernelTable& reference_table();

// The AVX2 + FMA + F16C table (kernels/avx2/), or nullptr when this CPU lacks those features. Types
// without an AVX2 kernel keep their reference entries.
const KernelTable* avx2_table();

// Every table this machine can run, fastest first (the reference table last). For tests that run one
// body over each table, and for `GLASSBOX_KERNELS`.
std::vector<const KernelTable*> supported_tables();

// The table in use: the fastest the CPU supports, or the one named by the environment variable
// GLASSBOX_KERNELS ("reference", "avx2", ...). Chosen on first call; thread-safe.
const KernelTable& active_table();

// Convenience forms over active_table(), for callers that handle whole rows of one type (loaders, tests,
// `glassbox synth`). n must be a multiple of the type's block size, and the type must have the kernel
// (every type with DTypeInfo::supported, plus Q8_0, Q8_1 and Q8_K); a violation aborts (GB_CHECK).
// Decodes n elements of `dtype` at src (any alignment) into dst.
void dequantize(tensor::DType dtype, const void* src, float* dst, int64_t n);
// Encodes n floats into `dtype` at dst (row_bytes(dtype, n) bytes, any alignment).
void quantize(tensor::DType dtype, const float* src, void* dst, int64_t n);
// Dot of a weight row of `dtype` with an activation row already in its vec_dot_type.
float vec_dot(tensor::DType dtype, int64_t n, const void* weight_row, const void* activation_row);

}  // namespace glassbox::kernels
