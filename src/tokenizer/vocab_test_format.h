// The ggml vocabulary-test format (llama.cpp's ggml-vocab-*.gguf.inp / .out): inputs separated by
// the line "__ggml_vocab_test__", expected ids one line per input, each id preceded by a space.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace glassbox::tokenizer {

inline constexpr std::string_view kVocabTestSeparator = "\n__ggml_vocab_test__\n";

// Splits .inp content on the separator; a separator at the very end starts no further input.
std::vector<std::string> split_vocab_test_inputs(std::string_view content);
// Reads and splits a .inp file.
Result<std::vector<std::string>> read_vocab_test_inputs(const std::string& path);
// One .out line without its newline: " 15043 3186" (empty for no ids).
std::string format_vocab_test_ids(const std::vector<int32_t>& ids);

}  // namespace glassbox::tokenizer
