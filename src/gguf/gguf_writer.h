// GgufWriter: builds a GGUF v3 file (metadata + tensors) and writes it atomically.
//
// Tensor data is either handed over as bytes, or produced on demand by a TensorFiller while write()
// streams the file, so a multi-gigabyte model is written holding only its largest tensor in memory.
#pragma once

#include <cstdint>
#include <functional>
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

  // Fills `out` with all `n_bytes` bytes of one tensor. Called on the thread that calls write() or
  // to_bytes(), once per call, in tensor order; it must produce the same bytes each time. An error
  // stops the write.
  using TensorFiller = std::function<Status(uint8_t* out, size_t n_bytes)>;
  // Adds a tensor whose bytes `fill` produces when the file is written (same checks as above on
  // the name, type and shape).
  Status add_tensor(std::string_view name, tensor::DType dtype, const std::vector<int64_t>& shape,
                    TensorFiller fill);

  // The whole file as bytes (runs the fillers; aborts if one fails: for tests and small files).
  std::vector<uint8_t> to_bytes() const;
  // Writes to `path` through a temporary file in the same folder and a rename: never leaves a
  // half-written file. Streams the header, then each tensor in turn; memory use is the header plus
  // the largest filled tensor. Errors name `path` and the system's reason.
  Status write(const std::string& path) const;

  // Bytes of the finished file (header, tensors and alignment padding), without producing any data.
  uint64_t file_size() const;

  uint64_t alignment() const { return alignment_; }

 private:
  void set_raw(std::string_view key, std::vector<uint8_t> encoded);
  Status check_tensor(std::string_view name, tensor::DType dtype, const std::vector<int64_t>& shape,
                      size_t* n_bytes) const;
  // Header, metadata and tensor infos, padded to the start of the data section.
  std::vector<uint8_t> header_bytes() const;
  uint64_t padded(uint64_t n) const { return (n + alignment_ - 1) / alignment_ * alignment_; }

  struct Tensor {
    std::string name;
    tensor::DType dtype;
    std::vector<int64_t> shape;
    size_t n_bytes = 0;
    std::vector<uint8_t> data;  // when fill is empty
    TensorFiller fill;
  };
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> kvs_;  // key, encoded type + value
  std::vector<Tensor> tensors_;
};

}  // namespace glassbox::gguf
