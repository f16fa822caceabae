// Reading a TokenizerSpec from a Hugging Face tokenizer folder: tokenizer.json (model.vocab,
// model.merges as "a b" strings or [a, b] pairs, added_tokens with their special flags, the
// pre_tokenizer), plus the optional tokenizer_config.json (bos_token, eos_token, add_bos_token,
// chat_template) and chat_template.jinja.
//
// Supported: byte-level BPE ("model": BPE with a ByteLevel pre-tokenizer), with Split (Regex or
// String, behaviour Isolated), Digits, Punctuation and ByteLevel pre-tokenizers in a Sequence.
// A pre-tokenizer sequence equal to a built-in one (Llama 3, Qwen2, GPT-2, StarCoder, ...) uses the
// built-in; any other runs its regexes as given. The NFC normalizer (Qwen) is accepted and, as in
// llama.cpp, not applied. Anything else is kUnimplemented with the unsupported part named.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "tokenizer/tokenizer_spec.h"

namespace glassbox::tokenizer {

// `dir` holds tokenizer.json. Malformed JSON or a field of the wrong shape is kDataLoss naming the
// file and the field; a missing tokenizer.json is kNotFound.
Result<TokenizerSpec> read_hf_tokenizer_dir(const std::string& dir);

// The same from in-memory texts (`config_json` may be empty: no tokenizer_config.json). `source`
// names the input in error messages.
Result<TokenizerSpec> parse_hf_tokenizer(std::string_view tokenizer_json, std::string_view config_json,
                                         const std::string& source);

}  // namespace glassbox::tokenizer
