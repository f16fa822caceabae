// MappedFile: a read-only memory map of a whole file; the bytes live as long as the object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace glassbox {

class MappedFile {
 public:
  // Maps `path` read-only. Errors name the path and the system's reason.
  static Result<MappedFile> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole file into a string.
Result<std::string> read_file_to_string(const std::string& path);

// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, then rename.
Status write_file_atomic(const std::string& path, const void* bytes, size_t size);

}  // namespace glassbox
