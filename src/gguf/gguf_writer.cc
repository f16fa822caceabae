// GGUF v3 serialization: header, metadata, tensor infos, aligned data section.
#include "gguf/gguf_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/check.h"

namespace glassbox::gguf {
namespace {

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

void put_string(std::vector<uint8_t>& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

size_t elem_size(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: return 1;
    case ValueType::kU16: case ValueType::kI16: return 2;
    case ValueType::kU32: case ValueType::kI32: case ValueType::kF32: return 4;
    case ValueType::kU64: case ValueType::kI64: case ValueType::kF64: return 8;
    default: return 0;
  }
}

void encode_value(std::vector<uint8_t>& e, const Value& v) {
  switch (v.type) {
    case ValueType::kU8: case ValueType::kBool: put<uint8_t>(e, static_cast<uint8_t>(v.u)); break;
    case ValueType::kI8: put<int8_t>(e, static_cast<int8_t>(v.i)); break;
    case ValueType::kU16: put<uint16_t>(e, static_cast<uint16_t>(v.u)); break;
    case ValueType::kI16: put<int16_t>(e, static_cast<int16_t>(v.i)); break;
    case ValueType::kU32: put<uint32_t>(e, static_cast<uint32_t>(v.u)); break;
    case ValueType::kI32: put<int32_t>(e, static_cast<int32_t>(v.i)); break;
    case ValueType::kU64: put<uint64_t>(e, v.u); break;
    case ValueType::kI64: put<int64_t>(e, v.i); break;
    case ValueType::kF32: put<float>(e, static_cast<float>(v.f)); break;
    case ValueType::kF64: put<double>(e, v.f); break;
    case ValueType::kString: put_string(e, v.str); break;
    case ValueType::kArray:
      put<uint32_t>(e, static_cast<uint32_t>(v.elem_type));
      put<uint64_t>(e, v.count);
      if (v.elem_type == ValueType::kString) {
        for (auto s : v.strings) put_string(e, s);
      } else if (v.elem_type == ValueType::kArray) {
        for (const Value& n : v.nested) {
          // Nested arrays carry no type tag of their own beyond the element type.
          encode_value(e, n);
        }
      } else {
        e.insert(e.end(), v.elems, v.elems + v.count * elem_size(v.elem_type));
      }
      break;
  }
}

// A file written under a temporary name beside `path` and renamed over it by commit(); removed if
// never committed, so a failed or interrupted write leaves no partial file at `path`.
class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }

  Status open(const std::string& path) {
    path_ = path;
    tmp_ = path + ".tmp." + std::to_string(getpid());
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return io_error(str_format("%s: cannot create %s: %s", path.c_str(), tmp_.c_str(), std::strerror(errno)));
    return ok_status();
  }

  Status write(const uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t done = ::write(fd_, p, n);
      if (done < 0) {
        if (errno == EINTR) continue;
        return io_error(str_format("%s: write failed: %s", path_.c_str(), std::strerror(errno)));
      }
      p += done;
      n -= static_cast<size_t>(done);
    }
    return ok_status();
  }

  Status commit() {
    int err = fsync(fd_) != 0 ? errno : 0;
    if (::close(fd_) != 0 && err == 0) err = errno;
    fd_ = -1;
    if (err != 0) {
      ::unlink(tmp_.c_str());
      return io_error(str_format("%s: flush failed: %s", path_.c_str(), std::strerror(err)));
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      err = errno;
      ::unlink(tmp_.c_str());
      return io_error(str_format("%s: rename failed: %s", path_.c_str(), std::strerror(err)));
    }
    return ok_status();
  }

 private:
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
};

}  // namespace

void GgufWriter::set_raw(std::string_view key, std::vector<uint8_t> encoded) {
  for (auto& kv : kvs_) {
    if (kv.first == key) {
      kv.second = std::move(encoded);
      return;
    }
  }
  kvs_.emplace_back(std::string(key), std::move(encoded));
}

void GgufWriter::set_string(std::string_view key, std::string_view value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kString));
  put_string(e, value);
  set_raw(key, std::move(e));
}

void GgufWriter::set_u32(std::string_view key, uint32_t value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kU32));
  put<uint32_t>(e, value);
  set_raw(key, std::move(e));
  if (key == "general.alignment" && value != 0 && (value & (value - 1)) == 0) alignment_ = value;
}

void GgufWriter::set_i32(std::string_view key, int32_t value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kI32));
  put<int32_t>(e, value);
  set_raw(key, std::move(e));
}

void GgufWriter::set_u64(std::string_view key, uint64_t value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kU64));
  put<uint64_t>(e, value);
  set_raw(key, std::move(e));
}

void GgufWriter::set_f32(std::string_view key, float value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kF32));
  put<float>(e, value);
  set_raw(key, std::move(e));
}

void GgufWriter::set_bool(std::string_view key, bool value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kBool));
  put<uint8_t>(e, value ? 1 : 0);
  set_raw(key, std::move(e));
}

void GgufWriter::set_string_array(std::string_view key, const std::vector<std::string>& values) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kArray));
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kString));
  put<uint64_t>(e, values.size());
  for (const auto& s : values) put_string(e, s);
  set_raw(key, std::move(e));
}

void GgufWriter::set_f32_array(std::string_view key, const std::vector<float>& values) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kArray));
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kF32));
  put<uint64_t>(e, values.size());
  for (float v : values) put<float>(e, v);
  set_raw(key, std::move(e));
}

void GgufWriter::set_i32_array(std::string_view key, const std::vector<int32_t>& values) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kArray));
  put<uint32_t>(e, static_cast<uint32_t>(ValueType::kI32));
  put<uint64_t>(e, values.size());
  for (int32_t v : values) put<int32_t>(e, v);
  set_raw(key, std::move(e));
}

void GgufWriter::set_value(std::string_view key, const Value& value) {
  std::vector<uint8_t> e;
  put<uint32_t>(e, static_cast<uint32_t>(value.type));
  encode_value(e, value);
  set_raw(key, std::move(e));
  if (key == "general.alignment" && value.is_integer() && value.u != 0 && (value.u & (value.u - 1)) == 0) {
    alignment_ = value.u;
  }
}

Status GgufWriter::check_tensor(std::string_view name, tensor::DType dtype, const std::vector<int64_t>& shape,
                                size_t* n_bytes) const {
  const tensor::DTypeInfo& info = tensor::dtype_info(dtype);
  if (shape.empty() || shape.size() > 4) {
    return invalid_argument(str_format("gguf writer: tensor '%.*s': %zu dimensions, expected 1 to 4",
                                       static_cast<int>(name.size()), name.data(), shape.size()));
  }
  if (shape[0] % info.block_elems != 0) {
    return invalid_argument(str_format("gguf writer: tensor '%.*s': row length %lld is not a multiple of %lld",
                                       static_cast<int>(name.size()), name.data(), static_cast<long long>(shape[0]),
                                       static_cast<long long>(info.block_elems)));
  }
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  *n_bytes = static_cast<size_t>(n / info.block_elems * info.block_bytes);
  for (const auto& t : tensors_) {
    if (t.name == name) {
      return invalid_argument(str_format("gguf writer: tensor '%.*s' added twice", static_cast<int>(name.size()), name.data()));
    }
  }
  return ok_status();
}

Status GgufWriter::add_tensor(std::string_view name, tensor::DType dtype, const std::vector<int64_t>& shape,
                              std::vector<uint8_t> data) {
  size_t expected = 0;
  GB_RETURN_IF_ERROR(check_tensor(name, dtype, shape, &expected));
  if (data.size() != expected) {
    return invalid_argument(str_format("gguf writer: tensor '%.*s': %zu bytes of data, expected %zu",
                                       static_cast<int>(name.size()), name.data(), data.size(), expected));
  }
  tensors_.push_back({std::string(name), dtype, shape, expected, std::move(data), nullptr});
  return ok_status();
}

Status GgufWriter::add_tensor(std::string_view name, tensor::DType dtype, const std::vector<int64_t>& shape,
                              TensorFiller fill) {
  size_t n_bytes = 0;
  GB_RETURN_IF_ERROR(check_tensor(name, dtype, shape, &n_bytes));
  GB_CHECK(fill != nullptr);
  tensors_.push_back({std::string(name), dtype, shape, n_bytes, {}, std::move(fill)});
  return ok_status();
}

std::vector<uint8_t> GgufWriter::header_bytes() const {
  std::vector<uint8_t> out;
  put<uint32_t>(out, 0x46554747);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, kvs_.size());
  for (const auto& [key, encoded] : kvs_) {
    put_string(out, key);
    out.insert(out.end(), encoded.begin(), encoded.end());
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) put<uint64_t>(out, static_cast<uint64_t>(d));
    put<uint32_t>(out, static_cast<uint32_t>(t.dtype));
    put<uint64_t>(out, offset);
    offset += padded(t.n_bytes);
  }
  out.resize(padded(out.size()), 0);
  return out;
}

uint64_t GgufWriter::file_size() const {
  uint64_t size = header_bytes().size();
  for (const auto& t : tensors_) size += padded(t.n_bytes);
  return size;
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  std::vector<uint8_t> out = header_bytes();
  for (const auto& t : tensors_) {
    const size_t at = out.size();
    if (t.fill) {
      out.resize(at + t.n_bytes);
      Status s = t.fill(out.data() + at, t.n_bytes);
      GB_CHECK_MSG(s.ok(), s.message().c_str());
    } else {
      out.insert(out.end(), t.data.begin(), t.data.end());
    }
    out.resize(padded(out.size()), 0);
  }
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  OutputFile out;
  GB_RETURN_IF_ERROR(out.open(path));
  const std::vector<uint8_t> header = header_bytes();
  GB_RETURN_IF_ERROR(out.write(header.data(), header.size()));
  std::vector<uint8_t> buffer;  // reused: holds one filled tensor at a time
  const std::vector<uint8_t> zeros(alignment_, 0);
  for (const auto& t : tensors_) {
    const uint8_t* bytes = t.data.data();
    if (t.fill) {
      buffer.resize(t.n_bytes);
      GB_RETURN_IF_ERROR(t.fill(buffer.data(), t.n_bytes));
      bytes = buffer.data();
    }
    GB_RETURN_IF_ERROR(out.write(bytes, t.n_bytes));
    GB_RETURN_IF_ERROR(out.write(zeros.data(), padded(t.n_bytes) - t.n_bytes));
  }
  return out.commit();
}

}  // namespace glassbox::gguf
