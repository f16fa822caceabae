// Golden vectors: llama.cpp's vocabulary tests (../shared/fixtures/tokenizer/*.gguf.inp/.out)
// through Tokenizer::from_gguf, decode round trips on the same inputs, and streaming a real
// byte-level vocabulary.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tokenizer/golden_vectors.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"
#include "tokenizer/vocab_test_format.h"

namespace glassbox::tokenizer {
namespace {

using testing::file_exists;
using testing::fixture_dir;
using testing::read_lines;

class GgufVocabTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = fixture_dir() + "/" + GetParam() + ".gguf";
    if (!file_exists(path_)) GTEST_SKIP() << "shared fixtures absent (" << path_ << "): skipping";
    auto file = gguf::GgufFile::open(path_);
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    auto tok = Tokenizer::from_gguf(*file);
    ASSERT_TRUE(tok.ok()) << tok.status().to_string();
    tokenizer_ = std::move(tok).value();
    auto inputs = read_vocab_test_inputs(path_ + ".inp");
    ASSERT_TRUE(inputs.ok()) << inputs.status().to_string();
    inputs_ = std::move(inputs).value();
  }

  std::string path_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::string> inputs_;
};

TEST_P(GgufVocabTest, MatchesReferenceIdsExactly) {
  const std::vector<std::string> expected = read_lines(path_ + ".out");
  ASSERT_EQ(inputs_.size(), expected.size()) << "one .out line per .inp string";
  for (size_t k = 0; k < inputs_.size(); ++k) {
    EXPECT_EQ(format_vocab_test_ids(tokenizer_->encode(inputs_[k], false, false)), expected[k])
        << "input " << k << ": '" << inputs_[k] << "'";
  }
}

TEST_P(GgufVocabTest, DecodeOfEncodeGivesTheInputBack) {
  for (size_t k = 0; k < inputs_.size(); ++k) {
    EXPECT_EQ(tokenizer_->decode(tokenizer_->encode(inputs_[k], false, false)), inputs_[k]) << "input " << k;
  }
}

TEST_P(GgufVocabTest, GivesTheSameIdsFromSeveralThreadsAtOnce) {
  std::vector<std::vector<int32_t>> expected;
  for (const auto& input : inputs_) expected.push_back(tokenizer_->encode(input, true, true));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        for (size_t k = 0; k < inputs_.size(); ++k) {
          if (tokenizer_->encode(inputs_[k], true, true) != expected[k]) ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GgufVocabTest,
                         ::testing::Values("ggml-vocab-llama-spm", "ggml-vocab-phi-3", "ggml-vocab-gpt-2",
                                           "ggml-vocab-falcon", "ggml-vocab-starcoder", "vocab-llama3",
                                           "vocab-qwen3"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(GoldenStreamDecoderTest, NeverSplitsACharacterOfRealByteLevelTokens) {
  const std::string path = fixture_dir() + "/vocab-llama3.gguf";
  if (!file_exists(path)) GTEST_SKIP() << "shared fixtures absent (" << path << "): skipping";
  auto tok = Tokenizer::load(path);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const std::string text = "emoji \xF0\x9F\x98\xB6\xE2\x80\x8D\xF0\x9F\x8C\xAB\xEF\xB8\x8F, \xE1\x9E\x80\xE1\x9E\xB6 and "
                           "\xE6\x88\x91\xE6\x83\xB3\xE5\x9C\xA8 done \xF0\x9F\xA6\x99";
  const std::vector<int32_t> ids = (*tok)->encode(text, false, false);
  StreamDecoder stream(**tok);
  std::string joined;
  bool some_piece_was_partial = false;
  for (int32_t id : ids) {
    some_piece_was_partial |= !utf8::is_valid((*tok)->token_piece(id));
    const std::string out = stream.push(id);
    EXPECT_TRUE(utf8::is_valid(out)) << "token " << id;
    joined += out;
  }
  joined += stream.flush();
  EXPECT_TRUE(some_piece_was_partial) << "the input should exercise split characters";
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace glassbox::tokenizer
