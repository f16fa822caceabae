// DType: the tensor element types of GGUF files (ids as in the GGUF spec) and their block geometry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace glassbox::tensor {

// Values are the on-disk ids of the GGUF format (ggml_type); they never change.
enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kBF16 = 30,
};

// One past the largest id above: size for tables indexed by DType.
inline constexpr int kDTypeTableSize = 31;

struct DTypeInfo {
  DType dtype;
  std::string_view name;     // "q4_K", as llama.cpp prints it
  int64_t block_elems;       // elements per block (1 for plain types)
  int64_t block_bytes;       // bytes per block
  bool quantized;            // block-quantized with scales
  bool supported;            // glassbox can compute with it (weights)
  DType vec_dot_type;        // activation format its dot product consumes
};

// Info for a raw on-disk id, or nullptr for an id glassbox does not know.
const DTypeInfo* dtype_info(uint32_t raw_id);
const DTypeInfo& dtype_info(DType dtype);

// Parses an element type name: "q4_0", "Q4_K", "f16", "bf16"... (case-insensitive).
std::optional<DType> dtype_from_name(std::string_view name);

inline std::string_view dtype_name(DType dtype) { return dtype_info(dtype).name; }

// Bytes of a row of `n_elems` elements; n_elems must be a multiple of the block size.
inline size_t row_bytes(DType dtype, int64_t n_elems) {
  const DTypeInfo& info = dtype_info(dtype);
  return static_cast<size_t>(n_elems / info.block_elems * info.block_bytes);
}

}  // namespace glassbox::tensor
