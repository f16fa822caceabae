// Golden vectors through Hugging Face tokenizer.json: the Llama 3 and Qwen3 folders that
// tests/fetch-hf-tokenizers extracts from npm (CTest fixture hf_tokenizers) must give exactly the
// ids of the shared vocab-llama3 / vocab-qwen3 vectors, and agree with the GGUF vocabularies built
// from the same files.
#include <gtest/gtest.h>

#include "tokenizer/golden_vectors.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"
#include "tokenizer/vocab_test_format.h"

namespace glassbox::tokenizer {
namespace {

using testing::file_exists;
using testing::fixture_dir;
using testing::read_lines;

std::string hf_dir(const std::string& name) { return std::string(GLASSBOX_BINARY_DIR "/hf-tokenizers/") + name; }

class HfVocabTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    gguf_path_ = fixture_dir() + "/vocab-" + GetParam() + ".gguf";
    if (!file_exists(gguf_path_)) GTEST_SKIP() << "shared fixtures absent (" << gguf_path_ << "): skipping";
    const std::string dir = hf_dir(GetParam());
    ASSERT_TRUE(file_exists(dir + "/tokenizer.json"))
        << dir << "/tokenizer.json is missing: run `ctest -R tokenizer_fetch_hf` (tests/fetch-hf-tokenizers) first";
    auto tok = Tokenizer::from_hf_dir(dir);
    ASSERT_TRUE(tok.ok()) << tok.status().to_string();
    tokenizer_ = std::move(tok).value();
  }

  std::string gguf_path_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_P(HfVocabTest, MatchesReferenceIdsExactly) {
  auto inputs = read_vocab_test_inputs(gguf_path_ + ".inp");
  ASSERT_TRUE(inputs.ok()) << inputs.status().to_string();
  const std::vector<std::string> expected = read_lines(gguf_path_ + ".out");
  ASSERT_EQ(inputs->size(), expected.size());
  for (size_t k = 0; k < inputs->size(); ++k) {
    EXPECT_EQ(format_vocab_test_ids(tokenizer_->encode((*inputs)[k], false, false)), expected[k])
        << "input " << k << ": '" << (*inputs)[k] << "'";
    EXPECT_EQ(tokenizer_->decode(tokenizer_->encode((*inputs)[k], false, false)), (*inputs)[k]);
  }
}

TEST_P(HfVocabTest, AgreesWithTheGgufBuiltFromTheSameFiles) {
  auto gguf = Tokenizer::load(gguf_path_);
  ASSERT_TRUE(gguf.ok()) << gguf.status().to_string();
  const Tokenizer& g = **gguf;
  const Tokenizer& h = *tokenizer_;
  ASSERT_EQ(h.vocab_size(), g.vocab_size());
  EXPECT_EQ(h.bos_id(), g.bos_id());
  EXPECT_EQ(h.eos_id(), g.eos_id());
  EXPECT_EQ(h.add_bos_default(), g.add_bos_default());
  EXPECT_EQ(h.pre_tokenizer_name(), g.pre_tokenizer_name());
  EXPECT_TRUE(h.chat_template().has_value());
  // The GGUF converter may keep the user-defined bit on tokens it also marks control; either way
  // they behave as control tokens.
  auto behaviour = [](uint32_t attr) { return (attr & kAttrControl) ? attr & ~static_cast<uint32_t>(kAttrUserDefined) : attr; };
  int mismatches = 0;
  for (int32_t id = 0; id < g.vocab_size() && mismatches < 10; ++id) {
    const bool same = h.token_text(id) == g.token_text(id) && behaviour(h.vocab().attr(id)) == behaviour(g.vocab().attr(id)) &&
                      h.is_end_of_generation(id) == g.is_end_of_generation(id);
    if (!same) {
      ++mismatches;
      ADD_FAILURE() << "token " << id << ": tokenizer.json '" << h.token_text(id) << "' attr " << h.vocab().attr(id)
                    << ", GGUF '" << g.token_text(id) << "' attr " << g.vocab().attr(id);
    }
  }
  const std::string chat = "<|im_start|>user\nhi<|im_end|><|eot_id|><think>";
  EXPECT_EQ(h.encode(chat, true, true), g.encode(chat, true, true));
}

INSTANTIATE_TEST_SUITE_P(Npm, HfVocabTest, ::testing::Values("llama3", "qwen3"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace glassbox::tokenizer
