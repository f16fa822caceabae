// BpeTrainer: learns a byte-level BPE vocabulary (GPT-2 alphabet and pre-tokenizer) from text, and
// writes it as a Hugging Face tokenizer.json and as a GGUF vocabulary that src/tokenizer loads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace glassbox::data {

struct BpeTrainerOptions {
  int64_t vocab_size = 4096;  // specials + 256 bytes + merges
  // Special tokens, ids 0, 1, ... in this order (e.g. "<|endoftext|>" = 0, as the reference).
  std::vector<std::string> specials = {"<|endoftext|>"};
  int64_t min_pair_count = 2;  // stop merging when the best pair occurs fewer times
};

// A learned vocabulary. tokens[id] is the token's raw bytes (specials: their text); merges[k] =
// (left id, right id), in merge order. Ids n_specials + 256 onwards are the merges' results, each
// created by the first merge that spells it (a later merge spelling the same bytes adds no token).
struct BpeVocab {
  int64_t n_specials = 0;
  std::vector<std::string> tokens;
  std::vector<std::pair<int32_t, int32_t>> merges;
};

// Training (Sennrich et al. 2016, over words as GPT-2 does): texts are split by the GPT-2
// pre-tokenizer, identical words are counted once with their frequency, and each round merges the
// adjacent symbol pair with the highest total count; ties go to the smaller (left id, right id),
// so the result is deterministic. Pair counts are updated incrementally for the words that hold
// the merged pair (an index from pair to words), not recounted. On the reference corpus's 274
// training books at 4096 tokens this gives exactly the reference tokenizer.json (Hugging Face
// tokenizers' BpeTrainer), merges and ids. Memory: the distinct words and
// their pairs (40 MB peak for the 53 MB reference corpus, 93k distinct words).
class BpeTrainer {
 public:
  static Result<BpeTrainer> create(const BpeTrainerOptions& options);

  // Counts the words of one document. Not thread-safe.
  void add_text(std::string_view text);
  int64_t n_words() const;  // distinct words so far
  int64_t n_bytes() const;  // text bytes so far

  // Runs the merges. Errors: nothing was added. Fewer merges than asked (all pairs below
  // min_pair_count) is not an error: the vocabulary is then smaller than vocab_size.
  Result<BpeVocab> train();

  BpeTrainer(BpeTrainer&&) noexcept;
  BpeTrainer& operator=(BpeTrainer&&) noexcept;
  ~BpeTrainer();

 private:
  struct Impl;
  explicit BpeTrainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// tokenizer.json (Hugging Face format): model BPE with vocab and merges in the byte-level alphabet,
// ByteLevel pre-tokenizer (no prefix space, GPT-2 regex) and decoder, specials as added_tokens.
std::string hf_tokenizer_json(const BpeVocab& vocab);
// tokenizer_config.json: bos = eos = the first special, add_bos_token true.
std::string hf_tokenizer_config_json(const BpeVocab& vocab);

// A GGUF holding only tokenizer.ggml.* metadata: model "gpt2", pre "gpt-2", tokens (byte-level
// alphabet), token_type (3 = control for specials, 1 = normal), merges "left right", bos = eos =
// eot = the first special, add_bos_token true. Written atomically.
Status write_vocab_gguf(const std::string& path, const std::vector<std::string>& token_texts,
                        const std::vector<bool>& is_special, const std::vector<std::string>& merges,
                        int32_t eot_id);
// The same from a learned vocabulary.
Status write_vocab_gguf(const std::string& path, const BpeVocab& vocab);

// Converts a byte-level BPE tokenizer.json (a file or a folder holding one) into the GGUF
// vocabulary above. Errors: not BPE, not a ByteLevel pre-tokenizer, ids not 0..n-1 without gaps.
Status tokenizer_json_to_vocab_gguf(const std::string& json_path, const std::string& gguf_path,
                                    const std::string& eot_token);

}  // namespace glassbox::data
