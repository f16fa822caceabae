// BpeTrainer: merges, determinism, and the written files loading back through src/tokenizer.
#include "data/bpe_trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "base/mapped_file.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::data {
namespace {

std::string sample_text() {
  std::string text;
  const char* lines[] = {"The little rabbit ran into the garden.\n",
                         "Once upon a time there was a fox who lived in the wood.\n",
                         "The rabbit and the fox were friends, said Uncle Wiggily!\n",
                         "Café naïve — unicode too: 日本語 ok.\n"};
  for (int i = 0; i < 40; ++i) text += lines[i % 4];
  return text;
}

std::filesystem::path temp_dir(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("gb_bpe_" + name + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(BpeTrainerTest, MergesTheMostFrequentPairFirst) {
  BpeTrainerOptions opt;
  opt.vocab_size = 1 + 256 + 3;
  auto trainer = BpeTrainer::create(opt);
  ASSERT_TRUE(trainer.ok());
  trainer->add_text("ab ab ab ab cd cd");
  auto vocab = trainer->train();
  ASSERT_TRUE(vocab.ok());
  ASSERT_EQ(vocab->merges.size(), 3u);
  EXPECT_EQ(vocab->tokens[257], "ab");
  // " ab" has count 3, " " + "ab" next; then "cd" (2) and " c"(1)/"d" ... ties by smaller ids.
  EXPECT_EQ(vocab->tokens[258], " ab");
  EXPECT_EQ(vocab->tokens[259], "cd");
}

// The textbook algorithm: recount every pair after every merge. Words come from the same
// pre-tokenizer split, so only the merge loop is compared.
BpeVocab naive_bpe(const std::map<std::string, int64_t>& word_counts, int64_t vocab_size) {
  BpeVocab v = *[&] {
    auto t = BpeTrainer::create(BpeTrainerOptions{.vocab_size = 257});
    t->add_text("x");
    return t->train();
  }();  // specials + the ordered byte alphabet
  std::map<std::string, int32_t> ids;
  for (size_t id = 1; id < v.tokens.size(); ++id) ids[v.tokens[id]] = static_cast<int32_t>(id);
  std::vector<std::pair<std::vector<int32_t>, int64_t>> words;
  for (const auto& [w, c] : word_counts) {
    std::vector<int32_t> syms;
    for (char ch : w) syms.push_back(ids[std::string(1, ch)]);
    words.emplace_back(syms, c);
  }
  while (static_cast<int64_t>(v.tokens.size()) < vocab_size) {
    std::map<std::pair<int32_t, int32_t>, int64_t> counts;
    for (const auto& [syms, c] : words)
      for (size_t i = 0; i + 1 < syms.size(); ++i) counts[{syms[i], syms[i + 1]}] += c;
    std::pair<int32_t, int32_t> best{-1, -1};
    int64_t best_count = 1;  // min_pair_count 2
    for (const auto& [p, c] : counts)
      if (c > best_count) best = p, best_count = c;  // map order: ties keep the smaller pair
    if (best.first < 0) break;
    std::string text = v.tokens[best.first] + v.tokens[best.second];
    auto [it, added] = ids.emplace(text, static_cast<int32_t>(v.tokens.size()));
    if (added) v.tokens.push_back(text);
    v.merges.push_back(best);
    for (auto& [syms, c] : words) {
      std::vector<int32_t> out;
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == best.first && syms[i + 1] == best.second) {
          out.push_back(it->second);
          ++i;
        } else {
          out.push_back(syms[i]);
        }
      }
      syms = out;
    }
  }
  return v;
}

TEST(BpeTrainerTest, IncrementalCountsEqualFullRecounts) {
  // Few letters, so pairs overlap ("aaaa") and counts tie often.
  std::mt19937 rng(5);
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    text += ' ';
    const int len = 1 + static_cast<int>(rng() % 7);
    for (int k = 0; k < len; ++k) text += "aabcd"[rng() % 5];
  }
  BpeTrainerOptions opt;
  opt.vocab_size = 1 + 256 + 120;
  auto trainer = BpeTrainer::create(opt);
  trainer->add_text(text);
  auto fast = trainer->train();
  ASSERT_TRUE(fast.ok());
  std::map<std::string, int64_t> words;  // the GPT-2 split of this text: " " + letters
  for (size_t pos = 0; pos < text.size();) {
    size_t next = text.find(' ', pos + 1);
    if (next == std::string::npos) next = text.size();
    ++words[text.substr(pos, next - pos)];
    pos = next;
  }
  const BpeVocab slow = naive_bpe(words, opt.vocab_size);
  EXPECT_EQ(fast->merges, slow.merges);
  EXPECT_EQ(fast->tokens, slow.tokens);
  EXPECT_GT(fast->merges.size(), 50u);
}

TEST(BpeTrainerTest, RejectsVocabularySmallerThanTheByteAlphabet) {
  BpeTrainerOptions opt;
  opt.vocab_size = 200;
  EXPECT_FALSE(BpeTrainer::create(opt).ok());
}

TEST(BpeTrainerTest, WrittenFilesLoadAndRoundTrip) {
  BpeTrainerOptions opt;
  opt.vocab_size = 340;
  auto trainer = BpeTrainer::create(opt);
  ASSERT_TRUE(trainer.ok());
  const std::string text = sample_text();
  trainer->add_text(text);
  auto vocab = trainer->train();
  ASSERT_TRUE(vocab.ok());
  EXPECT_EQ(vocab->tokens.size(), 340u);
  auto again = BpeTrainer::create(opt);
  again->add_text(text);
  EXPECT_EQ(again->train()->tokens, vocab->tokens);  // deterministic

  const auto dir = temp_dir("files");
  const std::string json = hf_tokenizer_json(*vocab);
  ASSERT_TRUE(write_file_atomic((dir / "tokenizer.json").string(), json.data(), json.size()).ok());
  ASSERT_TRUE(write_vocab_gguf((dir / "vocab.gguf").string(), *vocab).ok());
  auto hf = tokenizer::Tokenizer::from_hf_dir(dir.string());
  ASSERT_TRUE(hf.ok()) << hf.status().message();
  auto file = gguf::GgufFile::open((dir / "vocab.gguf").string());
  ASSERT_TRUE(file.ok());
  auto gg = tokenizer::Tokenizer::from_gguf(*file);
  ASSERT_TRUE(gg.ok()) << gg.status().message();
  EXPECT_EQ((*hf)->vocab_size(), 340);
  EXPECT_EQ((*gg)->vocab_size(), 340);
  EXPECT_EQ((*gg)->token_text(0), "<|endoftext|>");
  const std::string probe = "The rabbit and the fox ran into the wood. Zebra 日本 ☃";
  const auto ids = (*hf)->encode(probe, false, false);
  EXPECT_EQ((*gg)->encode(probe, false, false), ids);
  EXPECT_EQ((*hf)->decode(ids), probe);
  EXPECT_EQ((*gg)->decode(ids), probe);
  // Frequent words are one token each.
  for (const char* w : {" rabbit", " the", " fox"}) {
    EXPECT_EQ((*hf)->encode(w, false, false).size(), 1u) << w;
  }
  EXPECT_EQ((*hf)->encode("<|endoftext|>", false, true), std::vector<int32_t>{0});
  std::filesystem::remove_all(dir);
}

TEST(BpeTrainerTest, TokenizerJsonConvertsToTheSameGguf) {
  BpeTrainerOptions opt;
  opt.vocab_size = 350;
  auto trainer = BpeTrainer::create(opt);
  trainer->add_text(sample_text());
  auto vocab = trainer->train();
  ASSERT_TRUE(vocab.ok());
  const auto dir = temp_dir("convert");
  const std::string json = hf_tokenizer_json(*vocab);
  ASSERT_TRUE(write_file_atomic((dir / "tokenizer.json").string(), json.data(), json.size()).ok());
  ASSERT_TRUE(tokenizer_json_to_vocab_gguf((dir / "tokenizer.json").string(),
                                           (dir / "a.gguf").string(), "<|endoftext|>")
                  .ok());
  ASSERT_TRUE(write_vocab_gguf((dir / "b.gguf").string(), *vocab).ok());
  auto a = read_file_to_string((dir / "a.gguf").string());
  auto b = read_file_to_string((dir / "b.gguf").string());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace glassbox::data
