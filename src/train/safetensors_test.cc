// Tests for the safetensors reader: round trip, and clear errors on malformed headers.
#include "train/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace glassbox::train {
namespace {

std::string temp_path(const std::string& stem) {
  return ::testing::TempDir() + "/" + stem + "." + std::to_string(::getpid()) + ".safetensors";
}

// Writes an 8-byte LE length, `header`, then `data_bytes` zero bytes.
std::string write_raw(const std::string& stem, const std::string& header, size_t data_bytes,
                      uint64_t declared_len = UINT64_MAX) {
  const std::string path = temp_path(stem);
  std::string bytes(8, '\0');
  const uint64_t len = declared_len == UINT64_MAX ? header.size() : declared_len;
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((len >> (8 * i)) & 0xff);
  bytes += header;
  bytes.append(data_bytes, '\0');
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

std::string open_error(const std::string& path) {
  auto st = SafetensorsFile::open(path);
  std::remove(path.c_str());
  EXPECT_FALSE(st.ok());
  return st.ok() ? "" : st.status().message();
}

TEST(SafetensorsTest, RoundTripsFloatTensors) {
  const std::string path = temp_path("roundtrip");
  const float a[6] = {1, 2, 3, 4, 5, 6};
  const float b[2] = {-1.5f, 7.25f};
  ASSERT_TRUE(write_safetensors_f32(path, {{"a", {2, 3}, a}, {"b.weight", {2}, b}}).ok());
  auto st = SafetensorsFile::open(path);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  EXPECT_EQ(st->names(), (std::vector<std::string>{"a", "b.weight"}));
  auto ra = st->read_f32("a", {2, 3});
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ(*ra, std::vector<float>(a, a + 6));
  auto rb = st->read_f32("b.weight");
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ((*rb)[1], 7.25f);
  auto wrong_shape = st->read_f32("a", {3, 2});
  ASSERT_FALSE(wrong_shape.ok());
  EXPECT_NE(wrong_shape.status().message().find("'a' has shape [2, 3], expected [3, 2]"),
            std::string::npos);
  auto missing = st->read_f32("c");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto as_int = st->read_i32("a");
  EXPECT_FALSE(as_int.ok());
  std::remove(path.c_str());
}

TEST(SafetensorsTest, ReadsInt32AndMetadata) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"ids":{"dtype":"I32","shape":[3],"data_offsets":[0,12]}})";
  const std::string path = write_raw("ints", header, 12);
  auto st = SafetensorsFile::open(path);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  EXPECT_EQ(st->metadata().at("format"), "pt");
  auto ids = st->read_i32("ids", {3});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{0, 0, 0}));
  std::remove(path.c_str());
}

TEST(SafetensorsTest, RejectsFileShorterThanLengthPrefix) {
  const std::string path = temp_path("short");
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite("abc", 1, 3, f);
  std::fclose(f);
  EXPECT_NE(open_error(path).find("too short"), std::string::npos);
}

TEST(SafetensorsTest, RejectsHeaderLengthPastEndOfFile) {
  const std::string path = write_raw("hdrlen", "{}", 0, 1000);
  const std::string msg = open_error(path);
  EXPECT_NE(msg.find("header length 1000"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST(SafetensorsTest, RejectsInvalidJson) {
  EXPECT_NE(open_error(write_raw("badjson", "{\"a\": [", 0)).find("not valid JSON"),
            std::string::npos);
}

TEST(SafetensorsTest, RejectsNonObjectHeader) {
  EXPECT_NE(open_error(write_raw("array", "[1,2]", 0)).find("not a JSON object"),
            std::string::npos);
}

TEST(SafetensorsTest, RejectsUnknownDtype) {
  const std::string msg = open_error(
      write_raw("dtype", R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", 4));
  EXPECT_NE(msg.find("tensor 'w': unsupported dtype 'F33'"), std::string::npos) << msg;
}

TEST(SafetensorsTest, RejectsDataPastEndOfFile) {
  const std::string msg = open_error(
      write_raw("pastend", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8));
  EXPECT_NE(msg.find("tensor 'w': data ends at byte 16"), std::string::npos) << msg;
}

TEST(SafetensorsTest, RejectsOffsetsThatDisagreeWithShape) {
  const std::string msg = open_error(
      write_raw("span", R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 16));
  EXPECT_NE(msg.find("span 12 bytes, but F32 [2, 2] needs 16"), std::string::npos) << msg;
}

TEST(SafetensorsTest, RejectsOverlappingTensors) {
  const std::string msg = open_error(write_raw(
      "overlap",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      12));
  EXPECT_NE(msg.find("tensors 'a' and 'b' overlap"), std::string::npos) << msg;
}

TEST(SafetensorsTest, RejectsReversedOffsetsNegativeDimsAndMissingFields) {
  EXPECT_NE(
      open_error(write_raw("rev", R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8))
          .find("reversed"),
      std::string::npos);
  EXPECT_NE(
      open_error(write_raw("neg", R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4))
          .find("negative"),
      std::string::npos);
  EXPECT_NE(open_error(write_raw("noshape", R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4))
                .find("'shape'"),
            std::string::npos);
  EXPECT_NE(open_error(write_raw("nooff", R"({"w":{"dtype":"F32","shape":[1]}})", 4))
                .find("data_offsets"),
            std::string::npos);
  EXPECT_NE(
      open_error(
          write_raw("huge",
                    R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
                    4))
          .find("overflows"),
      std::string::npos);
}

}  // namespace
}  // namespace glassbox::train
