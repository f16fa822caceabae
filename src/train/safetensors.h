// SafetensorsFile: a read-only view of a .safetensors file (8-byte LE header length, JSON header,
// raw data).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::train {

enum class StDType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

const char* st_dtype_name(StDType dtype);
// Bytes per element.
int64_t st_dtype_size(StDType dtype);

// One tensor's entry; `data` points into the mapping and lives as long as the SafetensorsFile.
struct StTensor {
  std::string name;
  StDType dtype = StDType::kF32;
  std::vector<int64_t> shape;
  int64_t numel = 0;
  const uint8_t* data = nullptr;  // nbytes = numel * st_dtype_size(dtype); not necessarily aligned
};

// Format: https://github.com/huggingface/safetensors (README "Format"). Every entry is validated on
// open: known dtype, non-negative shape, data_offsets [begin, end) inside the data section and
// equal to numel * dtype size, no two tensors overlapping. Read-only and thread-safe after open.
class SafetensorsFile {
 public:
  // Errors name the file and, where one is at fault, the tensor.
  static Result<SafetensorsFile> open(const std::string& path);

  const std::string& path() const { return file_.path(); }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  // Tensor names in sorted order.
  std::vector<std::string> names() const;
  Result<const StTensor*> tensor(const std::string& name) const;
  // Copies a tensor to floats, checking dtype (F32 only) and, when `expected_shape` is non-empty,
  // its shape.
  Result<std::vector<float>> read_f32(const std::string& name,
                                      const std::vector<int64_t>& expected_shape = {}) const;
  // Copies an I32 tensor (I64 is narrowed with a range check).
  Result<std::vector<int32_t>> read_i32(const std::string& name,
                                        const std::vector<int64_t>& expected_shape = {}) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  Status check_shape(const StTensor& t, const std::vector<int64_t>& expected_shape) const;

  MappedFile file_;
  std::map<std::string, StTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes float32 tensors (name -> shape, data) as a .safetensors file, atomically.
struct StWriteTensor {
  std::string name;
  std::vector<int64_t> shape;
  const float* data = nullptr;
};
// `metadata` becomes the header's __metadata__ (string values, as the format requires).
Status write_safetensors_f32(const std::string& path, const std::vector<StWriteTensor>& tensors,
                             const std::map<std::string, std::string>& metadata = {});

std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace glassbox::train
