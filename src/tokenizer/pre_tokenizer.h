// PreTokenizer: splits text into the words that byte-level BPE merges within, by a sequence of
// Unicode regexes run with PCRE2 (UTF mode, Unicode properties \p{L}, \p{N}, \p{P}, ...).
//
// Each regex is applied to every piece the previous one produced; both the matches and the text
// between matches become pieces (Hugging Face's Split with behaviour "Isolated", and llama.cpp's
// unicode_regex_split). Built-in sequences are looked up by tokenizer.ggml.pre name and follow the
// ones llama.cpp uses for that name; custom sequences come from a tokenizer.json.
//
// A PreTokenizer is immutable after construction and safe to use from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace glassbox::tokenizer {

// Vocabulary behaviour that llama.cpp ties to a pre-tokenizer name rather than to metadata.
struct PreTokenizerTraits {
  bool ignore_merges = false;  // a word that is itself a token is emitted whole (Llama 3, Tekken)
  bool add_bos = false;        // BOS is added by default (before tokenizer.ggml.add_bos_token)
  bool no_bos = false;         // the vocabulary has no BOS token (ChatGLM)
};

class PreTokenizer {
 public:
  // A built-in sequence by tokenizer.ggml.pre name ("default", "gpt-2", "llama-bpe", "qwen2", ...).
  // An unknown name is kUnimplemented, with the supported names in the message.
  static Result<PreTokenizer> from_name(std::string_view name);
  // A custom sequence of PCRE2 patterns. A pattern that does not compile is kInvalidArgument,
  // naming the pattern, the offset and PCRE2's reason.
  static Result<PreTokenizer> from_regexes(std::vector<std::string> patterns, std::string name = "custom");
  // Every name from_name() accepts, in table order.
  static std::vector<std::string_view> supported_names();
  // The built-in name whose sequence equals `patterns` (after mapping the Hugging Face originals of
  // the Llama 3, Qwen2 and GPT-2 patterns to the forms llama.cpp uses), or "" when none does.
  static std::string name_for_patterns(const std::vector<std::string>& patterns);
  // The GPT-2 pattern, as Hugging Face's ByteLevel pre-tokenizer (use_regex) applies it.
  static std::string_view gpt2_pattern();

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the pieces of `text`, in order; they cover it exactly, none is empty, and each views
  // `text`. Invalid UTF-8 never matches a pattern, so such bytes end up in between-match pieces.
  // Should PCRE2 give up on a piece (resource limits on pathological input), the unsplit rest of
  // that piece is kept as one piece.
  void split(std::string_view text, std::vector<std::string_view>* pieces) const;

  const std::string& name() const;
  const std::vector<std::string>& patterns() const;
  const PreTokenizerTraits& traits() const;

 private:
  struct Impl;
  explicit PreTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::tokenizer
