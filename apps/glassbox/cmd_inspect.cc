// glassbox inspect MODEL.gguf: metadata and tensor table.
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "gguf/gguf_file.h"

namespace glassbox::app {
namespace {

std::string describe(const gguf::Value& v) {
  using gguf::ValueType;
  switch (v.type) {
    case ValueType::kString: {
      std::string s(v.str.substr(0, 120));
      for (char& c : s) if (c == '\n') c = ' ';
      return "\"" + s + (v.str.size() > 120 ? "\"... (" + std::to_string(v.str.size()) + " bytes)" : "\"");
    }
    case ValueType::kBool: return v.u ? "true" : "false";
    case ValueType::kF32: case ValueType::kF64: return str_format("%g", v.f);
    case ValueType::kU8: case ValueType::kU16: case ValueType::kU32: case ValueType::kU64:
      return std::to_string(v.u);
    case ValueType::kI8: case ValueType::kI16: case ValueType::kI32: case ValueType::kI64:
      return std::to_string(v.i);
    case ValueType::kArray: {
      std::string out = "[" + std::string(gguf::value_type_name(v.elem_type)) + " x " + std::to_string(v.count) + "]";
      std::string items;
      for (uint64_t k = 0; k < v.count && k < 6; ++k) {
        if (k) items += ", ";
        if (v.elem_type == ValueType::kString) items += "\"" + std::string(v.strings[k].substr(0, 24)) + "\"";
        else if (v.elem_type == ValueType::kF32 || v.elem_type == ValueType::kF64) items += str_format("%g", v.array_float(k));
        else if (v.elem_type != ValueType::kArray) items += std::to_string(v.array_int(k));
      }
      if (!items.empty()) out += " " + items + (v.count > 6 ? ", ..." : "");
      return out;
    }
  }
  return "?";
}

}  // namespace

int cmd_inspect(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {}, {"-h|--help", "--no-tensors"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox inspect: %s\n", args.status().message().c_str());
    return 2;
  }
  if (args->has("-h") || args->positionals().size() != 1) {
    std::fprintf(args->has("-h") ? stdout : stderr, "usage: glassbox inspect MODEL.gguf [--no-tensors]\n");
    return args->has("-h") ? 0 : 2;
  }
  auto file = gguf::GgufFile::open(args->positionals()[0]);
  if (!file.ok()) {
    std::fprintf(stderr, "glassbox inspect: %s\n", file.status().message().c_str());
    return 1;
  }
  std::printf("file: %s\nGGUF version %u, %zu bytes, %zu metadata keys, %zu tensors, alignment %llu\n\n",
              file->name().c_str(), file->version(), file->file_size(), file->metadata().size(),
              file->tensors().size(), static_cast<unsigned long long>(file->alignment()));
  std::printf("metadata:\n");
  for (const auto& [key, value] : file->metadata()) {
    std::printf("  %-44s %s\n", key.c_str(), describe(value).c_str());
  }
  if (args->has("--no-tensors")) return 0;
  std::printf("\ntensors:\n  %-40s %-6s %-24s %12s %14s\n", "name", "type", "shape", "bytes", "offset");
  uint64_t total = 0;
  int64_t params = 0;
  for (const auto& t : file->tensors()) {
    std::string shape;
    for (size_t d = 0; d < t.shape.size(); ++d) shape += (d ? " x " : "") + std::to_string(t.shape[d]);
    std::printf("  %-40s %-6s %-24s %12llu %14llu\n", t.name.c_str(), std::string(tensor::dtype_name(t.dtype)).c_str(),
                shape.c_str(), static_cast<unsigned long long>(t.n_bytes),
                static_cast<unsigned long long>(file->data_offset() + t.offset));
    total += t.n_bytes;
    params += t.n_elements;
  }
  std::printf("\n%zu tensors, %lld parameters, %.2f MiB of tensor data\n", file->tensors().size(),
              static_cast<long long>(params), total / 1048576.0);
  return 0;
}

}  // namespace glassbox::app
