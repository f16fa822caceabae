// Fuzz-smoke test: the reader over the seed files and 20000 deterministic mutations of them, in every build.
//
// The real fuzzer (fuzz/, scripts/fuzz-gguf) needs clang and sanitizers; this runs the same checks
// (gguf/gguf_invariants.h) in the normal gcc build so a reader change that breaks on malformed input
// fails CI quickly, even without AddressSanitizer.
#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "base/mapped_file.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_invariants.h"
#include "gguf/gguf_sample_files.h"

namespace glassbox::gguf {
namespace {

// splitmix64: a fixed, portable sequence so every run mutates the same way.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }

 private:
  uint64_t state_;
};

// Values that sit on the reader's limits: counts, lengths, dimensions, offsets, type ids.
constexpr uint64_t kInteresting[] = {0,          1,          2,          3,          4,        7,
                                     8,          31,         32,         255,        256,      65536,
                                     1ull << 30, 1ull << 31, 0xffffffff, 1ull << 32, 1ull << 62, 1ull << 63,
                                     ~0ull >> 1, ~0ull,      ~0ull - 7};

void mutate(std::vector<uint8_t>& b, Rng& rng) {
  const int n_edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < n_edits && !b.empty(); ++e) {
    const size_t at = rng.below(b.size());
    switch (rng.below(6)) {
      case 0: b[at] ^= static_cast<uint8_t>(1u << rng.below(8)); break;
      case 1: b[at] = static_cast<uint8_t>(rng.next()); break;
      case 2: b.resize(at); break;
      case 3: {  // a huge or boundary length/count/dimension, 8 or 4 bytes wide
        uint64_t v = kInteresting[rng.below(std::size(kInteresting))];
        size_t width = rng.below(2) ? 8 : 4;
        if (at + width <= b.size()) std::memcpy(&b[at], &v, width);
        break;
      }
      case 4: {  // duplicate a run of bytes elsewhere (repeats keys, strings, tensor infos)
        size_t len = 1 + rng.below(32), to = rng.below(b.size());
        if (at + len <= b.size() && to + len <= b.size()) std::memmove(&b[to], &b[at], len);
        break;
      }
      default: b.erase(b.begin() + static_cast<std::ptrdiff_t>(at)); break;
    }
  }
}

// Parses; when the parse succeeds, every invariant and the round trip must hold.
bool parse_and_check(const std::vector<uint8_t>& bytes, const std::string& what) {
  auto file = GgufFile::parse(bytes.data(), bytes.size(), what);
  if (!file.ok()) {
    EXPECT_FALSE(file.status().message().empty()) << what;
    return false;
  }
  EXPECT_EQ(check_invariants(*file, bytes.data(), bytes.size()), "") << what;
  EXPECT_EQ(check_round_trip(*file), "") << what;
  return true;
}

TEST(GgufFuzzSmokeTest, SampleFilesParseAndRoundTrip) {
  auto samples = sample_files();
  ASSERT_GE(samples.size(), 5u);
  for (const auto& s : samples) EXPECT_TRUE(parse_and_check(s.bytes, s.name)) << s.name;
}

TEST(GgufFuzzSmokeTest, SampleFilesCoverEveryValueType) {
  std::vector<bool> seen(13, false);
  std::vector<bool> seen_elem(13, false);
  for (const auto& s : sample_files()) {
    auto file = GgufFile::parse(s.bytes.data(), s.bytes.size(), s.name);
    ASSERT_TRUE(file.ok()) << file.status().message();
    for (const auto& [key, v] : file->metadata()) {
      seen[static_cast<size_t>(v.type)] = true;
      if (v.type == ValueType::kArray) seen_elem[static_cast<size_t>(v.elem_type)] = true;
    }
  }
  for (size_t t = 0; t < seen.size(); ++t) {
    EXPECT_TRUE(seen[t]) << "no value of type " << value_type_name(static_cast<ValueType>(t));
    EXPECT_TRUE(seen_elem[t]) << "no array of " << value_type_name(static_cast<ValueType>(t));
  }
}

TEST(GgufFuzzSmokeTest, SurvivesTwentyThousandMutations) {
  auto samples = sample_files();
  Rng rng(20240607);
  int accepted = 0;
  constexpr int kMutations = 20000;
  for (int k = 0; k < kMutations; ++k) {
    std::vector<uint8_t> bytes = samples[static_cast<size_t>(k) % samples.size()].bytes;
    mutate(bytes, rng);
    if (parse_and_check(bytes, "mutation " + std::to_string(k))) ++accepted;
    if (HasFailure()) break;  // the first failing input is the useful one
  }
  // Mutations of padding, tensor data and string contents still parse: a test that never reaches
  // the post-parse checks would prove nothing.
  EXPECT_GT(accepted, kMutations / 20);
  EXPECT_LT(accepted, kMutations);
}

TEST(GgufFuzzSmokeTest, FixtureHeadersFailCleanlyWhenCut) {
  std::filesystem::path dir = std::filesystem::path(GLASSBOX_SHARED_DIR) / "fixtures" / "models";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/fixtures absent";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto mapped = MappedFile::open(entry.path().string());
    ASSERT_TRUE(mapped.ok()) << mapped.status().message();
    Rng rng(mapped->size());
    for (size_t cut : {size_t{64 * 1024}, size_t{4096}, rng.below(mapped->size()), rng.below(1 << 20)}) {
      std::vector<uint8_t> head(mapped->data(), mapped->data() + std::min(cut, mapped->size()));
      parse_and_check(head, entry.path().filename().string() + " cut at " + std::to_string(cut));
    }
  }
}

}  // namespace
}  // namespace glassbox::gguf
