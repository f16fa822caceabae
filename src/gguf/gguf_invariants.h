// Invariant checks over a parsed GgufFile: what the fuzzer and the fuzz-smoke test assert after a parse.
//
// Test support only (library gb_gguf_testing). Both functions read every byte the parsed file claims
// to own (every key and string, every numeric array element through array_int / array_float, the first
// and last byte of each tensor's data), so under AddressSanitizer an out-of-bounds view is reported at
// the read; without a sanitizer the explicit range checks still catch it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gguf/gguf_file.h"

namespace glassbox::gguf {

// Checks that `file`, parsed from [data, data + size), only views bytes inside that range and is
// self-consistent (array counts, tensor byte counts against shapes and types, offsets and alignment,
// lookups by name). Returns "" when every invariant holds, else a description of the first that broke.
std::string check_invariants(const GgufFile& file, const uint8_t* data, size_t size);

// Rewrites `file` with GgufWriter, parses the result and compares metadata (keys, order, types,
// values) and tensors (names, types, shapes, data bytes). Returns "" when they match, else the first
// difference. Costs a copy of all tensor data.
std::string check_round_trip(const GgufFile& file);

}  // namespace glassbox::gguf
