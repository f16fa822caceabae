// Tests for reading tokenizer.ggml.* metadata (small GGUF files built in memory).
#include "tokenizer/gguf_loader.h"

#include <gtest/gtest.h>

#include "gguf/gguf_writer.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::tokenizer {
namespace {

using Ids = std::vector<int32_t>;

// Parses the writer's bytes and builds a tokenizer; `bytes` must outlive nothing (we copy all).
Result<std::unique_ptr<Tokenizer>> load(const gguf::GgufWriter& writer) {
  const std::vector<uint8_t> bytes = writer.to_bytes();
  GB_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::parse(bytes.data(), bytes.size(), "test.gguf"));
  return Tokenizer::from_gguf(file);
}

gguf::GgufWriter byte_level_writer() {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "qwen2");
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.emplace_back(byte_level::encode_byte(static_cast<uint8_t>(b)));
  tokens.push_back("ab");
  tokens.push_back("<|im_end|>");
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  std::vector<int32_t> types(tokens.size(), 1);
  types.back() = 3;
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string_array("tokenizer.ggml.merges", {"a b"});
  w.set_u32("tokenizer.ggml.eos_token_id", 257);
  return w;
}

gguf::GgufWriter spm_writer() {
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xE2\x96\x81hi", "\xE2\x96\x81h"});
  w.set_f32_array("tokenizer.ggml.scores", {0, 0, 0, -1, -2});
  w.set_i32_array("tokenizer.ggml.token_type", {2, 3, 3, 1, 1});
  return w;
}

TEST(GgufLoaderTest, ReadsAByteLevelVocabulary) {
  auto tok = load(byte_level_writer());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->kind(), TokenizerKind::kBpe);
  EXPECT_EQ((*tok)->pre_tokenizer_name(), "qwen2");
  EXPECT_EQ((*tok)->vocab_size(), 258);
  EXPECT_EQ((*tok)->encode("ab<|im_end|>", false, true), (Ids{256, 257}));
  EXPECT_EQ((*tok)->bos_id(), -1);
  EXPECT_EQ((*tok)->eos_id(), 257);
  EXPECT_FALSE((*tok)->add_bos_default());
  EXPECT_TRUE((*tok)->is_end_of_generation(257));
}

TEST(GgufLoaderTest, SentencePieceDefaultsToLlamaSpecialIds) {
  auto tok = load(spm_writer());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->kind(), TokenizerKind::kSpm);
  EXPECT_EQ((*tok)->bos_id(), 1);
  EXPECT_EQ((*tok)->eos_id(), 2);
  EXPECT_TRUE((*tok)->add_bos_default());
  EXPECT_EQ((*tok)->encode("hi", true, false), (Ids{1, 3}));
  EXPECT_EQ((*tok)->decode({1, 3}), "<s> hi");
  EXPECT_EQ((*tok)->decode({1, 3}, false), " hi");
  EXPECT_EQ((*tok)->decode({3}), "hi");
}

TEST(GgufLoaderTest, MetadataOverridesDefaults) {
  gguf::GgufWriter w = spm_writer();
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  w.set_bool("tokenizer.ggml.add_space_prefix", false);
  w.set_string("tokenizer.chat_template", "{{ x }}");
  auto tok = load(w);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_FALSE((*tok)->add_bos_default());
  EXPECT_EQ((*tok)->chat_template(), std::optional<std::string>("{{ x }}"));
  EXPECT_NE((*tok)->encode("hi", false, false), Ids{3}) << "no dummy prefix: 'hi' is not '▁hi'";
}

TEST(GgufLoaderTest, MissingMergesIsAnErrorNamingTheKey) {
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string_array("tokenizer.ggml.tokens", {"a"});
  auto tok = load(w);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kNotFound);
  EXPECT_NE(tok.status().message().find("tokenizer.ggml.merges"), std::string::npos) << tok.status().message();
}

TEST(GgufLoaderTest, ShortPerTokenArrayIsAnError) {
  gguf::GgufWriter w = spm_writer();
  w.set_i32_array("tokenizer.ggml.token_type", {1, 1});
  auto tok = load(w);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(tok.status().message().find("tokenizer.ggml.token_type has 2 entries"), std::string::npos)
      << tok.status().message();
}

TEST(GgufLoaderTest, TokensOfTheWrongTypeAreAnError) {
  gguf::GgufWriter w;
  w.set_string("tokenizer.ggml.model", "llama");
  w.set_f32_array("tokenizer.ggml.tokens", {1.0f});
  auto tok = load(w);
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find("expected strings"), std::string::npos) << tok.status().message();
}

TEST(GgufLoaderTest, UnsupportedModelAndPreTokenizerAreUnimplemented) {
  gguf::GgufWriter bert = spm_writer();
  bert.set_string("tokenizer.ggml.model", "bert");
  auto tok = load(bert);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(tok.status().message().find("'bert'"), std::string::npos);

  gguf::GgufWriter odd = byte_level_writer();
  odd.set_string("tokenizer.ggml.pre", "no-such-pre");
  auto tok2 = load(odd);
  ASSERT_FALSE(tok2.ok());
  EXPECT_EQ(tok2.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(tok2.status().message().find("supported: default"), std::string::npos) << tok2.status().message();
}

TEST(GgufLoaderTest, FileWithoutTokenizerIsNotFound) {
  gguf::GgufWriter w;
  w.set_string("general.architecture", "llama");
  auto tok = load(w);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kNotFound);
  EXPECT_NE(tok.status().message().find("tokenizer.ggml.model"), std::string::npos);
}

}  // namespace
}  // namespace glassbox::tokenizer
