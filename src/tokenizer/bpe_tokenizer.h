// BpeTokenizer: byte-level BPE (tokenizer.ggml.model "gpt2", Hugging Face BPE with ByteLevel).
//
// Text is split into words by the PreTokenizer, each word is spelled in the GPT-2 byte alphabet
// (byte_level.h), cut into characters, and adjacent symbols are merged by the merge list, lowest
// rank first (ties: leftmost), using a priority queue over a linked list of symbols, as llama.cpp's
// llm_tokenizer_bpe does. A final symbol that is not a token falls back to its single bytes.
//
// Immutable after construction apart from a bounded cache of recently seen words (guarded by a
// reader-writer lock); encode() is safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/flat_hash.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/vocab.h"

namespace glassbox::tokenizer {

class BpeTokenizer {
 public:
  // `merges` in rank order (first = merged first); a pair listed twice keeps its first rank.
  // `vocab` must outlive the tokenizer. With `ignore_merges`, a word that is itself a token is
  // emitted whole (Llama 3).
  BpeTokenizer(const Vocab& vocab, const std::vector<std::pair<std::string, std::string>>& merges,
               PreTokenizer pre_tokenizer, bool ignore_merges);

  // Appends the tokens of raw text (no special tokens in it: the caller splits those off first).
  // Bytes that are not valid UTF-8 are first re-encoded as llama.cpp does (utf8::lenient_reencode).
  void encode(std::string_view text, std::vector<int32_t>* out) const;

  // Appends the tokens of one word already spelled in the byte alphabet.
  void encode_word(std::string_view word, std::vector<int32_t>* out) const;

  const PreTokenizer& pre_tokenizer() const { return pre_tokenizer_; }
  size_t n_merges() const { return merges_.size(); }
  bool ignore_merges() const { return ignore_merges_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Merge {
    int32_t rank;
    int32_t result;  // symbol id of the merged text
  };

  // encode_word() without the cache.
  void merge_word(std::string_view word, std::vector<int32_t>* out) const;

  // Symbol ids: vocabulary ids, then ids past the vocabulary for merge texts that are no token.
  int32_t symbol_id(std::string_view text) const;
  int32_t intern(std::string_view text);
  // symbol_id() of one character, by table for the byte alphabet.
  int32_t char_symbol_id(std::string_view character) const;

  static constexpr uint32_t kSmallCodePoints = 0x144;  // the byte alphabet is U+0021..U+0143

  const Vocab& vocab_;
  PreTokenizer pre_tokenizer_;
  bool ignore_merges_;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> extra_symbols_;
  U64Map<Merge> merges_;  // key: left symbol id << 32 | right symbol id
  int32_t byte_tokens_[256];                    // the token whose text is that single byte, or -1
  int32_t small_symbols_[kSmallCodePoints];     // symbol id of each code point below U+0144

  // Words repeat (Zipf): their ids are kept, up to kMaxCachedWords words of at most
  // kMaxCachedWordBytes; the cache is emptied when full.
  static constexpr size_t kMaxCachedWords = 1 << 16;
  static constexpr size_t kMaxCachedWordBytes = 48;
  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> cache_;
};

}  // namespace glassbox::tokenizer
