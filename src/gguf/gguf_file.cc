// GGUF parsing with bounds checks on every read (spec: github.com/ggml-org/ggml docs/gguf.md).
#include "gguf/gguf_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace glassbox::gguf {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
constexpr uint64_t kMaxStringBytes = 1ull << 30;
constexpr uint32_t kMaxDims = 4;
constexpr int kMaxArrayDepth = 8;
// Containers sized from a count in the file reserve at most this many elements up front.
constexpr uint64_t kMaxReserve = 1 << 16;

size_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: return 1;
    case ValueType::kU16: case ValueType::kI16: return 2;
    case ValueType::kU32: case ValueType::kI32: case ValueType::kF32: return 4;
    case ValueType::kU64: case ValueType::kI64: case ValueType::kF64: return 8;
    default: return 0;
  }
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::kF64); }

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// float -> int64 without undefined behaviour: toward zero, saturating, NaN -> 0. A plain cast of a
// value outside the int64 range (an array of f32 read with array_int) is undefined.
int64_t saturating_int(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

// A cursor over the header bytes; every read checks the remaining length.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& name) : data_(data), size_(size), name_(name) {}

  size_t pos() const { return pos_; }

  Status need(size_t n, const std::string& what) {
    if (n > size_ - pos_) {
      return data_loss(str_format("%s: truncated at byte %zu reading %s: needs %zu bytes, %zu left", name_.c_str(),
                                  pos_, what.c_str(), n, size_ - pos_));
    }
    return ok_status();
  }

  template <typename T>
  Result<T> read(const std::string& what) {
    GB_RETURN_IF_ERROR(need(sizeof(T), what));
    T v = load<T>(data_ + pos_);
    pos_ += sizeof(T);
    return v;
  }

  Result<std::string_view> read_string(const std::string& what) {
    GB_ASSIGN_OR_RETURN(uint64_t len, read<uint64_t>(what + " (length)"));
    if (len > kMaxStringBytes) {
      return data_loss(str_format("%s: %s at byte %zu: string length %llu is implausible", name_.c_str(),
                                  what.c_str(), pos_ - 8, static_cast<unsigned long long>(len)));
    }
    GB_RETURN_IF_ERROR(need(len, what));
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return s;
  }

  Status read_value(ValueType type, Value* out, const std::string& what, int depth) {
    out->type = type;
    switch (type) {
      case ValueType::kU8: { GB_ASSIGN_OR_RETURN(out->u, read<uint8_t>(what)); break; }
      case ValueType::kI8: { GB_ASSIGN_OR_RETURN(out->i, read<int8_t>(what)); break; }
      case ValueType::kU16: { GB_ASSIGN_OR_RETURN(out->u, read<uint16_t>(what)); break; }
      case ValueType::kI16: { GB_ASSIGN_OR_RETURN(out->i, read<int16_t>(what)); break; }
      case ValueType::kU32: { GB_ASSIGN_OR_RETURN(out->u, read<uint32_t>(what)); break; }
      case ValueType::kI32: { GB_ASSIGN_OR_RETURN(out->i, read<int32_t>(what)); break; }
      case ValueType::kU64: { GB_ASSIGN_OR_RETURN(out->u, read<uint64_t>(what)); break; }
      case ValueType::kI64: { GB_ASSIGN_OR_RETURN(out->i, read<int64_t>(what)); break; }
      case ValueType::kF32: { GB_ASSIGN_OR_RETURN(out->f, read<float>(what)); break; }
      case ValueType::kF64: { GB_ASSIGN_OR_RETURN(out->f, read<double>(what)); break; }
      case ValueType::kBool: {
        GB_ASSIGN_OR_RETURN(uint8_t b, read<uint8_t>(what));
        if (b > 1) return data_loss(str_format("%s: %s: bool value %u, expected 0 or 1", name_.c_str(), what.c_str(), b));
        out->u = b;
        break;
      }
      case ValueType::kString: { GB_ASSIGN_OR_RETURN(out->str, read_string(what)); break; }
      case ValueType::kArray: {
        if (depth >= kMaxArrayDepth) return data_loss(str_format("%s: %s: arrays nested too deeply", name_.c_str(), what.c_str()));
        GB_ASSIGN_OR_RETURN(uint32_t et, read<uint32_t>(what + " (array element type)"));
        if (!valid_type(et)) {
          return data_loss(str_format("%s: %s: unknown array element type %u", name_.c_str(), what.c_str(), et));
        }
        out->elem_type = static_cast<ValueType>(et);
        GB_ASSIGN_OR_RETURN(out->count, read<uint64_t>(what + " (array length)"));
        if (size_t es = scalar_size(out->elem_type); es > 0) {
          if (out->count > (size_ - pos_) / es) {
            return data_loss(str_format("%s: %s: array of %llu %s elements runs past the end of the file", name_.c_str(),
                                        what.c_str(), static_cast<unsigned long long>(out->count),
                                        std::string(value_type_name(out->elem_type)).c_str()));
          }
          out->elems = data_ + pos_;
          pos_ += out->count * es;
        } else if (out->elem_type == ValueType::kString) {
          // Each string needs at least its 8-byte length.
          if (out->count > (size_ - pos_) / 8) {
            return data_loss(str_format("%s: %s: array of %llu strings runs past the end of the file", name_.c_str(),
                                        what.c_str(), static_cast<unsigned long long>(out->count)));
          }
          out->strings.reserve(std::min<uint64_t>(out->count, kMaxReserve));
          for (uint64_t k = 0; k < out->count; ++k) {
            GB_ASSIGN_OR_RETURN(std::string_view s, read_string(what + "[" + std::to_string(k) + "]"));
            out->strings.push_back(s);
          }
        } else {
          if (out->count > (size_ - pos_) / 12) {
            return data_loss(str_format("%s: %s: nested array of %llu runs past the end of the file", name_.c_str(),
                                        what.c_str(), static_cast<unsigned long long>(out->count)));
          }
          // Grown as elements parse: sizing by the untrusted count would allocate ~10 bytes per file
          // byte at each of the 8 nesting levels before a single element was read.
          out->nested.reserve(std::min<uint64_t>(out->count, kMaxReserve));
          for (uint64_t k = 0; k < out->count; ++k) {
            Value element;
            GB_RETURN_IF_ERROR(read_value(ValueType::kArray, &element, what + "[" + std::to_string(k) + "]", depth + 1));
            out->nested.push_back(std::move(element));
          }
        }
        break;
      }
    }
    return ok_status();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
};

}  // namespace

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kU8: return "u8";
    case ValueType::kI8: return "i8";
    case ValueType::kU16: return "u16";
    case ValueType::kI16: return "i16";
    case ValueType::kU32: return "u32";
    case ValueType::kI32: return "i32";
    case ValueType::kF32: return "f32";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kArray: return "array";
    case ValueType::kU64: return "u64";
    case ValueType::kI64: return "i64";
    case ValueType::kF64: return "f64";
  }
  return "?";
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kU16: case ValueType::kI16:
    case ValueType::kU32: case ValueType::kI32: case ValueType::kU64: case ValueType::kI64: return true;
    default: return false;
  }
}

bool Value::is_float() const { return type == ValueType::kF32 || type == ValueType::kF64; }

int64_t Value::array_int(uint64_t k) const {
  const uint8_t* p = elems + k * scalar_size(elem_type);
  switch (elem_type) {
    case ValueType::kU8: case ValueType::kBool: return load<uint8_t>(p);
    case ValueType::kI8: return load<int8_t>(p);
    case ValueType::kU16: return load<uint16_t>(p);
    case ValueType::kI16: return load<int16_t>(p);
    case ValueType::kU32: return load<uint32_t>(p);
    case ValueType::kI32: return load<int32_t>(p);
    case ValueType::kU64: return static_cast<int64_t>(load<uint64_t>(p));
    case ValueType::kI64: return load<int64_t>(p);
    case ValueType::kF32: return saturating_int(load<float>(p));
    case ValueType::kF64: return saturating_int(load<double>(p));
    default: return 0;
  }
}

double Value::array_float(uint64_t k) const {
  const uint8_t* p = elems + k * scalar_size(elem_type);
  switch (elem_type) {
    case ValueType::kF32: return load<float>(p);
    case ValueType::kF64: return load<double>(p);
    default: return static_cast<double>(array_int(k));
  }
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  GB_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
  GgufFile file;
  file.file_ = std::make_shared<MappedFile>(std::move(mapped));
  file.base_ = file.file_->data();
  file.size_ = file.file_->size();
  file.name_ = path;
  GB_RETURN_IF_ERROR(file.parse_all());
  return file;
}

Result<GgufFile> GgufFile::parse(const uint8_t* data, size_t size, const std::string& name) {
  GgufFile file;
  file.base_ = data;
  file.size_ = size;
  file.name_ = name;
  GB_RETURN_IF_ERROR(file.parse_all());
  return file;
}

Status GgufFile::parse_all() {
  const char* fname = name_.c_str();
  Reader r(base_, size_, name_);
  GB_ASSIGN_OR_RETURN(uint32_t magic, r.read<uint32_t>("magic"));
  if (magic != kMagic) {
    return data_loss(str_format("%s: not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", fname, magic, kMagic));
  }
  GB_ASSIGN_OR_RETURN(version_, r.read<uint32_t>("version"));
  if (version_ == 1) return unimplemented(str_format("%s: GGUF version 1 is not supported (only 2 and 3)", fname));
  if (version_ != 2 && version_ != 3) {
    if ((version_ & 0xffff) == 0 && (version_ >> 24) <= 3) {
      return unimplemented(str_format("%s: big-endian GGUF is not supported", fname));
    }
    return data_loss(str_format("%s: GGUF version %u, expected 2 or 3", fname, version_));
  }
  GB_ASSIGN_OR_RETURN(uint64_t n_tensors, r.read<uint64_t>("tensor count"));
  GB_ASSIGN_OR_RETURN(uint64_t n_kv, r.read<uint64_t>("metadata count"));
  // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8+4+4+8.
  if (n_kv > size_ / 13) return data_loss(str_format("%s: metadata count %llu exceeds what the file can hold", fname, static_cast<unsigned long long>(n_kv)));
  if (n_tensors > size_ / 24) return data_loss(str_format("%s: tensor count %llu exceeds what the file can hold", fname, static_cast<unsigned long long>(n_tensors)));

  // Counts are untrusted: reserving them outright costs ~12 bytes of memory per byte of file
  // (a corrupt count in an 8 GB model would ask for ~90 GB before the first entry is read).
  kvs_.reserve(std::min<uint64_t>(n_kv, kMaxReserve));
  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string where = "metadata entry " + std::to_string(k);
    GB_ASSIGN_OR_RETURN(std::string_view key, r.read_string(where + " key"));
    std::string key_str(key);
    GB_ASSIGN_OR_RETURN(uint32_t type, r.read<uint32_t>("type of '" + key_str + "'"));
    if (!valid_type(type)) return data_loss(str_format("%s: metadata '%s': unknown value type %u", fname, key_str.c_str(), type));
    Value value;
    GB_RETURN_IF_ERROR(r.read_value(static_cast<ValueType>(type), &value, "metadata '" + key_str + "'", 0));
    if (kv_index_.count(key_str)) return data_loss(str_format("%s: metadata key '%s' appears twice", fname, key_str.c_str()));
    kv_index_[key_str] = kvs_.size();
    kvs_.emplace_back(std::move(key_str), std::move(value));
  }

  if (const Value* a = find("general.alignment")) {
    if (!a->is_integer() || a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > 65536) {
      return data_loss(str_format("%s: general.alignment must be a power of two integer", fname));
    }
    alignment_ = a->u;
  }

  tensors_.reserve(std::min<uint64_t>(n_tensors, kMaxReserve));
  for (uint64_t t = 0; t < n_tensors; ++t) {
    TensorInfo info;
    std::string where = "tensor info " + std::to_string(t);
    GB_ASSIGN_OR_RETURN(std::string_view name, r.read_string(where + " name"));
    info.name = std::string(name);
    const char* tname = info.name.c_str();
    GB_ASSIGN_OR_RETURN(uint32_t n_dims, r.read<uint32_t>("dimension count of tensor '" + info.name + "'"));
    if (n_dims == 0 || n_dims > kMaxDims) {
      return data_loss(str_format("%s: tensor '%s': %u dimensions, expected 1 to %u", fname, tname, n_dims, kMaxDims));
    }
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      GB_ASSIGN_OR_RETURN(uint64_t dim, r.read<uint64_t>("shape of tensor '" + info.name + "'"));
      // ggml never writes an empty dimension, and a zero row length would make rows() divide by zero.
      if (dim == 0) return data_loss(str_format("%s: tensor '%s': dimension %u is 0, expected at least 1", fname, tname, d));
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (static_cast<uint64_t>(n_elements) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / dim)) {
        return data_loss(str_format("%s: tensor '%s': shape overflows", fname, tname));
      }
      info.shape.push_back(static_cast<int64_t>(dim));
      n_elements *= static_cast<int64_t>(dim);
    }
    info.n_elements = n_elements;
    GB_ASSIGN_OR_RETURN(uint32_t raw_type, r.read<uint32_t>("type of tensor '" + info.name + "'"));
    const tensor::DTypeInfo* dt = tensor::dtype_info(raw_type);
    if (dt == nullptr) {
      return unimplemented(str_format("%s: tensor '%s': unknown tensor type id %u", fname, tname, raw_type));
    }
    info.dtype = dt->dtype;
    if (info.shape[0] % dt->block_elems != 0) {
      return data_loss(str_format("%s: tensor '%s': row length %lld is not a multiple of the %s block size %lld", fname,
                                  tname, static_cast<long long>(info.shape[0]), std::string(dt->name).c_str(),
                                  static_cast<long long>(dt->block_elems)));
    }
    // The byte count must not wrap: 2^62 f32 elements would otherwise claim 0 bytes of data.
    const uint64_t n_blocks = static_cast<uint64_t>(n_elements / dt->block_elems);
    if (n_blocks > size_ / static_cast<uint64_t>(dt->block_bytes)) {
      return data_loss(str_format("%s: tensor '%s': %lld %s elements need more bytes than the whole file (%zu)", fname,
                                  tname, static_cast<long long>(n_elements), std::string(dt->name).c_str(), size_));
    }
    info.n_bytes = n_blocks * static_cast<uint64_t>(dt->block_bytes);
    GB_ASSIGN_OR_RETURN(info.offset, r.read<uint64_t>("offset of tensor '" + info.name + "'"));
    if (info.offset % alignment_ != 0) {
      return data_loss(str_format("%s: tensor '%s': offset %llu is not a multiple of the alignment %llu", fname, tname,
                                  static_cast<unsigned long long>(info.offset),
                                  static_cast<unsigned long long>(alignment_)));
    }
    if (tensor_index_.count(info.name)) return data_loss(str_format("%s: tensor '%s' appears twice", fname, tname));
    tensor_index_[info.name] = tensors_.size();
    tensors_.push_back(std::move(info));
  }

  data_offset_ = (r.pos() + alignment_ - 1) / alignment_ * alignment_;
  if (n_tensors > 0 && data_offset_ > size_) {
    return data_loss(str_format("%s: data section would start at byte %llu, past the end of the file (%zu bytes)", fname,
                                static_cast<unsigned long long>(data_offset_), size_));
  }
  const uint64_t data_size = size_ >= data_offset_ ? size_ - data_offset_ : 0;
  for (const TensorInfo& info : tensors_) {
    if (info.offset > data_size || info.n_bytes > data_size - info.offset) {
      return data_loss(str_format("%s: tensor '%s': data ends at byte %llu, file is %zu bytes", fname, info.name.c_str(),
                                  static_cast<unsigned long long>(data_offset_ + info.offset + info.n_bytes), size_));
    }
  }
  return ok_status();
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(std::string(key));
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].second;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {
Status wrong_type(const std::string& file, std::string_view key, const char* expected, const Value& v) {
  return data_loss(str_format("%s: metadata '%.*s' is %s, expected %s", file.c_str(), static_cast<int>(key.size()),
                              key.data(), std::string(value_type_name(v.type)).c_str(), expected));
}
Status missing(const std::string& file, std::string_view key) {
  return not_found(str_format("%s: metadata '%.*s' is missing", file.c_str(), static_cast<int>(key.size()), key.data()));
}
}  // namespace

Result<std::optional<int64_t>> GgufFile::find_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::optional<int64_t>();
  switch (v->type) {
    case ValueType::kU8: case ValueType::kU16: case ValueType::kU32: return std::optional<int64_t>(static_cast<int64_t>(v->u));
    case ValueType::kU64:
      if (v->u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return wrong_type(name_, key, "an integer that fits in int64", *v);
      return std::optional<int64_t>(static_cast<int64_t>(v->u));
    case ValueType::kI8: case ValueType::kI16: case ValueType::kI32: case ValueType::kI64: return std::optional<int64_t>(v->i);
    default: return wrong_type(name_, key, "an integer", *v);
  }
}

Result<std::optional<double>> GgufFile::find_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::optional<double>();
  if (v->is_float()) return std::optional<double>(v->f);
  if (v->is_integer()) {
    GB_ASSIGN_OR_RETURN(std::optional<int64_t> i, find_int(key));
    return std::optional<double>(static_cast<double>(*i));
  }
  return wrong_type(name_, key, "a number", *v);
}

Result<std::optional<std::string_view>> GgufFile::find_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::optional<std::string_view>();
  if (v->type != ValueType::kString) return wrong_type(name_, key, "a string", *v);
  return std::optional<std::string_view>(v->str);
}

Result<std::optional<bool>> GgufFile::find_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::optional<bool>();
  if (v->type != ValueType::kBool) return wrong_type(name_, key, "a bool", *v);
  return std::optional<bool>(v->u != 0);
}

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  GB_ASSIGN_OR_RETURN(std::optional<int64_t> v, find_int(key));
  if (!v) return missing(name_, key);
  return *v;
}

Result<double> GgufFile::get_float(std::string_view key) const {
  GB_ASSIGN_OR_RETURN(std::optional<double> v, find_float(key));
  if (!v) return missing(name_, key);
  return *v;
}

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  GB_ASSIGN_OR_RETURN(std::optional<std::string_view> v, find_string(key));
  if (!v) return missing(name_, key);
  return *v;
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  GB_ASSIGN_OR_RETURN(std::optional<bool> v, find_bool(key));
  if (!v) return missing(name_, key);
  return *v;
}

}  // namespace glassbox::gguf
