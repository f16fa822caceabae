// prepare_data: documents → shards + manifest, validation split, and bad input.
#include "data/prepare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/mapped_file.h"
#include "data/bpe_trainer.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::data {
namespace {
namespace fs = std::filesystem;

void put(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gb_prepare_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    for (int d = 0; d < 6; ++d) {
      std::string text;
      for (int i = 0; i < 30; ++i)
        text += "Story " + std::to_string(d) + ": the hen found a seed. ";
      put(dir_ / "corpus" / "books" / ("b" + std::to_string(d) + ".txt"), text);
    }
    BpeTrainerOptions opt;
    opt.vocab_size = 300;
    auto trainer = BpeTrainer::create(opt);
    trainer->add_text("the hen found a seed. Story 1 2 3");
    auto vocab = trainer->train();
    const std::string json = hf_tokenizer_json(*vocab);
    put(dir_ / "tok" / "tokenizer.json", json);
  }
  void TearDown() override { fs::remove_all(dir_); }
  PrepareOptions options() {
    PrepareOptions o;
    o.inputs = {(dir_ / "corpus").string()};
    o.tokenizer = (dir_ / "tok" / "tokenizer.json").string();
    o.out_dir = (dir_ / "out").string();
    o.threads = 2;
    return o;
  }
  fs::path dir_;
  std::vector<std::string> warnings_;
  std::function<void(const std::string&)> warn_ = [this](const std::string& w) {
    warnings_.push_back(w);
  };
};

TEST_F(PrepareTest, WritesShardsThatStartEachDocumentWithEot) {
  put(dir_ / "val.txt", "books/b2.txt\n");
  PrepareOptions o = options();
  o.val_docs_file = (dir_ / "val.txt").string();
  auto summary = prepare_data(o, warn_);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->documents[0], 5);
  EXPECT_EQ(summary->documents[1], 1);
  auto data = open_prepared(o.out_dir);
  ASSERT_TRUE(data.ok()) << data.status().message();
  ASSERT_EQ(data->val.size(), 1u);
  EXPECT_EQ(data->val[0].n_tokens(), summary->tokens[1]);
  EXPECT_EQ(data->val[0].token(0), 0);
  auto tk = tokenizer::Tokenizer::load(o.tokenizer);
  std::string b2 = *read_file_to_string((dir_ / "corpus/books/b2.txt").string());
  auto ids = (*tk)->encode(b2, false, false);
  ASSERT_EQ(static_cast<size_t>(data->val[0].n_tokens()), ids.size() + 1);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(data->val[0].token(i + 1), ids[i]);
  int64_t eots = 0;
  for (int64_t i = 0; i < data->train[0].n_tokens(); ++i) eots += data->train[0].token(i) == 0;
  EXPECT_EQ(eots, 5);
}

TEST_F(PrepareTest, SkipsEmptyAndBinaryFilesWithAWarning) {
  put(dir_ / "corpus" / "empty.txt", "");
  put(dir_ / "corpus" / "blob.bin", std::string("ab\0cd", 5));
  put(dir_ / "corpus" / "latin1.txt", "caf\xe9");
  auto summary = prepare_data(options(), warn_);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->skipped, 3);
  ASSERT_EQ(warnings_.size(), 3u);
  EXPECT_NE(warnings_[0].find("blob.bin"), std::string::npos);
  EXPECT_EQ(summary->documents[0] + summary->documents[1], 6);
  EXPECT_GE(summary->documents[1], 1);
}

TEST_F(PrepareTest, RejectsMissingTokenizerAndUnknownValidationNames) {
  PrepareOptions o = options();
  o.tokenizer = (dir_ / "nope.json").string();
  auto r = prepare_data(o, warn_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nope.json"), std::string::npos);
  o = options();
  put(dir_ / "val.txt", "books/missing.txt\n");
  o.val_docs_file = (dir_ / "val.txt").string();
  r = prepare_data(o, warn_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("books/missing.txt"), std::string::npos);
}

TEST_F(PrepareTest, DetectsACorruptShard) {
  auto summary = prepare_data(options(), warn_);
  ASSERT_TRUE(summary.ok());
  const fs::path shard = dir_ / "out" / "train-00000.bin";
  std::string bytes = *read_file_to_string(shard.string());
  bytes[bytes.size() - 1] ^= 1;
  put(shard, bytes);
  auto data = open_prepared((dir_ / "out").string());
  ASSERT_FALSE(data.ok());
  EXPECT_NE(data.status().message().find("train-00000.bin"), std::string::npos);
}

}  // namespace
}  // namespace glassbox::data
