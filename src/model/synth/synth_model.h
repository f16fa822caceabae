// SynthModel: a GGUF file with random weights in the shape of a real model (`glassbox synth`).
//
// The file carries what a llama.cpp conversion of that model carries: the same tensor names and GGUF
// shapes ([out, in] matrices stored as {in, out}), the <arch>.* hyperparameter keys, a synthetic
// vocabulary of the model's tokenizer family (synth_vocab.h), and llama-quantize's tensor types for the
// chosen --type (quant_mix.h). Weights are seeded N(0, 0.02)-like values (norms 1 + N(0, 0.02)), so
// benchmarks see realistic shapes, sizes and types; the outputs mean nothing.
//
// Determinism: the bytes depend only on (shape, type, vocab size, seed), never on the thread count:
// each row of each tensor draws from its own generator seeded by (seed, tensor name, row index).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "gguf/gguf_writer.h"
#include "model/synth/model_shapes.h"
#include "model/synth/quant_mix.h"
#include "model/synth/synth_vocab.h"
#include "tensor/dtype.h"

namespace glassbox::model::synth {

struct SynthOptions {
  std::string shape;          // a name from model_shapes()
  std::string type = "f16";   // a name from type_spec_names()
  bool pure = false;          // every matrix in the base type (llama-quantize --pure)
  int64_t vocab_size = 0;     // 0: the shape's own
  uint64_t seed = 0;
};

// How one tensor's values are drawn.
enum class Init { kWeight, kNorm, kBias, kRopeFreqs };

struct SynthTensor {
  std::string name;             // "blk.3.attn_v.weight"
  std::vector<int64_t> shape;   // GGUF order: shape[0] is the row length
  tensor::DType dtype = tensor::DType::kF32;
  Init init = Init::kWeight;
  std::string fallback;         // from choose_type(): "" or why the type differs from the mix's choice
};

struct SynthPlan {
  ModelShape shape;   // with vocab_size overridden when asked
  TypeSpec type;
  uint64_t seed = 0;
  SynthVocab vocab;
  std::vector<SynthTensor> tensors;  // in file order
};

// Validates the options, builds the vocabulary and decides every tensor's name, shape and type (no
// weights yet). Errors (kInvalidArgument): unknown shape (lists the shapes), unknown type (lists the
// types), a vocabulary too small for the family's specials.
Result<SynthPlan> plan_synth(const SynthOptions& options);

// kUnimplemented, naming the type and tensor, when a planned type has no quantize kernel in
// kernels::reference_table() (f32/f16/bf16 never need one). Check before writing: a writer whose plan
// fails this check fails in write() at the first such tensor.
Status check_kernels(const SynthPlan& plan);

// A writer holding the plan's metadata and vocabulary, with one filler per tensor that generates and
// quantizes its rows on `pool` when the file is written. `pool` must outlive the writer; the writer
// is not thread-safe (write it from one thread). Building it encodes the vocabulary, not the weights.
Result<gguf::GgufWriter> make_synth_writer(const SynthPlan& plan, ThreadPool& pool);

// llama.cpp's rope_freqs for Llama 3 "llama3" RoPE scaling: head_dim / 2 divisors of the rotation
// frequencies (1 for high frequencies, `factor` for low ones, smooth in between).
std::vector<float> llama3_rope_freqs(const ModelShape& shape);

}  // namespace glassbox::model::synth
