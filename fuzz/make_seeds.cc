// gguf_seeds OUT_DIR [MODELS_DIR]: writes the fuzzer's seed corpus.
//
// Seeds: the sample files of gguf/gguf_sample_files.h, and for each *.gguf in MODELS_DIR (the shared
// fixture models) two derived files: its first 64 KiB (real header bytes, cut inside the vocabulary)
// and a small rewrite that keeps every metadata key and tensor name/type of the real file but clips
// arrays to 64 elements and tensors to one row, so the fuzzer starts from complete, real-looking files
// without reading 40 MB ones.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_sample_files.h"
#include "gguf/gguf_writer.h"

namespace fs = std::filesystem;
using namespace glassbox;

namespace {

constexpr size_t kHeadBytes = 64 * 1024;
constexpr uint64_t kMaxArray = 64;

gguf::Value clipped(const gguf::Value& v) {
  gguf::Value out = v;
  if (v.type == gguf::ValueType::kString) out.str = v.str.substr(0, 256);
  if (v.type != gguf::ValueType::kArray) return out;
  out.count = std::min(v.count, kMaxArray);
  if (v.elem_type == gguf::ValueType::kString) {
    out.strings.resize(out.count);
  } else if (v.elem_type == gguf::ValueType::kArray) {
    out.nested.resize(out.count);
    for (auto& n : out.nested) n = clipped(n);
  }
  return out;
}

Status write_small(const gguf::GgufFile& file, const std::string& path) {
  gguf::GgufWriter w;
  for (const auto& [key, value] : file.metadata()) w.set_value(key, clipped(value));
  for (const auto& t : file.tensors()) {
    std::vector<int64_t> shape = {t.row_length()};
    if (t.shape.size() > 1) shape.push_back(1);
    const size_t n = tensor::row_bytes(t.dtype, t.row_length());
    const uint8_t* p = file.tensor_data(t);
    GB_RETURN_IF_ERROR(w.add_tensor(t.name, t.dtype, shape, std::vector<uint8_t>(p, p + n)));
  }
  return w.write(path);
}

bool report(const Status& s) {
  if (!s.ok()) std::fprintf(stderr, "gguf_seeds: %s\n", s.message().c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: gguf_seeds OUT_DIR [MODELS_DIR]\n");
    return 2;
  }
  const fs::path out = argv[1];
  fs::create_directories(out);
  int n = 0;
  for (const auto& sample : gguf::sample_files()) {
    if (!report(write_file_atomic((out / sample.name).string(), sample.bytes.data(), sample.bytes.size()))) return 1;
    ++n;
  }
  if (argc == 3 && fs::is_directory(argv[2])) {
    std::vector<fs::path> models;
    for (const auto& e : fs::directory_iterator(argv[2])) {
      if (e.path().extension() == ".gguf") models.push_back(e.path());
    }
    std::sort(models.begin(), models.end());
    for (const auto& model : models) {
      auto mapped = MappedFile::open(model.string());
      if (!report(mapped.status())) return 1;
      const std::string stem = "fixture-" + model.stem().string();
      const size_t head = std::min(mapped->size(), kHeadBytes);
      if (!report(write_file_atomic((out / (stem + ".head.gguf")).string(), mapped->data(), head))) return 1;
      auto file = gguf::GgufFile::parse(mapped->data(), mapped->size(), model.string());
      if (!report(file.status())) return 1;
      if (!report(write_small(*file, (out / (stem + ".small.gguf")).string()))) return 1;
      n += 2;
    }
  }
  std::printf("gguf_seeds: wrote %d seed files to %s\n", n, out.c_str());
  return 0;
}
