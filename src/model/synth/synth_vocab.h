// SynthVocab: a deterministic, made-up vocabulary of a real tokenizer family, so a synthetic model loads
// and tokenizes like the real one (same tokenizer.ggml.* keys, special tokens at their real ids, byte
// coverage) without shipping the real token list.
//
// Layout, in id order:
//   SentencePiece ("llama"): <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF> (type 6), then word-like
//     pieces ("▁e", "▁t", ..., "▁th", "he", ...) of type 1 with descending scores (0, -1, -2, ...).
//   Byte-level BPE ("gpt2"): any leading specials (SmolLM2: ids 0..16), the 256 GPT-2 byte-to-unicode
//     characters, merged tokens each made of an earlier token plus one character, one merge "left right"
//     per merged token in id order (so every merge's parts and result are tokens); then the trailing
//     specials at their real ids (Llama 3: 128000.., Qwen: 151643..) and "[PAD<id>]" tokens (type 5) up
//     to vocab_size. A vocab_size smaller than the real one moves the trailing specials to the end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_writer.h"
#include "model/synth/model_shapes.h"

namespace glassbox::model::synth {

// GGUF token types (tokenizer.ggml.token_type), as llama.cpp numbers them.
enum TokenType : int32_t {
  kTokenNormal = 1,
  kTokenUnknown = 2,
  kTokenControl = 3,
  kTokenUserDefined = 4,
  kTokenUnused = 5,
  kTokenByte = 6,
};

struct SynthVocab {
  std::string model;                  // tokenizer.ggml.model: "llama" or "gpt2"
  std::string pre;                    // tokenizer.ggml.pre
  std::vector<std::string> tokens;    // exactly vocab_size, no duplicates
  std::vector<float> scores;          // SentencePiece only; empty for BPE (as llama.cpp's gpt2 files)
  std::vector<int32_t> token_types;   // TokenType per token
  std::vector<std::string> merges;    // BPE only, rank order
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;  // -1: none
  bool add_bos = false;
  bool add_eos = false;
};

// Builds the vocabulary of `kind` with exactly `vocab_size` tokens. Error (kInvalidArgument) when
// vocab_size cannot hold the family's special tokens and 256 byte tokens. Deterministic.
Result<SynthVocab> make_synth_vocab(VocabKind kind, int64_t vocab_size);

// Writes the tokenizer.ggml.* keys of `vocab`.
void add_vocab_metadata(const SynthVocab& vocab, gguf::GgufWriter& writer);

}  // namespace glassbox::model::synth
