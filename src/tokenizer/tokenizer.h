// Tokenizer: text <-> token ids for a model's vocabulary, loaded from GGUF tokenizer.ggml.*
// metadata or from a Hugging Face tokenizer.json folder. Encoding follows llama.cpp exactly
// (special-token splitting, SentencePiece-style BPE with byte fallback, byte-level BPE with the
// pre-tokenizer named by tokenizer.ggml.pre), so ids match llama.cpp's for the same vocabulary.
//
// A Tokenizer is immutable after loading: every const method is safe to call from several threads
// at once. Loading costs O(vocabulary + merges) time and memory (Llama 3: ~0.3 s, ~60 MB).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"

namespace glassbox::tokenizer {

class Vocab;
struct TokenizerSpec;

// Which algorithm a vocabulary uses.
enum class TokenizerKind {
  kSpm,  // SentencePiece-style BPE over scores, '▁' for spaces, <0xXX> byte fallback (Llama 1/2, Phi-3)
  kBpe,  // byte-level BPE over ranked merges, GPT-2 byte alphabet (GPT-2, Llama 3, Qwen, ...)
};

class Tokenizer {
 public:
  virtual ~Tokenizer();

  // From a GGUF file's tokenizer.ggml.* metadata (model "llama" = SentencePiece BPE, "gpt2" =
  // byte-level BPE; pre-tokenizer from tokenizer.ggml.pre). The file may be closed afterwards.
  // Errors name the key and what was expected; an unknown model or pre-tokenizer is kUnimplemented.
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::GgufFile& file);
  // From a Hugging Face folder holding tokenizer.json (+ optional tokenizer_config.json for
  // bos/eos/add_bos and the chat template, or chat_template.jinja). Byte-level BPE only.
  static Result<std::unique_ptr<Tokenizer>> from_hf_dir(const std::string& dir);
  // A .gguf path, a folder with tokenizer.json, or a tokenizer.json path.
  static Result<std::unique_ptr<Tokenizer>> load(const std::string& path);
  // Assembles a tokenizer from what a loader read (used by the loaders; see tokenizer_spec.h).
  static Result<std::unique_ptr<Tokenizer>> from_spec(TokenizerSpec spec);

  // Token ids of `text`. add_bos: put BOS first (when the vocabulary has one). parse_special: text
  // matching control/special token strings becomes those ids; when false they are plain text.
  // User-defined (added, non-special) tokens are always matched, as llama.cpp and Hugging Face do.
  std::vector<int32_t> encode(std::string_view text, bool add_bos, bool parse_special) const;

  // The decoded raw bytes of one token: byte tokens <0xAB> give that byte, SentencePiece '▁' gives
  // ' ', the byte-level alphabet is undone; control and user-defined tokens give their text; unused
  // tokens and ids out of range give "". May be part of a UTF-8 character (see StreamDecoder).
  std::string token_piece(int32_t id) const;
  // The concatenation of the pieces, with control tokens rendered as their text, except that for
  // SentencePiece vocabularies with a dummy prefix the first token loses one leading space (as
  // llama.cpp's detokenizer does), so decode(encode(s, false, false)) == s for ordinary text.
  std::string decode(const std::vector<int32_t>& ids) const;
  // As decode(); control and unknown tokens are left out unless `render_special`.
  std::string decode(const std::vector<int32_t>& ids, bool render_special) const;

  int32_t vocab_size() const;
  int32_t bos_id() const;  // -1 when none
  int32_t eos_id() const;  // -1 when none
  // Whether the model's metadata says to add BOS (tokenizer.ggml.add_bos_token / add_bos_token;
  // SentencePiece and the Llama 3 pre-tokenizer default true, other byte-level BPE false).
  bool add_bos_default() const;
  // eos, eot (<|eot_id|>, <|im_end|>, <|endoftext|>, ...), eom and the other end-of-turn tokens.
  bool is_end_of_generation(int32_t id) const;
  // Raw vocabulary string; an empty string for ids out of range.
  const std::string& token_text(int32_t id) const;
  // tokenizer.chat_template (GGUF) or chat_template (tokenizer_config.json) when present.
  std::optional<std::string> chat_template() const;

  TokenizerKind kind() const;
  // The pre-tokenizer name ("llama-bpe", "qwen2", "custom", ...); "" for SentencePiece.
  const std::string& pre_tokenizer_name() const;
  const Vocab& vocab() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::tokenizer

#include "tokenizer/stream_decoder.h"  // IWYU pragma: export
