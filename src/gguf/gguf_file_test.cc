// Tests for the GGUF reader and writer: round trips, and clear errors on malformed files.
#include "gguf/gguf_file.h"

#include <cstring>
#include <filesystem>
#include <unistd.h>

#include <gtest/gtest.h>

#include "gguf/gguf_writer.h"

namespace glassbox::gguf {
namespace {

std::vector<uint8_t> small_file() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 2);
  w.set_f32("llama.rope.freq_base", 10000.0f);
  w.set_bool("flag", true);
  w.set_string_array("tokenizer.ggml.tokens", {"a", "bc", ""});
  w.set_i32_array("ints", {1, -2, 3});
  std::vector<uint8_t> data(4 * 8);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  EXPECT_TRUE(w.add_tensor("t0", tensor::DType::kF32, {4, 2}, data).ok());
  EXPECT_TRUE(w.add_tensor("t1", tensor::DType::kF16, {2}, std::vector<uint8_t>(4, 7)).ok());
  return w.to_bytes();
}

TEST(GgufFileTest, RoundTripsMetadataAndTensors) {
  auto bytes = small_file();
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "mem");
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(*file->get_string("general.architecture"), "llama");
  EXPECT_EQ(*file->get_int("llama.block_count"), 2);
  EXPECT_FLOAT_EQ(*file->get_float("llama.rope.freq_base"), 10000.0f);
  EXPECT_TRUE(*file->get_bool("flag"));
  const Value* toks = file->find("tokenizer.ggml.tokens");
  ASSERT_NE(toks, nullptr);
  ASSERT_EQ(toks->strings.size(), 3u);
  EXPECT_EQ(toks->strings[1], "bc");
  const Value* ints = file->find("ints");
  ASSERT_NE(ints, nullptr);
  EXPECT_EQ(ints->array_int(1), -2);
  ASSERT_EQ(file->tensors().size(), 2u);
  const TensorInfo* t0 = file->find_tensor("t0");
  ASSERT_NE(t0, nullptr);
  EXPECT_EQ(t0->n_bytes, 32u);
  EXPECT_EQ(t0->rows(), 2);
  EXPECT_EQ(file->tensor_data(*t0)[5], 5);
  EXPECT_EQ(file->data_offset() % 32, 0u);
}

TEST(GgufFileTest, WrongTypeGetterNamesKeyAndTypes) {
  auto bytes = small_file();
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "mem");
  ASSERT_TRUE(file.ok());
  auto r = file->get_int("general.architecture");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'general.architecture' is string, expected an integer"), std::string::npos)
      << r.status().message();
  auto missing = file->get_int("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(GgufFileTest, RejectsBadMagic) {
  auto bytes = small_file();
  bytes[0] = 'X';
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "bad.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("bad.gguf: not a GGUF file"), std::string::npos);
}

TEST(GgufFileTest, RejectsEveryTruncation) {
  auto bytes = small_file();
  // Every prefix that cuts the header or the last tensor's 4 data bytes must fail cleanly (never crash,
  // never read past); only the trailing alignment padding (28 bytes) may be missing.
  for (size_t n = 0; n + 28 < bytes.size(); ++n) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    auto file = GgufFile::parse(prefix.data(), prefix.size(), "trunc");
    EXPECT_FALSE(file.ok()) << "prefix " << n;
  }
}

TEST(GgufFileTest, RejectsTensorPastEndOfFile) {
  auto bytes = small_file();
  bytes.resize(bytes.size() - 32);  // drop t1's data (it sits in its own aligned slot)
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "short.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("tensor 't1': data ends at byte"), std::string::npos)
      << file.status().message();
}

TEST(GgufFileTest, RejectsUnknownTensorType) {
  GgufWriter w;
  ASSERT_TRUE(w.add_tensor("w", tensor::DType::kF32, {1}, std::vector<uint8_t>(4)).ok());
  auto bytes = w.to_bytes();
  // The type id follows name (8 + 1), n_dims (4) and one dim (8) in the tensor info: find it by value.
  const uint32_t f32 = 0;
  size_t header = 4 + 4 + 8 + 8;
  size_t type_pos = header + 8 + 1 + 4 + 8;
  uint32_t got;
  std::memcpy(&got, &bytes[type_pos], 4);
  ASSERT_EQ(got, f32);
  uint32_t bogus = 99;
  std::memcpy(&bytes[type_pos], &bogus, 4);
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("tensor 'w': unknown tensor type id 99"), std::string::npos)
      << file.status().message();
}

TEST(GgufFileTest, RejectsHugeCounts) {
  auto bytes = small_file();
  uint64_t huge = ~0ull;
  std::memcpy(&bytes[8], &huge, 8);  // tensor count
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("tensor count"), std::string::npos);
}

TEST(GgufFileTest, RejectsVersionOne) {
  auto bytes = small_file();
  uint32_t v1 = 1;
  std::memcpy(&bytes[4], &v1, 4);
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kUnimplemented);
}

TEST(GgufFileTest, OpensFixtureModelsWhenPresent) {
  std::filesystem::path dir = std::filesystem::path(GLASSBOX_SHARED_DIR) / "fixtures" / "models";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/fixtures absent: skipping fixture check";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto file = GgufFile::open(entry.path().string());
    ASSERT_TRUE(file.ok()) << file.status().message();
    EXPECT_FALSE(file->tensors().empty());
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(GgufFileTest, WriterOutputParsesAfterAtomicWrite) {
  GgufWriter w;
  w.set_string("k", "v");
  auto path = std::filesystem::temp_directory_path() / ("gb_writer_test_" + std::to_string(getpid()) + ".gguf");
  ASSERT_TRUE(w.write(path.string()).ok());
  auto file = GgufFile::open(path.string());
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(*file->get_string("k"), "v");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace glassbox::gguf
