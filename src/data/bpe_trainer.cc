// BpeTrainer: word counting, incremental pair-count merges, and the tokenizer.json / GGUF writers.
#include "data/bpe_trainer.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "base/mapped_file.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pre_tokenizer.h"

namespace glassbox::data {
namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

struct HeapEntry {
  int64_t count;
  uint64_t key;
  // Highest count first; then the smaller (left, right), which the key orders.
  bool operator<(const HeapEntry& o) const {
    if (count != o.count) return count < o.count;
    return key > o.key;
  }
};

std::string byte_level_text(const std::string& raw) {
  std::string out;
  tokenizer::byte_level::encode(raw, &out);
  return out;
}

}  // namespace

struct BpeTrainer::Impl {
  BpeTrainerOptions options;
  tokenizer::PreTokenizer pre;
  std::unordered_map<std::string, int64_t> word_counts;
  int64_t n_bytes = 0;
  std::vector<std::string_view> pieces;
};

BpeTrainer::BpeTrainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpeTrainer::BpeTrainer(BpeTrainer&&) noexcept = default;
BpeTrainer& BpeTrainer::operator=(BpeTrainer&&) noexcept = default;
BpeTrainer::~BpeTrainer() = default;

Result<BpeTrainer> BpeTrainer::create(const BpeTrainerOptions& options) {
  const int64_t base = static_cast<int64_t>(options.specials.size()) + 256;
  if (options.vocab_size < base)
    return invalid_argument(
        str_format("bpe trainer: vocab_size %lld is below %lld (%zu special tokens + 256 bytes)",
                   (long long)options.vocab_size, (long long)base, options.specials.size()));
  if (options.vocab_size > (int64_t{1} << 30))
    return invalid_argument("bpe trainer: vocab_size above 2^30");
  std::unordered_set<std::string> seen;
  for (const std::string& s : options.specials) {
    if (s.empty()) return invalid_argument("bpe trainer: an empty special token");
    if (!seen.insert(s).second)
      return invalid_argument("bpe trainer: special token '" + s + "' given twice");
  }
  GB_ASSIGN_OR_RETURN(tokenizer::PreTokenizer pre, tokenizer::PreTokenizer::from_name("gpt-2"));
  auto impl = std::make_unique<Impl>(Impl{options, std::move(pre), {}, 0, {}});
  return BpeTrainer(std::move(impl));
}

int64_t BpeTrainer::n_words() const { return static_cast<int64_t>(impl_->word_counts.size()); }
int64_t BpeTrainer::n_bytes() const { return impl_->n_bytes; }

void BpeTrainer::add_text(std::string_view text) {
  impl_->n_bytes += static_cast<int64_t>(text.size());
  // Special-token strings inside the text are plain text here, as they are when data prepare
  // encodes documents without parsing specials.
  impl_->pieces.clear();
  impl_->pre.split(text, &impl_->pieces);
  for (std::string_view piece : impl_->pieces) {
    auto it = impl_->word_counts.find(std::string(piece));
    if (it == impl_->word_counts.end())
      impl_->word_counts.emplace(std::string(piece), 1);
    else
      ++it->second;
  }
}

Result<BpeVocab> BpeTrainer::train() {
  const BpeTrainerOptions& opt = impl_->options;
  if (impl_->word_counts.empty()) return invalid_argument("bpe trainer: no text was added");
  BpeVocab vocab;
  vocab.n_specials = static_cast<int64_t>(opt.specials.size());
  vocab.tokens = opt.specials;
  // The 256 bytes, ordered by their byte-level code point (as Hugging Face orders the alphabet).
  std::vector<int> bytes(256);
  for (int b = 0; b < 256; ++b) bytes[b] = b;
  std::sort(bytes.begin(), bytes.end(), [](int x, int y) {
    return tokenizer::byte_level::encode_byte(static_cast<uint8_t>(x)) <
           tokenizer::byte_level::encode_byte(static_cast<uint8_t>(y));
  });
  int32_t byte_id[256];
  for (int b : bytes) {
    byte_id[b] = static_cast<int32_t>(vocab.tokens.size());
    vocab.tokens.push_back(std::string(1, static_cast<char>(b)));
  }

  // Distinct words in a fixed order (sorted), so that training does not depend on hash order.
  std::vector<std::pair<std::string, int64_t>> sorted(impl_->word_counts.begin(),
                                                      impl_->word_counts.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<int32_t>> words(sorted.size());
  std::vector<int64_t> freq(sorted.size());
  for (size_t w = 0; w < sorted.size(); ++w) {
    freq[w] = sorted[w].second;
    for (unsigned char c : sorted[w].first) words[w].push_back(byte_id[c]);
  }
  sorted.clear();
  sorted.shrink_to_fit();

  std::unordered_map<uint64_t, int64_t> count;
  std::unordered_map<uint64_t, std::vector<int32_t>> where;  // may hold stale or repeated words
  for (size_t w = 0; w < words.size(); ++w) {
    for (size_t i = 0; i + 1 < words[w].size(); ++i) {
      const uint64_t k = pair_key(words[w][i], words[w][i + 1]);
      count[k] += freq[w];
      auto& list = where[k];
      if (list.empty() || list.back() != static_cast<int32_t>(w))
        list.push_back(static_cast<int32_t>(w));
    }
  }
  std::priority_queue<HeapEntry> heap;
  for (const auto& [k, c] : count) heap.push({c, k});

  std::unordered_map<std::string, int32_t> token_ids;
  for (size_t id = vocab.n_specials; id < vocab.tokens.size(); ++id)
    token_ids.emplace(vocab.tokens[id], static_cast<int32_t>(id));
  std::vector<uint32_t> stamp(words.size(), 0);
  uint32_t merge_no = 0;
  std::unordered_map<uint64_t, int64_t> delta;
  std::vector<int32_t> merged;
  while (static_cast<int64_t>(vocab.tokens.size()) < opt.vocab_size && !heap.empty()) {
    const HeapEntry top = heap.top();
    heap.pop();
    auto cit = count.find(top.key);
    if (cit == count.end() || cit->second != top.count) continue;  // stale
    if (top.count < opt.min_pair_count) break;
    const int32_t a = static_cast<int32_t>(top.key >> 32);
    const int32_t b = static_cast<int32_t>(top.key & 0xffffffffu);
    // Two merges may spell the same string ("a"+"bc", "ab"+"c"): the second reuses the token.
    std::string text = vocab.tokens[a] + vocab.tokens[b];
    auto [id_it, added] = token_ids.emplace(text, static_cast<int32_t>(vocab.tokens.size()));
    const int32_t new_id = id_it->second;
    if (added) vocab.tokens.push_back(std::move(text));
    vocab.merges.emplace_back(a, b);
    ++merge_no;

    std::vector<int32_t> affected = std::move(where[top.key]);
    where.erase(top.key);
    delta.clear();
    for (int32_t w : affected) {
      if (stamp[w] == merge_no) continue;
      stamp[w] = merge_no;
      std::vector<int32_t>& syms = words[w];
      bool has = false;
      for (size_t i = 0; i + 1 < syms.size(); ++i)
        if (syms[i] == a && syms[i + 1] == b) {
          has = true;
          break;
        }
      if (!has) continue;
      merged.clear();
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == a && syms[i + 1] == b) {
          merged.push_back(new_id);
          ++i;
        } else {
          merged.push_back(syms[i]);
        }
      }
      // Remove the word's old pairs and add its new ones; most cancel out.
      for (size_t i = 0; i + 1 < syms.size(); ++i) delta[pair_key(syms[i], syms[i + 1])] -= freq[w];
      for (size_t i = 0; i + 1 < merged.size(); ++i) {
        const uint64_t k = pair_key(merged[i], merged[i + 1]);
        delta[k] += freq[w];
        if (merged[i] == new_id || merged[i + 1] == new_id) {
          auto& list = where[k];
          if (list.empty() || list.back() != w) list.push_back(w);
        }
      }
      syms.swap(merged);
    }
    for (const auto& [k, d] : delta) {
      if (d == 0) continue;
      int64_t& c = count[k];
      c += d;
      if (c <= 0) {
        count.erase(k);
        where.erase(k);
      } else {
        heap.push({c, k});
      }
    }
  }
  return vocab;
}

std::string hf_tokenizer_json(const BpeVocab& vocab) {
  using ojson = nlohmann::ordered_json;
  ojson j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  ojson added = ojson::array();
  for (int64_t id = 0; id < vocab.n_specials; ++id)
    added.push_back({{"id", id},
                     {"content", vocab.tokens[id]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  j["added_tokens"] = added;
  j["normalizer"] = nullptr;
  j["pre_tokenizer"] = {{"type", "ByteLevel"},
                        {"add_prefix_space", false},
                        {"trim_offsets", true},
                        {"use_regex", true}};
  j["post_processor"] = nullptr;
  j["decoder"] = {{"type", "ByteLevel"},
                  {"add_prefix_space", true},
                  {"trim_offsets", true},
                  {"use_regex", true}};
  ojson model;
  model["type"] = "BPE";
  model["dropout"] = nullptr;
  model["unk_token"] = nullptr;
  model["continuing_subword_prefix"] = nullptr;
  model["end_of_word_suffix"] = nullptr;
  model["fuse_unk"] = false;
  model["byte_fallback"] = false;
  model["ignore_merges"] = false;
  ojson v = ojson::object();
  for (size_t id = 0; id < vocab.tokens.size(); ++id)
    v[static_cast<int64_t>(id) < vocab.n_specials ? vocab.tokens[id]
                                                  : byte_level_text(vocab.tokens[id])] = id;
  model["vocab"] = v;
  ojson merges = ojson::array();
  for (const auto& [a, b] : vocab.merges)
    merges.push_back({byte_level_text(vocab.tokens[a]), byte_level_text(vocab.tokens[b])});
  model["merges"] = merges;
  j["model"] = model;
  return j.dump(1) + "\n";
}

std::string hf_tokenizer_config_json(const BpeVocab& vocab) {
  nlohmann::ordered_json j;
  if (vocab.n_specials > 0) {
    j["bos_token"] = vocab.tokens[0];
    j["eos_token"] = vocab.tokens[0];
    j["add_bos_token"] = true;
  }
  j["model_max_length"] = 1000000;
  return j.dump(1) + "\n";
}

Status write_vocab_gguf(const std::string& path, const std::vector<std::string>& token_texts,
                        const std::vector<bool>& is_special, const std::vector<std::string>& merges,
                        int32_t eot_id) {
  gguf::GgufWriter w;
  w.set_string("general.type", "vocab");
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "gpt-2");
  w.set_string_array("tokenizer.ggml.tokens", token_texts);
  std::vector<int32_t> types(token_texts.size());
  for (size_t i = 0; i < types.size(); ++i) types[i] = is_special[i] ? 3 : 1;
  w.set_i32_array("tokenizer.ggml.token_type", types);
  w.set_string_array("tokenizer.ggml.merges", merges);
  if (eot_id >= 0) {
    w.set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(eot_id));
    w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(eot_id));
    w.set_u32("tokenizer.ggml.eot_token_id", static_cast<uint32_t>(eot_id));
    w.set_bool("tokenizer.ggml.add_bos_token", true);
  }
  return w.write(path);
}

Status write_vocab_gguf(const std::string& path, const BpeVocab& vocab) {
  std::vector<std::string> texts;
  std::vector<bool> special;
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    const bool s = static_cast<int64_t>(id) < vocab.n_specials;
    texts.push_back(s ? vocab.tokens[id] : byte_level_text(vocab.tokens[id]));
    special.push_back(s);
  }
  std::vector<std::string> merges;
  for (const auto& [a, b] : vocab.merges)
    merges.push_back(byte_level_text(vocab.tokens[a]) + " " + byte_level_text(vocab.tokens[b]));
  return write_vocab_gguf(path, texts, special, merges, vocab.n_specials > 0 ? 0 : -1);
}

Status tokenizer_json_to_vocab_gguf(const std::string& json_path, const std::string& gguf_path,
                                    const std::string& eot_token) {
  GB_ASSIGN_OR_RETURN(std::string text, read_file_to_string(json_path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return invalid_argument("tokenizer '" + json_path + "': not JSON: " + e.what());
  }
  try {
    const auto& model = j.at("model");
    if (model.value("type", std::string()) != "BPE")
      return unimplemented("tokenizer '" + json_path + "': model.type is not BPE");
    const auto& pre = j.value("pre_tokenizer", nlohmann::json());
    if (!pre.is_object() || pre.value("type", std::string()) != "ByteLevel" ||
        pre.value("add_prefix_space", false))
      return unimplemented("tokenizer '" + json_path +
                           "': only a ByteLevel pre-tokenizer without prefix space (GPT-2) is "
                           "supported for training data");
    std::vector<std::string> texts;
    std::vector<bool> special;
    auto put = [&](const std::string& s, int64_t id, bool sp) -> Status {
      if (id < 0 || id > (int64_t{1} << 24))
        return invalid_argument(str_format("tokenizer '%s': token '%s' has id %lld",
                                           json_path.c_str(), s.c_str(), (long long)id));
      if (static_cast<int64_t>(texts.size()) <= id) {
        texts.resize(id + 1);
        special.resize(id + 1, false);
      }
      texts[id] = s;
      special[id] = special[id] || sp;
      return ok_status();
    };
    for (const auto& [s, id] : model.at("vocab").items())
      GB_RETURN_IF_ERROR(put(s, id.get<int64_t>(), false));
    for (const auto& t : j.value("added_tokens", nlohmann::json::array()))
      GB_RETURN_IF_ERROR(put(t.at("content").get<std::string>(), t.at("id").get<int64_t>(),
                             t.value("special", false)));
    for (size_t id = 0; id < texts.size(); ++id)
      if (texts[id].empty())
        return invalid_argument(
            str_format("tokenizer '%s': no token has id %zu (ids must be 0..%zu without gaps)",
                       json_path.c_str(), id, texts.size() - 1));
    std::vector<std::string> merges;
    for (const auto& m : model.at("merges")) {
      if (m.is_string())
        merges.push_back(m.get<std::string>());
      else
        merges.push_back(m.at(0).get<std::string>() + " " + m.at(1).get<std::string>());
    }
    int32_t eot = -1;
    for (size_t id = 0; id < texts.size(); ++id)
      if (texts[id] == eot_token) eot = static_cast<int32_t>(id);
    return write_vocab_gguf(gguf_path, texts, special, merges, eot);
  } catch (const std::exception& e) {
    return invalid_argument("tokenizer '" + json_path + "': unexpected layout: " + e.what());
  }
}

}  // namespace glassbox::data
