// Invariant and round-trip checks over parsed GGUF files (used by fuzz/ and the fuzz-smoke test).
#include "gguf/gguf_invariants.h"

#include <cmath>
#include <cstring>

#include "base/status.h"
#include "gguf/gguf_writer.h"

namespace glassbox::gguf {
namespace {

using u128 = unsigned __int128;

size_t elem_bytes(ValueType t) {
  switch (t) {
    case ValueType::kU8: case ValueType::kI8: case ValueType::kBool: return 1;
    case ValueType::kU16: case ValueType::kI16: return 2;
    case ValueType::kU32: case ValueType::kI32: case ValueType::kF32: return 4;
    case ValueType::kU64: case ValueType::kI64: case ValueType::kF64: return 8;
    default: return 0;
  }
}

class Walker {
 public:
  Walker(const uint8_t* data, size_t size) : begin_(data), end_(data + size) {}

  // Reads every byte of [p, p + n) after checking the range lies inside the file.
  bool touch(const void* p, u128 n, const std::string& what) {
    if (n == 0) return true;
    auto* b = static_cast<const uint8_t*>(p);
    if (b < begin_ || b > end_ || n > static_cast<u128>(end_ - b)) return fail(what + " views bytes outside the file");
    uint8_t acc = 0;
    for (size_t k = 0; k < static_cast<size_t>(n); ++k) acc ^= b[k];
    sink_ = sink_ + acc;
    return true;
  }

  bool value(const Value& v, const std::string& what) {
    switch (v.type) {
      case ValueType::kString: return touch(v.str.data(), v.str.size(), what);
      case ValueType::kArray: break;
      default: return true;
    }
    if (v.elem_type == ValueType::kString) {
      if (v.strings.size() != v.count) return fail(what + ": string array count differs from its elements");
      for (uint64_t k = 0; k < v.count; ++k) {
        if (!touch(v.strings[k].data(), v.strings[k].size(), what + "[" + std::to_string(k) + "]")) return false;
      }
      return true;
    }
    if (v.elem_type == ValueType::kArray) {
      if (v.nested.size() != v.count) return fail(what + ": nested array count differs from its elements");
      for (uint64_t k = 0; k < v.count; ++k) {
        if (!value(v.nested[k], what + "[" + std::to_string(k) + "]")) return false;
      }
      return true;
    }
    const size_t es = elem_bytes(v.elem_type);
    if (es == 0) return fail(what + ": array of unknown element type");
    if (!touch(v.elems, static_cast<u128>(v.count) * es, what)) return false;
    double sum = 0;
    for (uint64_t k = 0; k < v.count; ++k) sum += static_cast<double>(v.array_int(k)) + v.array_float(k);
    sink_ = sink_ + static_cast<int>(std::isnan(sum));
    return true;
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  const uint8_t* begin_;
  const uint8_t* end_;
  volatile uint64_t sink_ = 0;
  std::string error_;
};

bool same_float(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

std::string diff_values(const Value& a, const Value& b, const std::string& where) {
  if (a.type != b.type) return where + ": type changed";
  switch (a.type) {
    case ValueType::kString: return a.str == b.str ? "" : where + ": string changed";
    case ValueType::kF32: case ValueType::kF64: return same_float(a.f, b.f) ? "" : where + ": float changed";
    case ValueType::kArray: break;
    default: return a.u == b.u && a.i == b.i ? "" : where + ": integer changed";
  }
  if (a.elem_type != b.elem_type || a.count != b.count) return where + ": array type or count changed";
  if (a.elem_type == ValueType::kString) return a.strings == b.strings ? "" : where + ": string array changed";
  if (a.elem_type == ValueType::kArray) {
    for (uint64_t k = 0; k < a.count; ++k) {
      std::string d = diff_values(a.nested[k], b.nested[k], where + "[" + std::to_string(k) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  const size_t n = static_cast<size_t>(a.count) * elem_bytes(a.elem_type);
  return n == 0 || std::memcmp(a.elems, b.elems, n) == 0 ? "" : where + ": array elements changed";
}

}  // namespace

std::string check_invariants(const GgufFile& file, const uint8_t* data, size_t size) {
  Walker walk(data, size);
  for (const auto& [key, value] : file.metadata()) {
    if (file.find(key) != &value) return "metadata '" + key + "': find() does not return it";
    if (!walk.value(value, "metadata '" + key + "'")) return walk.error();
  }
  const uint64_t align = file.alignment();
  if (align == 0 || (align & (align - 1)) != 0) return "alignment is not a power of two";
  if (file.data_offset() % align != 0) return "data section is not aligned";
  for (const TensorInfo& t : file.tensors()) {
    const std::string what = "tensor '" + t.name + "'";
    if (file.find_tensor(t.name) != &t) return what + ": find_tensor() does not return it";
    const tensor::DTypeInfo* info = tensor::dtype_info(static_cast<uint32_t>(t.dtype));
    if (info == nullptr) return what + ": unknown dtype";
    if (t.shape.empty() || t.shape.size() > 4) return what + ": bad dimension count";
    u128 n = 1;
    for (int64_t d : t.shape) {
      if (d < 0) return what + ": negative dimension";
      n *= static_cast<u128>(d);
      if (n > static_cast<u128>(INT64_MAX)) return what + ": element count overflows int64";
    }
    if (static_cast<u128>(t.n_elements) != n) return what + ": n_elements is not the product of the shape";
    if (t.row_length() % info->block_elems != 0) return what + ": row length is not a whole number of blocks";
    if (t.rows() * t.row_length() != t.n_elements) return what + ": rows() x row_length() != n_elements";
    if (static_cast<u128>(t.n_bytes) * static_cast<u128>(info->block_elems) !=
        n * static_cast<u128>(info->block_bytes)) {
      return what + ": n_bytes " + std::to_string(t.n_bytes) + " does not match its shape and type";
    }
    if (t.offset % align != 0) return what + ": offset is not aligned";
    if (static_cast<u128>(file.data_offset()) + t.offset + t.n_bytes > size) return what + ": data ends past the file";
    if (t.n_bytes > 0) {
      const uint8_t* p = file.tensor_data(t);
      if (!walk.touch(p, 1, what + " first byte") || !walk.touch(p + t.n_bytes - 1, 1, what + " last byte")) {
        return walk.error();
      }
    }
  }
  return "";
}

std::string check_round_trip(const GgufFile& file) {
  GgufWriter w;
  for (const auto& [key, value] : file.metadata()) w.set_value(key, value);
  for (const TensorInfo& t : file.tensors()) {
    const uint8_t* p = file.tensor_data(t);
    Status s = w.add_tensor(t.name, t.dtype, t.shape, std::vector<uint8_t>(p, p + t.n_bytes));
    if (!s.ok()) return "writer refused a tensor the reader accepted: " + s.message();
  }
  const std::vector<uint8_t> bytes = w.to_bytes();
  auto again = GgufFile::parse(bytes.data(), bytes.size(), "rewritten");
  if (!again.ok()) return "reader refused the writer's copy: " + again.status().message();
  if (again->metadata().size() != file.metadata().size()) return "metadata count changed";
  for (size_t k = 0; k < file.metadata().size(); ++k) {
    const auto& [key, value] = file.metadata()[k];
    if (again->metadata()[k].first != key) return "metadata key " + std::to_string(k) + " changed";
    std::string d = diff_values(value, again->metadata()[k].second, "metadata '" + key + "'");
    if (!d.empty()) return d;
  }
  if (again->alignment() != file.alignment()) return "alignment changed";
  if (again->tensors().size() != file.tensors().size()) return "tensor count changed";
  for (size_t k = 0; k < file.tensors().size(); ++k) {
    const TensorInfo& a = file.tensors()[k];
    const TensorInfo& b = again->tensors()[k];
    if (a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.n_bytes != b.n_bytes) {
      return "tensor '" + a.name + "': name, type, shape or size changed";
    }
    if (a.n_bytes > 0 && std::memcmp(file.tensor_data(a), again->tensor_data(b), a.n_bytes) != 0) {
      return "tensor '" + a.name + "': data changed";
    }
  }
  return "";
}

}  // namespace glassbox::gguf
