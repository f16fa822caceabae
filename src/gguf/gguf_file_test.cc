// Tests for the GGUF reader and writer: round trips, and clear errors on malformed files.
#include "gguf/gguf_file.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#include <gtest/gtest.h>

#include "base/mapped_file.h"
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

// Found by fuzz/gguf_fuzz on its first seed: array_int on an f32 array cast 4.456e27 to int64, which is
// undefined behaviour (UBSan: "outside the range of representable values of type 'long'").
TEST(GgufFileTest, ArrayIntSaturatesOutOfRangeFloats) {
  const uint8_t bytes[] = {
      'G', 'G', 'U', 'F', 3, 0, 0, 0,                    // magic, version 3
      0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,    // 0 tensors, 1 metadata entry
      1, 0, 0, 0, 0, 0, 0, 0, 'a',                       // key "a"
      9, 0, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,    // array of 4 f32
      0x12, 0x66, 0x66, 0x6d,                            // 4.456e27
      0x12, 0x66, 0x66, 0xed,                            // -4.456e27
      0x00, 0x00, 0xc0, 0x7f,                            // NaN
      0x00, 0x00, 0xf6, 0xc2,                            // -123.0
  };
  auto file = GgufFile::parse(bytes, sizeof(bytes), "f.gguf");
  ASSERT_TRUE(file.ok()) << file.status().message();
  const Value* a = file->find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->count, 4u);
  EXPECT_EQ(a->array_int(0), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(a->array_int(1), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(a->array_int(2), 0);
  EXPECT_EQ(a->array_int(3), -123);
  EXPECT_GT(a->array_float(0), 4.4e27);
}

// Found by the fuzz-smoke test (SIGFPE): a tensor with shape {0} parsed, and TensorInfo::rows()
// divided its element count by the zero row length.
TEST(GgufFileTest, RejectsZeroDimension) {
  const uint8_t bytes[] = {
      'G', 'G', 'U', 'F', 3, 0, 0, 0,                    // magic, version 3
      1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    // 1 tensor, 0 metadata entries
      1, 0, 0, 0, 0, 0, 0, 0, 't',                       // name "t"
      2, 0, 0, 0,                                        // 2 dimensions
      0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,    // shape {0, 3}
      0, 0, 0, 0,                                        // f32
      0, 0, 0, 0, 0, 0, 0, 0,                            // offset 0
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    // padding to the 32-byte aligned data section
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,       // (byte 96), where the 0-byte tensor sits
  };
  auto file = GgufFile::parse(bytes, sizeof(bytes), "z.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("tensor 't': dimension 0 is 0"), std::string::npos)
      << file.status().message();
  TensorInfo by_hand;
  by_hand.shape = {0, 3};
  EXPECT_EQ(by_hand.rows(), 0);
}

TEST(GgufWriterTest, StreamedFillersWriteTheSameBytesAsToBytes) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  ASSERT_TRUE(w.add_tensor("owned", tensor::DType::kF32, {3}, std::vector<uint8_t>(12, 5)).ok());
  int calls = 0;
  ASSERT_TRUE(w.add_tensor("filled", tensor::DType::kF16, {7, 3},
                           [&calls](uint8_t* out, size_t n) {
                             ++calls;
                             for (size_t k = 0; k < n; ++k) out[k] = static_cast<uint8_t>(k * 3);
                             return ok_status();
                           })
                  .ok());
  const std::vector<uint8_t> bytes = w.to_bytes();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(w.file_size(), bytes.size());
  auto path = std::filesystem::temp_directory_path() / ("gb_writer_stream_" + std::to_string(getpid()) + ".gguf");
  ASSERT_TRUE(w.write(path.string()).ok());
  EXPECT_EQ(calls, 2);
  auto file = GgufFile::open(path.string());
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_EQ(file->file_size(), bytes.size());
  const TensorInfo* t = file->find_tensor("filled");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->n_bytes, 42u);
  EXPECT_EQ(file->tensor_data(*t)[41], static_cast<uint8_t>(41 * 3));
  auto mapped = MappedFile::open(path.string());
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(std::vector<uint8_t>(mapped->data(), mapped->data() + mapped->size()), bytes);
  std::filesystem::remove(path);
}

TEST(GgufWriterTest, FailingFillerLeavesNoFile) {
  GgufWriter w;
  ASSERT_TRUE(w.add_tensor("bad", tensor::DType::kF32, {4},
                           [](uint8_t*, size_t) { return internal_error("filler refused"); })
                  .ok());
  auto dir = std::filesystem::temp_directory_path() / ("gb_writer_fail_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Status s = w.write((dir / "out.gguf").string());
  EXPECT_EQ(s.message(), "filler refused");
  EXPECT_TRUE(std::filesystem::is_empty(dir)) << "temporary file left behind";
  std::filesystem::remove_all(dir);
}

TEST(GgufWriterTest, UnwritablePathNamesThePath) {
  GgufWriter w;
  Status s = w.write("/nonexistent-dir/x.gguf");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIo);
  EXPECT_NE(s.message().find("/nonexistent-dir/x.gguf: cannot create"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos) << s.message();
}

// Found by fuzz/gguf_fuzz after 1.2 M runs (its n_bytes invariant): shape {0x4000000000000003} of f32 made
// the byte count wrap to 4 * n mod 2^64 = 12, so 4.6e18 elements parsed as a 12-byte tensor.
TEST(GgufFileTest, RejectsTensorWhoseByteCountWraps) {
  std::vector<uint8_t> bytes = {
      'G', 'G', 'U', 'F', 3, 0, 0, 0,                    // magic, version 3
      1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    // 1 tensor, 0 metadata entries
      1, 0, 0, 0, 0, 0, 0, 0, 'a',                       // name "a"
      1, 0, 0, 0,                                        // 1 dimension
      3, 0, 0, 0, 0, 0, 0, 0x40,                         // 0x4000000000000003 elements
      0, 0, 0, 0,                                        // f32
      0, 0, 0, 0, 0, 0, 0, 0,                            // offset 0
  };
  bytes.resize(64 + 12, 0);  // the aligned data section with the 12 bytes the wrapped count claims
  auto file = GgufFile::parse(bytes.data(), bytes.size(), "w.gguf");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("tensor 'a': 4611686018427387907 f32 elements need more bytes"),
            std::string::npos)
      << file.status().message();
}

// Found by reading the reader after fuzzing (the fuzzer's 64 KiB inputs cannot show it): nested arrays
// were sized by their claimed counts before any element was read, ~10 bytes of memory per byte of file
// at each of 8 levels, so a 32 MiB file asked for ~2 GB and died of std::bad_alloc.
TEST(GgufFileDeathTest, NestedArrayCountsDoNotDriveAllocation) {
  constexpr uint64_t kCount = 2'000'000;  // passes the "fits in the file" check at every level
  std::vector<uint8_t> bytes(32 << 20, 0);
  size_t pos = 0;
  auto put = [&](uint64_t v, size_t width) {
    std::memcpy(&bytes[pos], &v, width);
    pos += width;
  };
  put(0x46554747, 4), put(3, 4), put(0, 8), put(1, 8);  // magic, version, 0 tensors, 1 entry
  put(1, 8), put('k', 1), put(9, 4);                     // key "k": an array...
  for (int level = 0; level < 7; ++level) put(9, 4), put(kCount, 8);  // ...of arrays, 7 deep
  put(5, 4), put(1ull << 40, 8);                          // innermost: 2^40 i32, past the end
  auto parse_with_1gb = [&bytes] {
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = 1ull << 30;
    setrlimit(RLIMIT_AS, &limit);
    auto file = GgufFile::parse(bytes.data(), bytes.size(), "nest.gguf");
    std::exit(!file.ok() && file.status().message().find("runs past the end") != std::string::npos ? 3 : 4);
  };
  EXPECT_EXIT(parse_with_1gb(), ::testing::ExitedWithCode(3), "");
}

}  // namespace
}  // namespace glassbox::gguf
