// VocabTrie: built from the pieces sorted bytewise, which yields the nodes in depth-first order directly.
#include "constrain/vocab_trie.h"

#include <algorithm>
#include <numeric>

#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"

namespace glassbox::constrain {

VocabTrie::VocabTrie(std::vector<std::string> pieces, std::vector<int32_t> end_of_generation)
    : pieces_(std::move(pieces)), end_of_generation_(std::move(end_of_generation)) {
  is_end_.assign(pieces_.size(), 0);
  for (int32_t id : end_of_generation_) {
    if (id >= 0 && id < vocab_size()) {
      is_end_[static_cast<size_t>(id)] = 1;
      pieces_[static_cast<size_t>(id)].clear();
    }
  }
  std::vector<int32_t> order;
  for (int32_t id = 0; id < vocab_size(); ++id) {
    if (!pieces_[static_cast<size_t>(id)].empty()) order.push_back(id);
  }
  // std::string compares bytes as unsigned char, so equal prefixes are adjacent and children come in byte order.
  std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) { return pieces_[x] < pieces_[y]; });
  std::vector<uint32_t> path;  // node index per depth - 1 of the current path
  const std::string* prev = nullptr;
  auto close_to = [&](size_t keep) {
    while (path.size() > keep) {
      end_[path.back()] = static_cast<uint32_t>(byte_.size());
      path.pop_back();
    }
  };
  for (int32_t id : order) {
    const std::string& p = pieces_[static_cast<size_t>(id)];
    size_t common = 0;
    if (prev) {
      const size_t limit = std::min({prev->size(), p.size(), path.size()});
      while (common < limit && (*prev)[common] == p[common]) ++common;
    }
    close_to(common);
    for (size_t d = common; d < p.size(); ++d) {
      path.push_back(static_cast<uint32_t>(byte_.size()));
      byte_.push_back(static_cast<uint8_t>(p[d]));
      depth_.push_back(static_cast<uint32_t>(d + 1));
      end_.push_back(0);
      token_begin_.push_back(static_cast<uint32_t>(token_ids_.size()));
    }
    token_ids_.push_back(id);  // ends at the path's last node, the most recently created or reached one
    max_depth_ = std::max(max_depth_, static_cast<uint32_t>(p.size()));
    prev = &p;
  }
  close_to(0);
  token_begin_.push_back(static_cast<uint32_t>(token_ids_.size()));
}

std::shared_ptr<const VocabTrie> VocabTrie::from_tokenizer(const tokenizer::Tokenizer& tokenizer) {
  const int32_t n = tokenizer.vocab_size();
  std::vector<std::string> pieces(static_cast<size_t>(n));
  std::vector<int32_t> ends;
  const tokenizer::Vocab& vocab = tokenizer.vocab();
  constexpr uint32_t kNever = tokenizer::kAttrControl | tokenizer::kAttrUnknown | tokenizer::kAttrUnused;
  for (int32_t id = 0; id < n; ++id) {
    if (tokenizer.is_end_of_generation(id)) {
      ends.push_back(id);
      continue;
    }
    if (vocab.attr(id) & kNever) continue;
    pieces[static_cast<size_t>(id)] = tokenizer.token_piece(id);
  }
  return std::make_shared<const VocabTrie>(std::move(pieces), std::move(ends));
}

bool VocabTrie::is_end_of_generation(int32_t id) const {
  return id >= 0 && id < vocab_size() && is_end_[static_cast<size_t>(id)];
}

}  // namespace glassbox::constrain
