// Small valid GGUF files that exercise every part of the format: fuzz seeds and test inputs.
//
// Test support only (library gb_gguf_samples, never linked into the glassbox binary). Each file is
// built with GgufWriter, is a few KiB at most, and parses with GgufFile; together they cover every
// metadata value type, string arrays, numeric arrays of every element type, arrays nested two levels
// deep, tensors of 1 to 4 dimensions in plain and block-quantized types, a non-default alignment,
// GGUF version 2, and files with no metadata or no tensors.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace glassbox::gguf {

struct SampleFile {
  std::string name;  // a file name: "all_value_types.gguf"
  std::vector<uint8_t> bytes;
};

// Deterministic: the same bytes on every call and machine.
std::vector<SampleFile> sample_files();

}  // namespace glassbox::gguf
