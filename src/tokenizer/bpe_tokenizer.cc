// BpeTokenizer: rank-ordered merging over a linked list of symbols.
#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace glassbox::tokenizer {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

struct Symbol {
  size_t offset;
  size_t length;  // 0 once merged into its left neighbour
  int prev;
  int next;
  int32_t id;  // symbol id of word[offset, offset + length), -1 when it can take part in no merge
};

struct Bigram {
  int32_t rank;
  int left;
  int right;
  size_t left_length;  // lengths when queued; a bigram is stale once either symbol changed
  size_t right_length;
  int32_t result;
};

// Lowest rank first; among equal ranks the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

BpeTokenizer::BpeTokenizer(const Vocab& vocab,
                           const std::vector<std::pair<std::string, std::string>>& merges,
                           PreTokenizer pre_tokenizer, bool ignore_merges)
    : vocab_(vocab), pre_tokenizer_(std::move(pre_tokenizer)), ignore_merges_(ignore_merges) {
  merges_.reserve(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    if (left.empty() || right.empty()) continue;
    joined.assign(left).append(right);
    const int32_t left_id = intern(left);
    const int32_t right_id = intern(right);
    const int32_t result = intern(joined);
    merges_.insert(pair_key(left_id, right_id), Merge{static_cast<int32_t>(rank), result});
  }
  for (int byte = 0; byte < 256; ++byte) byte_tokens_[byte] = vocab_.find(std::string(1, static_cast<char>(byte)));
  // Every character of a byte-level word is below U+0144; look their symbol ids up once.
  for (uint32_t cp = 0; cp < kSmallCodePoints; ++cp) {
    std::string text;
    utf8::append_code_point(cp, &text);
    small_symbols_[cp] = symbol_id(text);
  }
}

int32_t BpeTokenizer::char_symbol_id(std::string_view character) const {
  const auto b0 = static_cast<uint8_t>(character[0]);
  if (character.size() == 1 && b0 < 0x80) return small_symbols_[b0];
  if (character.size() == 2 && (b0 & 0xE0) == 0xC0) {
    const uint32_t cp = ((b0 & 0x1Fu) << 6) | (static_cast<uint8_t>(character[1]) & 0x3Fu);
    if (cp >= 0x80 && cp < kSmallCodePoints) return small_symbols_[cp];
  }
  return symbol_id(character);
}

int32_t BpeTokenizer::symbol_id(std::string_view text) const {
  const int32_t id = vocab_.find(text);
  if (id >= 0) return id;
  auto it = extra_symbols_.find(text);
  return it == extra_symbols_.end() ? -1 : it->second;
}

int32_t BpeTokenizer::intern(std::string_view text) {
  const int32_t id = symbol_id(text);
  if (id >= 0) return id;
  const auto extra = static_cast<int32_t>(vocab_.size() + extra_symbols_.size());
  extra_symbols_.emplace(std::string(text), extra);
  return extra;
}

void BpeTokenizer::encode(std::string_view text, std::vector<int32_t>* out) const {
  const std::string valid = utf8::lenient_reencode(text);
  std::vector<std::string_view> pieces;
  pre_tokenizer_.split(valid, &pieces);
  std::string word;
  for (std::string_view piece : pieces) {
    word.clear();
    byte_level::encode(piece, &word);
    encode_word(word, out);
  }
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (word.size() > kMaxCachedWordBytes) {
    merge_word(word, out);
    return;
  }
  {
    std::shared_lock lock(cache_mutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      out->insert(out->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = out->size();
  merge_word(word, out);
  std::unique_lock lock(cache_mutex_);
  if (cache_.size() >= kMaxCachedWords) cache_.clear();
  cache_.emplace(std::string(word), std::vector<int32_t>(out->begin() + static_cast<std::ptrdiff_t>(first), out->end()));
}

void BpeTokenizer::merge_word(std::string_view word, std::vector<int32_t>* out) const {
  if (ignore_merges_) {
    if (const int32_t id = vocab_.find(word); id >= 0) {
      out->push_back(id);
      return;
    }
  }
  // Per-thread scratch, so that a word costs no allocation once the buffers have grown.
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Bigram> queue;  // a heap ordered by BigramOrder
  symbols.clear();
  queue.clear();
  for (size_t offset = 0; offset < word.size();) {
    const size_t length =
        std::min(utf8::sequence_length(static_cast<uint8_t>(word[offset])), word.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({offset, length, index - 1, offset + length == word.size() ? -1 : index + 1,
                       char_symbol_id(word.substr(offset, length))});
    offset += length;
  }

  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[right];
    if (l.id < 0 || r.id < 0) return;
    const Merge* merge = merges_.find(pair_key(l.id, r.id));
    if (merge == nullptr) return;
    queue.push_back({merge->rank, left, right, l.length, r.length, merge->result});
    std::push_heap(queue.begin(), queue.end(), BigramOrder());
  };
  for (int k = 1; k < static_cast<int>(symbols.size()); ++k) try_add(k - 1, k);

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), BigramOrder());
    const Bigram bigram = queue.back();
    queue.pop_back();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.length != bigram.left_length || right.length != bigram.right_length || right.length == 0) continue;
    left.length += right.length;
    left.id = bigram.result;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int k = 0; k != -1; k = symbols[k].next) {
    const Symbol& s = symbols[k];
    if (vocab_.valid(s.id)) {
      out->push_back(s.id);
      continue;
    }
    for (size_t b = 0; b < s.length; ++b) {
      const int32_t byte_id = byte_tokens_[static_cast<uint8_t>(word[s.offset + b])];
      if (byte_id >= 0) out->push_back(byte_id);
    }
  }
}

}  // namespace glassbox::tokenizer
