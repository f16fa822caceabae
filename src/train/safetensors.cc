// SafetensorsFile: header parsing and validation; the JSON library's exceptions stop here.
#include "train/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace glassbox::train {
namespace {

struct DTypeInfo {
  const char* name;
  StDType dtype;
  int64_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {"F64", StDType::kF64, 8},   {"F32", StDType::kF32, 4}, {"F16", StDType::kF16, 2},
    {"BF16", StDType::kBF16, 2}, {"I64", StDType::kI64, 8}, {"I32", StDType::kI32, 4},
    {"I16", StDType::kI16, 2},   {"I8", StDType::kI8, 1},   {"U8", StDType::kU8, 1},
    {"BOOL", StDType::kBool, 1},
};

// The header is bounded so that a corrupt length cannot make us parse gigabytes of JSON.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

}  // namespace

const char* st_dtype_name(StDType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.name;
  return "?";
}

int64_t st_dtype_size(StDType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.size;
  return 0;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  SafetensorsFile st;
  GB_ASSIGN_OR_RETURN(st.file_, MappedFile::open(path));
  const uint8_t* bytes = st.file_.data();
  const uint64_t file_size = st.file_.size();
  if (file_size < 8)
    return data_loss(
        str_format("safetensors: '%s': %llu bytes, too short for the 8-byte header length",
                   path.c_str(), static_cast<unsigned long long>(file_size)));
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > file_size - 8 || header_len > kMaxHeaderBytes)
    return data_loss(
        str_format("safetensors: '%s': header length %llu exceeds the %llu bytes after it",
                   path.c_str(), static_cast<unsigned long long>(header_len),
                   static_cast<unsigned long long>(file_size - 8)));
  const uint8_t* data_begin = bytes + 8 + header_len;
  const uint64_t data_size = file_size - 8 - header_len;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    return data_loss(
        str_format("safetensors: '%s': header is not valid JSON: %s", path.c_str(), e.what()));
  }
  if (!header.is_object())
    return data_loss(str_format("safetensors: '%s': header is not a JSON object", path.c_str()));

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object())
        return data_loss(
            str_format("safetensors: '%s': __metadata__ is not an object", path.c_str()));
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string())
          return data_loss(str_format("safetensors: '%s': __metadata__ '%s' is not a string",
                                      path.c_str(), m.key().c_str()));
        st.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& what) {
      return data_loss(str_format("safetensors: '%s': tensor '%s': %s", path.c_str(), name.c_str(),
                                  what.c_str()));
    };
    if (!entry.is_object()) return bad("entry is not an object");
    auto dtype_it = entry.find("dtype");
    auto shape_it = entry.find("shape");
    auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) return bad("missing string 'dtype'");
    if (shape_it == entry.end() || !shape_it->is_array()) return bad("missing array 'shape'");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2)
      return bad("missing 'data_offsets' [begin, end]");

    StTensor t;
    t.name = name;
    const std::string dtype_name = dtype_it->get<std::string>();
    int64_t elem_size = 0;
    for (const auto& d : kDTypes)
      if (dtype_name == d.name) {
        t.dtype = d.dtype;
        elem_size = d.size;
      }
    if (elem_size == 0) return bad("unsupported dtype '" + dtype_name + "'");

    uint64_t numel = 1;
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0)
        return bad("shape has a non-integer or negative dim");
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && numel > (uint64_t{1} << 50) / d)
        return bad("shape " + dim.dump() + " overflows");
      numel *= d;
      t.shape.push_back(static_cast<int64_t>(d));
    }
    for (const auto& off : *offsets_it)
      if (!off.is_number_unsigned() && !(off.is_number_integer() && off.get<int64_t>() >= 0))
        return bad("data_offsets are not non-negative integers");
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (begin > end)
      return bad(str_format("data_offsets [%llu, %llu) are reversed", (unsigned long long)begin,
                            (unsigned long long)end));
    if (end > data_size)
      return bad(str_format("data ends at byte %llu of the data section, which has %llu bytes",
                            (unsigned long long)end, (unsigned long long)data_size));
    if (end - begin != numel * static_cast<uint64_t>(elem_size))
      return bad(str_format("data_offsets span %llu bytes, but %s %s needs %llu",
                            (unsigned long long)(end - begin), dtype_name.c_str(),
                            shape_string(t.shape).c_str(),
                            (unsigned long long)(numel * elem_size)));
    t.numel = static_cast<int64_t>(numel);
    t.data = data_begin + begin;
    st.tensors_.emplace(name, std::move(t));
  }
  // Two tensors sharing bytes would alias each other's data: the format forbids it.
  std::vector<const StTensor*> by_offset;
  for (const auto& [name, t] : st.tensors_)
    if (t.numel > 0) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const StTensor* a, const StTensor* b) { return a->data < b->data; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const StTensor& prev = *by_offset[i - 1];
    if (prev.data + prev.numel * st_dtype_size(prev.dtype) > by_offset[i]->data)
      return data_loss(str_format("safetensors: '%s': tensors '%s' and '%s' overlap", path.c_str(),
                                  prev.name.c_str(), by_offset[i]->name.c_str()));
  }
  return st;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, t] : tensors_) out.push_back(name);
  return out;
}

Result<const StTensor*> SafetensorsFile::tensor(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    return not_found(str_format("safetensors: '%s': no tensor '%s'", path().c_str(), name.c_str()));
  return &it->second;
}

Status SafetensorsFile::check_shape(const StTensor& t,
                                    const std::vector<int64_t>& expected_shape) const {
  if (!expected_shape.empty() && t.shape != expected_shape)
    return invalid_argument(str_format(
        "safetensors: '%s': tensor '%s' has shape %s, expected %s", path().c_str(), t.name.c_str(),
        shape_string(t.shape).c_str(), shape_string(expected_shape).c_str()));
  return ok_status();
}

Result<std::vector<float>> SafetensorsFile::read_f32(
    const std::string& name, const std::vector<int64_t>& expected_shape) const {
  GB_ASSIGN_OR_RETURN(const StTensor* t, tensor(name));
  if (t->dtype != StDType::kF32)
    return invalid_argument(str_format("safetensors: '%s': tensor '%s' is %s, expected F32",
                                       path().c_str(), name.c_str(), st_dtype_name(t->dtype)));
  GB_RETURN_IF_ERROR(check_shape(*t, expected_shape));
  std::vector<float> out(t->numel);
  if (t->numel) std::memcpy(out.data(), t->data, t->numel * sizeof(float));
  return out;
}

Result<std::vector<int32_t>> SafetensorsFile::read_i32(
    const std::string& name, const std::vector<int64_t>& expected_shape) const {
  GB_ASSIGN_OR_RETURN(const StTensor* t, tensor(name));
  GB_RETURN_IF_ERROR(check_shape(*t, expected_shape));
  std::vector<int32_t> out(t->numel);
  if (t->dtype == StDType::kI32) {
    if (t->numel) std::memcpy(out.data(), t->data, t->numel * sizeof(int32_t));
    return out;
  }
  if (t->dtype == StDType::kI64) {
    for (int64_t i = 0; i < t->numel; ++i) {
      int64_t v;
      std::memcpy(&v, t->data + i * 8, 8);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
        return out_of_range(
            str_format("safetensors: '%s': tensor '%s' element %lld = %lld does not fit int32",
                       path().c_str(), name.c_str(), (long long)i, (long long)v));
      out[i] = static_cast<int32_t>(v);
    }
    return out;
  }
  return invalid_argument(str_format("safetensors: '%s': tensor '%s' is %s, expected I32 or I64",
                                     path().c_str(), name.c_str(), st_dtype_name(t->dtype)));
}

Status write_safetensors_f32(const std::string& path, const std::vector<StWriteTensor>& tensors,
                             const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    uint64_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<uint64_t>(d);
    header[t.name] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + numel * 4}}};
    offset += numel * 4;
  }
  std::string json = header.dump();
  while ((8 + json.size()) % 8 != 0) json.push_back(' ');  // the data section starts 8-byte aligned
  std::string bytes(8, '\0');
  const uint64_t len = json.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  bytes += json;
  for (const auto& t : tensors) {
    uint64_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<uint64_t>(d);
    bytes.append(reinterpret_cast<const char*>(t.data), numel * 4);
  }
  return write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace glassbox::train
