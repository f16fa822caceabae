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

// A weight row decoded to int16 integers with one float scale (and min) per sub-block of `block` elements
// (TypeKernels::i16_block, 16 or 32): w[i] = scale[i / block] * q[i] - min[i / block]. |q| is small enough that
// the dot of one sub-block with int16 activations (|x| <= 32767) cannot overflow int32. min may be null for
// the symmetric formats (TypeKernels::i16_has_min false), which then write none.
using DecodeRowI16Fn = void (*)(const void* src, int64_t n, int16_t* q, float* scale, float* min);

struct TypeKernels {
  DequantizeRowFn dequantize_row = nullptr;
  QuantizeRowFn quantize_row = nullptr;
  VecDotFn vec_dot = nullptr;
  VecDotF32Fn vec_dot_f32 = nullptr;
  // Optional: the generation (one token) path of quantized weights; null where the table has none, and
  // matmul then uses vec_dot_f32.
  VecDotI16Fn vec_dot_i16 = nullptr;
  // Optional: the int16 prompt path (KernelTable::gemm_i16); null where the type has none.
  DecodeRowI16Fn decode_row_i16 = nullptr;
  int i16_block = 32;         // sub-block of decode_row_i16's scales: 16 or 32
  bool i16_has_min = false;   // decode_row_i16 writes mins
};

// Float matrix product over a tile: y[t * ldy + r] = sum_k w[r * ldw + k] * x[t * ldx + k] for r < rows,
// t < n_tokens, k < k_len. w, x, y: float rows at any alignment; writes y only.
using GemmF32Fn = void (*)(int64_t rows, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw,
                           const float* x, int64_t ldx, float* y, int64_t ldy);

// Float matrix product with k-major weights (each k a contiguous row over the outputs):
//   y[t * ldy + r] = sum_k x[t * ldx + k] * w[k * ldw + r]   for r < cols, t < n_tokens, k < k_len,
// or y[t * ldy + r] += that sum when `accumulate`. Every output is a vector lane, so there is no horizontal
// sum however short k is: attention's Q K^T (w = a K tile stored transposed, [head_dim][positions]) and
// P V (w = V as cached, [positions][head_dim_v]; accumulate adds into the running output). w, x, y: float
// rows at any alignment and stride; reads y only when accumulating; writes y[t][0..cols) only.
using GemmF32KMajorFn = void (*)(int64_t cols, int64_t n_tokens, int64_t k_len, const float* w, int64_t ldw,
                                 const float* x, int64_t ldx, float* y, int64_t ldy, bool accumulate);

// Prompt product in integers over weight rows decoded by a type's decode_row_i16 and activations in the
// ActivationI16 block form:
//   y[t * ldy + r] = sum over sub-blocks b of  scale[r][b] * xs[t][b*block/32] * (sum_{i in b} q[r][i] * xq[t][i])
//                                            - min[r][b] * xs[t][b*block/32] * (sum_{i in b} xq[t][i])
// w_q [rows][k_len], w_scale and w_min [rows][k_len / block] (w_min null: no mins); xq [n_tokens][k_len],
// xs [n_tokens][k_len / 32], xsum16 [n_tokens][k_len / 16]; k_len a multiple of 32. Writes y only.
using GemmI16Fn = void (*)(int64_t rows, int64_t k_len, int block, const int16_t* w_q, const float* w_scale,
                           const float* w_min, int64_t n_tokens, const int16_t* xq, const float* xs,
                           const int32_t* xsum16, float* y, int64_t ldy);

struct KernelTable {
  const char* name = "";
  TypeKernels types[tensor::kDTypeTableSize];
  // Prompt processing with float activations: matmul decodes a panel of weight rows once with
  // dequantize_row and multiplies it into every token with gemm_f32, so each decoded weight is reused
  // across all tokens (the tinyBLAS / iqk idea). Null: matmul calls vec_dot_f32 per (row, token).
  GemmF32Fn gemm_f32 = nullptr;
  // The k-major float product (GemmF32KMajorFn), used by attention; every table fills it.
  GemmF32KMajorFn gemm_f32_kmajor = nullptr;
  // Generation with int16 activations (ActivationI16) for the types that have vec_dot_i16. Null: none.
  QuantizeI16Fn quantize_i16 = nullptr;
  // Prompt processing in integers (int16 x int16 -> int32 multiply-adds, AVX-512 VNNI vpdpwssd does 32 per
  // instruction, twice the float FMA rate): matmul decodes a panel of weight rows with decode_row_i16 and
  // multiplies it into every token's ActivationI16 row. Null, or a type without decode_row_i16: gemm_f32.
  GemmI16Fn gemm_i16 = nullptr;
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

// The AVX-512 table (kernels/avx512/: F, BW, VL, DQ and VNNI, with AVX2 + FMA + F16C), or nullptr when this CPU
// lacks them. Entries without an AVX-512 kernel keep the avx2 table's.
const KernelTable* avx512_table();

// Every table this machine can run, fastest first (the reference table last). For tests that run one
// body over each table, and for `GLASSBOX_KERNELS`.
std::vector<const KernelTable*> supported_tables();

// The table in use: the fastest the CPU supports, or the one named by the environment variable
// GLASSBOX_KERNELS ("reference", "avx2", "avx512"). Chosen on first call; thread-safe.
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
