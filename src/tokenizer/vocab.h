// Vocab: the token table (text, score, attributes), text -> id lookup, the special token ids, the
// end-of-generation set, and the splitting of input text on special / user-defined token strings.
//
// Built once by a loader (GGUF or tokenizer.json), then finalize()d; immutable afterwards and safe
// to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/flat_hash.h"

namespace glassbox::tokenizer {

// Token attributes: bit flags, numbered as llama.cpp's llama_token_attr.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,   // special-token matching eats the whitespace before the token
  kAttrRstrip = 1u << 8,   // ... and after it
  kAttrSingleWord = 1u << 9,
};

// The attributes a GGUF tokenizer.ggml.token_type value stands for (1 normal, 2 unknown,
// 3 control, 4 user-defined, 5 unused, 6 byte; anything else undefined).
uint32_t attr_from_gguf_token_type(int64_t token_type);

struct TokenData {
  std::string text;  // raw vocabulary string (SentencePiece '▁', GPT-2 byte alphabet, or literal)
  float score = 0.0f;
  uint32_t attr = kAttrNormal;
};

// Special token ids; -1 when the vocabulary has none.
struct SpecialIds {
  int32_t bos = -1;
  int32_t eos = -1;
  int32_t unk = -1;
  int32_t pad = -1;
  int32_t eot = -1;  // end of turn: <|eot_id|>, <|im_end|>, ...
  int32_t eom = -1;  // end of message: <|eom_id|>
  int32_t fim_pre = -1;
  int32_t fim_suf = -1;
  int32_t fim_mid = -1;
  int32_t fim_pad = -1;
  int32_t fim_rep = -1;
  int32_t fim_sep = -1;
};

// One piece of an input after special-token splitting.
struct Fragment {
  int32_t token = -1;  // >= 0: this fragment is that token; -1: raw text
  size_t offset = 0;   // raw text: input[offset, offset + length)
  size_t length = 0;
};

class Vocab {
 public:
  // Tokens in id order. An empty text becomes "[EMPTY_<id>]" (as llama.cpp does, so that it can
  // never match). When two tokens share a text, lookup finds the lower id.
  explicit Vocab(std::vector<TokenData> tokens);

  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  bool valid(int32_t id) const { return id >= 0 && id < size(); }
  const TokenData& token(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  uint32_t attr(int32_t id) const { return tokens_[static_cast<size_t>(id)].attr; }
  // The id of the token whose text is exactly `text`, or -1.
  int32_t find(std::string_view text) const;

  SpecialIds& special() { return special_; }
  const SpecialIds& special() const { return special_; }

  // llama.cpp's text-based fix-ups after the ids are known, then the special-token index:
  //  - finds EOT/EOM/FIM tokens by their usual texts when metadata did not name them, and marks
  //    every such token, and every end-of-generation token, as control;
  //  - builds the end-of-generation set (eos, eot, eom, FIM pad/repo/sep, known end texts);
  //  - `model_name` (general.name) containing "phi-3"/"phi3" makes special tokens strip
  //    whitespace on their right, as llama.cpp does for Phi-3.
  void finalize(std::string_view model_name);

  bool is_end_of_generation(int32_t id) const;
  const std::vector<int32_t>& end_of_generation_ids() const { return eog_ids_; }

  // Splits `text` on the strings of special tokens, longest first, every occurrence, left to right
  // (llama.cpp's tokenizer_st_partition). User-defined tokens always split; control and unknown
  // tokens only when `parse_special`. Whitespace next to a token with kAttrLstrip/kAttrRstrip is
  // dropped. Empty input gives no fragments.
  std::vector<Fragment> split_special(std::string_view text, bool parse_special) const;

 private:
  std::vector<TokenData> tokens_;
  TextIndex ids_;
  SpecialIds special_;
  std::vector<int32_t> eog_ids_;         // sorted
  std::vector<int32_t> special_tokens_;  // control, user-defined, unknown; longest text first
};

}  // namespace glassbox::tokenizer
