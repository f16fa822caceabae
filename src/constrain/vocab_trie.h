// VocabTrie: a vocabulary's token pieces (decoded bytes) as a byte trie in depth-first order, so a walk that
// advances a recognizer byte by byte checks each shared prefix once and skips a refused subtree in one jump.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace glassbox::tokenizer {
class Tokenizer;
}

namespace glassbox::constrain {

class VocabTrie {
 public:
  // pieces[id]: the bytes token `id` decodes to; "" for tokens that may never be sampled under a constraint.
  // end_of_generation: ids that end the output (EOS, EOT, ...), allowed only where the value is complete.
  VocabTrie(std::vector<std::string> pieces, std::vector<int32_t> end_of_generation);
  // From a tokenizer: token_piece() of every normal, byte and user-defined token; control, unknown and unused
  // tokens are left out; is_end_of_generation() gives the end set. Cost: O(vocab log vocab), ~0.1 s at 150k.
  static std::shared_ptr<const VocabTrie> from_tokenizer(const tokenizer::Tokenizer& tokenizer);

  int32_t vocab_size() const { return static_cast<int32_t>(pieces_.size()); }
  const std::string& piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }
  const std::vector<int32_t>& end_of_generation() const { return end_of_generation_; }
  bool is_end_of_generation(int32_t id) const;

  // Nodes in depth-first order (the root is implicit): node i is reached by byte_[i] from the nearest earlier
  // node of depth depth_[i] - 1; its subtree is [i, end_[i]); tokens ending at it are
  // token_ids_[token_begin_[i], token_begin_[i + 1]).
  size_t n_nodes() const { return byte_.size(); }
  uint8_t byte(size_t node) const { return byte_[node]; }
  uint32_t depth(size_t node) const { return depth_[node]; }
  uint32_t end(size_t node) const { return end_[node]; }
  const int32_t* tokens_begin(size_t node) const { return token_ids_.data() + token_begin_[node]; }
  const int32_t* tokens_end(size_t node) const { return token_ids_.data() + token_begin_[node + 1]; }
  uint32_t max_depth() const { return max_depth_; }

 private:
  std::vector<std::string> pieces_;
  std::vector<int32_t> end_of_generation_;
  std::vector<uint8_t> is_end_;
  std::vector<uint8_t> byte_;
  std::vector<uint32_t> depth_;
  std::vector<uint32_t> end_;
  std::vector<uint32_t> token_begin_;  // n_nodes + 1
  std::vector<int32_t> token_ids_;
  uint32_t max_depth_ = 0;
};

}  // namespace glassbox::constrain
