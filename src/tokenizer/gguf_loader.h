// Reading a TokenizerSpec from GGUF tokenizer.ggml.* metadata (the keys llama.cpp's converters write).
#pragma once

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer_spec.h"

namespace glassbox::tokenizer {

// Errors name the file and key: a missing tokenizer.ggml.tokens/merges, a wrong value type, a
// per-token array shorter than the token list. tokenizer.ggml.model other than "llama"/"gpt2" is
// kUnimplemented.
Result<TokenizerSpec> read_gguf_tokenizer(const gguf::GgufFile& file);

}  // namespace glassbox::tokenizer
