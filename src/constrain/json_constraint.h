// JsonConstraint: an engine::TokenConstraint that keeps generated text a prefix of a JSON value valid for a
// JsonSchema, by walking the vocabulary trie alongside the byte recognizer.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "constrain/json_recognizer.h"
#include "constrain/json_schema.h"
#include "constrain/vocab_trie.h"
#include "engine/token_constraint.h"

namespace glassbox::constrain {

class JsonConstraint : public engine::TokenConstraint {
 public:
  JsonConstraint(std::shared_ptr<const JsonSchema> schema, std::shared_ptr<const VocabTrie> vocab);

  // Tokens whose bytes would leave the recognizer dead get -inf; so do ids past the trie's vocabulary (padded
  // embedding rows). End-of-generation tokens are kept only when complete(); once finished() they are all
  // that is kept. Should no token fit (a vocabulary without some byte), only end-of-generation is kept.
  void apply(std::span<float> logits) override;
  // A token apply() refused leaves the constraint broken: complete() false, only end-of-generation allowed.
  void accept(int32_t token) override;
  bool complete() const override { return recognizer_.complete(); }
  bool finished() const override { return recognizer_.finished(); }

  // allowed[id] = 1 when `id` may come next (end-of-generation ids included when complete()). The mask
  // apply() uses; exposed for tests and measurements.
  const std::vector<uint8_t>& allowed_tokens();

 private:
  std::shared_ptr<const VocabTrie> vocab_;
  JsonRecognizer recognizer_;
  std::vector<JsonRecognizer> by_depth_;  // walk scratch: the state after each depth's byte
  std::vector<uint8_t> allowed_;
  // One-entry cache: allowed_ is the mask of masked_state_ when masked_ (inside a long string, or between
  // array items, consecutive states are often equal).
  JsonRecognizer masked_state_;
  bool masked_ = false;
};

}  // namespace glassbox::constrain
