// Tests for reading tokenizer.json / tokenizer_config.json (small in-memory documents).
#include "tokenizer/hf_tokenizer_json.h"

#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::tokenizer {
namespace {

// A byte-level tokenizer.json: the 256 byte characters, "he" and "hello", two merges in the given
// form, and added tokens. `merges` is the JSON text of the merges array.
std::string tiny_tokenizer_json(const std::string& merges, const std::string& pre_tokenizer = R"(
  {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})") {
  std::string vocab;
  for (int b = 0; b < 256; ++b) {
    std::string text(byte_level::encode_byte(static_cast<uint8_t>(b)));
    if (text == "\"" || text == "\\") text = "\\" + text;
    vocab += "\"" + text + "\": " + std::to_string(b) + ", ";
  }
  vocab += R"("he": 256, "hel": 257, "hello": 258)";
  return R"({"version": "1.0",
    "added_tokens": [
      {"id": 259, "content": "<|endoftext|>", "special": true, "lstrip": false, "rstrip": false, "normalized": false},
      {"id": 260, "content": "<tool>", "special": false, "lstrip": false, "rstrip": true, "normalized": false}],
    "normalizer": null,
    "pre_tokenizer": )" + pre_tokenizer + R"(,
    "post_processor": null, "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "ignore_merges": false, "vocab": {)" + vocab + R"(}, "merges": )" + merges + "}}";
}

Result<std::unique_ptr<Tokenizer>> load(const std::string& tokenizer_json, const std::string& config = "") {
  GB_ASSIGN_OR_RETURN(TokenizerSpec spec, parse_hf_tokenizer(tokenizer_json, config, "test"));
  return Tokenizer::from_spec(std::move(spec));
}

using Ids = std::vector<int32_t>;

TEST(HfTokenizerJsonTest, MergesAsStringsOrPairsMeanTheSame) {
  auto strings = load(tiny_tokenizer_json(R"(["h e", "he l", "hel l", "hell o"])"));
  auto pairs = load(tiny_tokenizer_json(R"([["h", "e"], ["he", "l"], ["hel", "l"], ["hell", "o"]])"));
  ASSERT_TRUE(strings.ok()) << strings.status().to_string();
  ASSERT_TRUE(pairs.ok()) << pairs.status().to_string();
  EXPECT_EQ((*strings)->encode("hello", false, false), Ids{258});
  EXPECT_EQ((*pairs)->encode("hello hel", false, false), (Ids{258, ' ', 257}));
  EXPECT_EQ((*strings)->encode("hello hel", false, false), (*pairs)->encode("hello hel", false, false));
}

TEST(HfTokenizerJsonTest, AddedTokensBecomeControlOrUserDefined) {
  auto tok = load(tiny_tokenizer_json("[]"));
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const Vocab& vocab = (*tok)->vocab();
  EXPECT_TRUE(vocab.attr(259) & kAttrControl);
  EXPECT_TRUE(vocab.attr(260) & kAttrUserDefined);
  EXPECT_TRUE(vocab.attr(260) & kAttrRstrip);
  EXPECT_TRUE((*tok)->is_end_of_generation(259));
  // <tool> is user-defined: matched even without parsing specials; <|endoftext|> is not then.
  EXPECT_EQ((*tok)->encode("<tool> x<|endoftext|>", false, false),
            (Ids{260, 'x', '<', '|', 'e', 'n', 'd', 'o', 'f', 't', 'e', 'x', 't', '|', '>'}));
  const Ids with_specials = (*tok)->encode("<tool> x<|endoftext|>", false, true);
  EXPECT_EQ(with_specials, (Ids{260, 'x', 259}));  // rstrip ate the space after <tool>
}

TEST(HfTokenizerJsonTest, ConfigGivesSpecialTokensAndChatTemplate) {
  const std::string config = R"({"bos_token": {"content": "<|endoftext|>"}, "eos_token": "<|endoftext|>",
                                 "add_bos_token": true, "chat_template": "{{ messages }}"})";
  auto tok = load(tiny_tokenizer_json("[]"), config);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->bos_id(), 259);
  EXPECT_EQ((*tok)->eos_id(), 259);
  EXPECT_TRUE((*tok)->add_bos_default());
  EXPECT_EQ((*tok)->chat_template(), std::optional<std::string>("{{ messages }}"));
  EXPECT_EQ((*tok)->encode("he", true, false), (Ids{259, 'h', 'e'}));  // no merges here
}

TEST(HfTokenizerJsonTest, WithoutConfigThereIsNoBosOrEos) {
  auto tok = load(tiny_tokenizer_json("[]"));
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ((*tok)->bos_id(), -1);
  EXPECT_EQ((*tok)->eos_id(), -1);
  EXPECT_FALSE((*tok)->add_bos_default());
  EXPECT_FALSE((*tok)->chat_template().has_value());
}

TEST(HfTokenizerJsonTest, KnownSplitRegexSelectsTheBuiltInPreTokenizer) {
  const std::string llama3 = R"({"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
       "behavior": "Isolated", "invert": false},
      {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]})";
  auto tok = load(tiny_tokenizer_json("[]", llama3));
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ((*tok)->pre_tokenizer_name(), "llama-bpe");
  const std::string custom = R"({"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"String": "."}, "behavior": "Isolated"},
      {"type": "ByteLevel", "use_regex": false}]})";
  auto tok2 = load(tiny_tokenizer_json("[]", custom));
  ASSERT_TRUE(tok2.ok()) << tok2.status().to_string();
  EXPECT_EQ((*tok2)->pre_tokenizer_name(), "custom");
  EXPECT_EQ((*tok2)->encode("a.b", false, false), (Ids{'a', '.', 'b'}));
}

TEST(HfTokenizerJsonTest, MalformedJsonIsAClearError) {
  auto tok = load("{\"model\": {\"type\": \"BPE\", ");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(tok.status().message().find("not valid JSON"), std::string::npos) << tok.status().message();
}

TEST(HfTokenizerJsonTest, WrongShapesNameTheField) {
  auto no_vocab = load(R"({"model": {"type": "BPE", "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}})");
  ASSERT_FALSE(no_vocab.ok());
  EXPECT_NE(no_vocab.status().message().find("model.vocab"), std::string::npos) << no_vocab.status().message();
  auto bad_merge = load(tiny_tokenizer_json("[42]"));
  ASSERT_FALSE(bad_merge.ok());
  EXPECT_NE(bad_merge.status().message().find("model.merges[0]"), std::string::npos) << bad_merge.status().message();
  auto bad_config = load(tiny_tokenizer_json("[]"), "[1, 2");
  ASSERT_FALSE(bad_config.ok());
  EXPECT_NE(bad_config.status().message().find("tokenizer_config.json"), std::string::npos);
}

TEST(HfTokenizerJsonTest, UnsupportedModelsAreUnimplemented) {
  auto unigram = load(R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})");
  ASSERT_FALSE(unigram.ok());
  EXPECT_EQ(unigram.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(unigram.status().message().find("Unigram"), std::string::npos);
  auto metaspace = load(tiny_tokenizer_json("[]", R"({"type": "Metaspace", "replacement": "\u2581"})"));
  ASSERT_FALSE(metaspace.ok());
  EXPECT_EQ(metaspace.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(metaspace.status().message().find("Metaspace"), std::string::npos);
}

TEST(HfTokenizerJsonTest, MissingFolderOrFileIsNotFound) {
  auto tok = Tokenizer::from_hf_dir("/nonexistent/glassbox-tokenizer");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kNotFound);
  auto any = Tokenizer::load("/nonexistent/model.gguf");
  ASSERT_FALSE(any.ok());
  EXPECT_EQ(any.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace glassbox::tokenizer
