// TokenizerSpec: what a loader reads from a model's tokenizer description (GGUF tokenizer.ggml.*
// metadata, or a tokenizer.json folder) before Tokenizer::from_spec() assembles the tokenizer. It
// holds plain data only, so loaders stay independent of the encoding algorithms.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace glassbox::tokenizer {

struct TokenizerSpec {
  TokenizerKind kind = TokenizerKind::kSpm;
  std::vector<TokenData> tokens;  // in id order
  SpecialIds special;             // from metadata; eot/eom/FIM are also found by text later
  std::string model_name;         // general.name, for llama.cpp's per-model fix-ups (Phi-3)

  // Byte-level BPE only.
  std::vector<std::pair<std::string, std::string>> merges;  // rank order
  std::string pre_tokenizer = "default";                    // built-in name, when no patterns
  std::vector<std::string> pre_tokenizer_patterns;          // custom sequence (tokenizer.json)
  bool custom_pre_tokenizer = false;                        // use the patterns, not the name
  std::optional<bool> ignore_merges;                        // unset: the pre-tokenizer's trait
  bool bpe_add_prefix_space = false;  // Hugging Face ByteLevel(add_prefix_space): " " before text

  // SentencePiece only: add a dummy space before text that follows BOS/a special token/the start.
  bool add_space_prefix = true;

  std::optional<bool> add_bos;  // unset: SentencePiece true; byte-level from the pre-tokenizer
  std::optional<std::string> chat_template;
};

}  // namespace glassbox::tokenizer
