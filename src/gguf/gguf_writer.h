// GgufWriter: builds a GGUF v3 file (metadata + tensors) and writes it atomically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tensor/dtype.h"

namespace glassbox::gguf {

class GgufWriter {
 public:
  // Setting a key twice replaces its value; keys keep their first insertion order.
  void set_string(std::string_view key, std::string_view value);
  void set_u32(std::string_view key, uint32_t value);
  void set_i32(std::string_view key, int32_t value);
  void set_u64(std::string_view key, uint64_t value);
  void set_f32(std::string_view key, float value);
  void set_bool(std::string_view key, bool value);
  void set_string_array(std::string_view key, const std::vector<std::string>& values);
  void set_f32_array(std::string_view key, const std::vector<float>& values);
  void set_i32_array(std::string_view key, const std::vector<int32_t>& values);
  // Copies a metadata value read from another file (any type, arrays included).
  void set_value(std::string_view key, const Value& value);

  // Adds a tensor. `shape` is in GGUF order (shape[0] = row length); `data` must hold exactly
  // the bytes its type and shape need, else an error.
  Status add_tensor(std::string_view name, tensor::DType dtype, const std::vector<int64_t>& shape,
                    std::vector<uint8_t> data);

  // The whole file as bytes.
  std::vector<uint8_t> to_bytes() const;
  // Writes to `path` through a temporary file and a rename: never leaves a half-written file.
  Status write(const std::string& path) const;

  uint64_t alignment() const { return alignment_; }

 private:
  void set_raw(std::string_view key, std::vector<uint8_t> encoded);

  struct Tensor {
    std::string name;
    tensor::DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> data;
  };
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> kvs_;  // key, encoded type + value
  std::vector<Tensor> tensors_;
};

}  // namespace glassbox::gguf
