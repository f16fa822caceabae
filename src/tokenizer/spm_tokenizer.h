// SpmTokenizer: SentencePiece-style BPE over a scored vocabulary (tokenizer.ggml.model "llama").
//
// The text is cut into UTF-8 characters; adjacent symbols whose concatenation is a token are merged,
// highest token score first (ties: leftmost), until no pair is a token. A final symbol that is not
// a token falls back to its bytes as <0xXX> tokens. This is llama.cpp's llm_tokenizer_spm, which
// reproduces sentencepiece's BPE mode for Llama/Mistral/Phi-3 vocabularies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace glassbox::tokenizer {

class SpmTokenizer {
 public:
  // `vocab` must outlive the tokenizer.
  explicit SpmTokenizer(const Vocab& vocab);

  // Appends the tokens of `text`, which the caller has already prepared (dummy prefix space added,
  // spaces escaped as U+2581 by escape_whitespace()). Cost O(n log n) in the length of `text`.
  // The text is cut before each '▁' that no token joins to the character in front of it: no merge
  // can cross such a cut, so the result is that of one pass over the whole text, but the merge
  // queue stays word-sized.
  void encode(std::string_view text, std::vector<int32_t>* out) const;

  // The token for one byte: <0xXX>, else the one-byte text itself, else unk, else -1.
  int32_t byte_token(uint8_t byte) const;

 private:
  void encode_chunk(std::string_view text, std::vector<int32_t>* out) const;

  const Vocab& vocab_;
  int32_t byte_tokens_[256];
  std::vector<uint32_t> joined_before_space_;  // sorted: characters some token has right before '▁'
};

// Replaces every ' ' with U+2581 "▁", as SentencePiece does before encoding.
std::string escape_whitespace(std::string_view text);
// Replaces every U+2581 with ' '.
std::string unescape_whitespace(std::string_view text);

}  // namespace glassbox::tokenizer
