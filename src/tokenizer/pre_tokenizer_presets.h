// The catalogue of built-in pre-tokenizers: for each tokenizer.ggml.pre name, the regex sequence
// and traits llama.cpp uses (src/llama-vocab.cpp, llm_tokenizer_bpe). Internal to the module; the
// public entry point is PreTokenizer::from_name().
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "tokenizer/pre_tokenizer.h"

namespace glassbox::tokenizer {

struct PreTokenizerPreset {
  std::vector<std::string_view> names;     // first one is canonical
  std::vector<std::string_view> patterns;  // PCRE2 syntax, applied in order
  PreTokenizerTraits traits;
};

// All presets, in lookup order (the first preset whose patterns match wins in name_for_patterns).
std::span<const PreTokenizerPreset> pre_tokenizer_presets();

// Hugging Face tokenizer.json spells some patterns differently from the llama.cpp forms the presets
// hold (case-insensitive groups, a trailing \s+ alternative that changes nothing); this maps such a
// spelling to the preset form, or returns `pattern` itself.
std::string_view canonical_pattern(std::string_view pattern);

// The GPT-2 pattern in preset form (what Hugging Face's ByteLevel with use_regex applies).
std::string_view preset_gpt2_pattern();

}  // namespace glassbox::tokenizer
