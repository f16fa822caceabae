// GgufFile: a parsed, validated GGUF (v2/v3) file over a memory map: metadata and tensor table.
//
// Every offset and length is checked against the file size while parsing, so a malformed or truncated
// file gives a Status naming the file, the field or tensor, and what was expected; never a crash or an
// out-of-bounds read. Tensor data is not copied: tensor_data() points into the map.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"
#include "tensor/dtype.h"

namespace glassbox::gguf {

// Metadata value types, as numbered by the GGUF spec.
enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

std::string_view value_type_name(ValueType type);

// One metadata value. Scalars are decoded; strings view the file's bytes; numeric arrays keep a
// pointer to their packed little-endian elements (read them with array_int / array_float).
struct Value {
  ValueType type = ValueType::kU8;
  uint64_t u = 0;  // unsigned integers and bool
  int64_t i = 0;   // signed integers
  double f = 0;    // floats
  std::string_view str;

  // Arrays.
  ValueType elem_type = ValueType::kU8;
  uint64_t count = 0;
  const uint8_t* elems = nullptr;         // numeric arrays: packed elements
  std::vector<std::string_view> strings;  // string arrays
  std::vector<Value> nested;              // arrays of arrays

  bool is_integer() const;
  bool is_float() const;
  // Element k of a numeric array as int64 / double (k < count; the element type must be numeric).
  // array_int converts float elements toward zero, saturating at the int64 range (NaN gives 0).
  int64_t array_int(uint64_t k) const;
  double array_float(uint64_t k) const;
};

struct TensorInfo {
  std::string name;
  tensor::DType dtype = tensor::DType::kF32;
  std::vector<int64_t> shape;  // GGUF order: shape[0] is the contiguous (row) dimension
  uint64_t offset = 0;         // from the start of the data section
  uint64_t n_bytes = 0;
  int64_t n_elements = 0;

  int64_t rows() const { return shape.empty() || shape[0] == 0 ? 0 : n_elements / shape[0]; }
  int64_t row_length() const { return shape.empty() ? 0 : shape[0]; }
};

class GgufFile {
 public:
  // Maps and parses a file.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes owned by the caller, which must outlive the result (used by the fuzzer and tests).
  static Result<GgufFile> parse(const uint8_t* data, size_t size, const std::string& name);

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  size_t file_size() const { return size_; }

  const std::vector<std::pair<std::string, Value>>& metadata() const { return kvs_; }
  const Value* find(std::string_view key) const;

  // Typed getters: an error names the key and the expected type. Integers of any width convert when
  // the value fits.
  Result<std::string_view> get_string(std::string_view key) const;
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;  // accepts integers too
  Result<bool> get_bool(std::string_view key) const;
  // Optional forms: nullopt when the key is absent, an error when present with the wrong type.
  Result<std::optional<int64_t>> find_int(std::string_view key) const;
  Result<std::optional<double>> find_float(std::string_view key) const;
  Result<std::optional<std::string_view>> find_string(std::string_view key) const;
  Result<std::optional<bool>> find_bool(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  const uint8_t* tensor_data(const TensorInfo& info) const { return base_ + data_offset_ + info.offset; }

 private:
  GgufFile() = default;
  Status parse_all();

  std::shared_ptr<MappedFile> file_;  // null when parsing caller-owned bytes
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kvs_;
  std::unordered_map<std::string, size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace glassbox::gguf
