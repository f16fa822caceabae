// JsonConstraint: the token mask as one pass over the trie's depth-first node array.
#include "constrain/json_constraint.h"

#include <algorithm>
#include <limits>

namespace glassbox::constrain {

JsonConstraint::JsonConstraint(std::shared_ptr<const JsonSchema> schema, std::shared_ptr<const VocabTrie> vocab)
    : vocab_(std::move(vocab)), recognizer_(schema), masked_state_(schema) {
  by_depth_.reserve(vocab_->max_depth() + 1);
  for (uint32_t d = 0; d <= vocab_->max_depth(); ++d) by_depth_.emplace_back(schema);
}

const std::vector<uint8_t>& JsonConstraint::allowed_tokens() {
  if (masked_ && recognizer_.same_state(masked_state_)) return allowed_;
  const VocabTrie& trie = *vocab_;
  allowed_.assign(static_cast<size_t>(trie.vocab_size()), 0);
  bool any = false;
  if (!recognizer_.dead() && !recognizer_.finished()) {
    by_depth_[0].copy_from(recognizer_);
    const size_t n = trie.n_nodes();
    for (size_t i = 0; i < n;) {
      const uint32_t d = trie.depth(i);
      JsonRecognizer& state = by_depth_[d];
      state.copy_from(by_depth_[d - 1]);
      if (!state.advance(trie.byte(i))) {
        i = trie.end(i);
        continue;
      }
      for (const int32_t* t = trie.tokens_begin(i); t != trie.tokens_end(i); ++t) {
        allowed_[static_cast<size_t>(*t)] = 1;
        any = true;
      }
      ++i;
    }
  }
  if (!any || recognizer_.complete()) {
    for (int32_t id : trie.end_of_generation()) allowed_[static_cast<size_t>(id)] = 1;
  }
  masked_state_.copy_from(recognizer_);
  masked_ = true;
  return allowed_;
}

void JsonConstraint::apply(std::span<float> logits) {
  const std::vector<uint8_t>& allowed = allowed_tokens();
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const size_t n = std::min(logits.size(), allowed.size());
  for (size_t i = 0; i < n; ++i) {
    if (!allowed[i]) logits[i] = kNegInf;
  }
  for (size_t i = n; i < logits.size(); ++i) logits[i] = kNegInf;
}

void JsonConstraint::accept(int32_t token) {
  if (token < 0 || token >= vocab_->vocab_size() || vocab_->piece(token).empty()) {
    while (!recognizer_.dead()) recognizer_.advance(0);  // NUL is never valid JSON text: the state dies
    return;
  }
  recognizer_.advance(vocab_->piece(token));
}

}  // namespace glassbox::constrain
