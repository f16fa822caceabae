// SpmTokenizer: score-ordered symbol merging with byte fallback.
#include "tokenizer/spm_tokenizer.h"

#include <algorithm>
#include <queue>

#include "base/status.h"
#include "tokenizer/utf8.h"

namespace glassbox::tokenizer {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581 LOWER ONE EIGHTH BLOCK

struct Symbol {
  size_t offset;
  size_t length;  // 0 once merged into its left neighbour
  int prev;
  int next;
};

struct Bigram {
  float score;
  int left;
  int right;
  size_t length;  // of the merged text; stale when the symbols no longer add up to it
};

// Highest score first; among equal scores the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

// The bytes of one character (as sequence_length() cuts it), packed big-endian into 32 bits.
uint32_t pack(std::string_view character) {
  uint32_t packed = 0;
  for (char c : character) packed = (packed << 8) | static_cast<uint8_t>(c);
  return packed;
}

size_t char_length(std::string_view text, size_t offset) {
  return std::min(utf8::sequence_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    const size_t hit = text.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace

std::string escape_whitespace(std::string_view text) { return replace_all(text, " ", kSpace); }
std::string unescape_whitespace(std::string_view text) { return replace_all(text, kSpace, " "); }

SpmTokenizer::SpmTokenizer(const Vocab& vocab) : vocab_(vocab) {
  for (int byte = 0; byte < 256; ++byte) {
    int32_t id = vocab_.find(str_format("<0x%02X>", byte));
    if (id < 0) id = vocab_.find(std::string(1, static_cast<char>(byte)));
    if (id < 0) id = vocab_.special().unk;
    byte_tokens_[byte] = id;
  }
  const uint32_t space = pack(kSpace);
  for (int32_t id = 0; id < vocab_.size(); ++id) {
    const std::string_view text = vocab_.token(id).text;
    uint32_t prev = 0;
    bool has_prev = false;
    for (size_t offset = 0; offset < text.size();) {
      const size_t length = char_length(text, offset);
      const uint32_t current = pack(text.substr(offset, length));
      if (has_prev && current == space) joined_before_space_.push_back(prev);
      prev = current;
      has_prev = true;
      offset += length;
    }
  }
  std::sort(joined_before_space_.begin(), joined_before_space_.end());
  joined_before_space_.erase(std::unique(joined_before_space_.begin(), joined_before_space_.end()),
                             joined_before_space_.end());
}

int32_t SpmTokenizer::byte_token(uint8_t byte) const { return byte_tokens_[byte]; }

void SpmTokenizer::encode(std::string_view text, std::vector<int32_t>* out) const {
  size_t chunk_begin = 0;
  uint32_t prev = 0;
  for (size_t offset = 0; offset < text.size();) {
    const size_t length = char_length(text, offset);
    const std::string_view character = text.substr(offset, length);
    if (character == kSpace && offset > chunk_begin &&
        !std::binary_search(joined_before_space_.begin(), joined_before_space_.end(), prev)) {
      encode_chunk(text.substr(chunk_begin, offset - chunk_begin), out);
      chunk_begin = offset;
    }
    prev = pack(character);
    offset += length;
  }
  encode_chunk(text.substr(chunk_begin), out);
}

void SpmTokenizer::encode_chunk(std::string_view text, std::vector<int32_t>* out) const {
  if (text.empty()) return;
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const size_t length = char_length(text, offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({offset, length, index - 1, offset + length == text.size() ? -1 : index + 1});
    offset += length;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t length = symbols[left].length + symbols[right].length;
    const int32_t id = vocab_.find(text.substr(symbols[left].offset, length));
    if (id < 0) return;
    queue.push({vocab_.token(id).score, left, right, length});
  };
  for (int k = 1; k < static_cast<int>(symbols.size()); ++k) try_add(k - 1, k);

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int k = 0; k != -1; k = symbols[k].next) {
    const Symbol& s = symbols[k];
    const int32_t id = vocab_.find(text.substr(s.offset, s.length));
    if (id >= 0) {
      out->push_back(id);
      continue;
    }
    for (size_t b = 0; b < s.length; ++b) {
      const int32_t byte_id = byte_tokens_[static_cast<uint8_t>(text[s.offset + b])];
      if (byte_id >= 0) out->push_back(byte_id);
    }
  }
}

}  // namespace glassbox::tokenizer
