// JsonRecognizer: a byte-level pushdown recognizer for the JSON values a compiled JsonSchema accepts.
//
// State: a set of stacks of frames (one per live anyOf alternative; usually one). advance(byte) moves every
// stack and drops those that reject; the byte is allowed when one survives. The language is UTF-8 JSON text
// for the schema: the value with no whitespace before or after it (clients parse partial JSON as it streams,
// and the Anthropic SDK fails on a whitespace-only prefix); between structural characters one
// whitespace run at most: a single ' ' or '\t', or '\n' plus up to kMaxIndent spaces or tabs, so a model can
// write compact or pretty-printed JSON but cannot loop on whitespace. Strings are valid
// UTF-8 (no overlong forms, no surrogates) with escapes, \u surrogates only as pairs.
//
// Cost: advance() is a few dozen nanoseconds on one stack; copy_from() reuses capacity (no allocation once
// warm), which the token mask relies on. Not thread-safe; copies are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "constrain/json_schema.h"

namespace glassbox::constrain {

inline constexpr int kMaxIndent = 20;      // spaces or tabs after a newline in one whitespace run
inline constexpr size_t kMaxDepth = 64;     // frames in one stack (nesting of the generated value)
inline constexpr size_t kMaxStacks = 128;   // live alternatives kept (tool_choice any: one per tool at first)

struct Frame {
  const SchemaNode* node = nullptr;  // nullptr: the root frame
  uint32_t a = 0;    // object: property index; array: items; string: characters; number: digits; literal: lo
  uint32_t b = 0;    // object key: candidate property matched so far; literal: hi
  uint16_t pos = 0;  // object key / literal: bytes matched
  uint8_t phase = 0;
  uint8_t ws = 0;    // whitespace run: bytes so far, 0x80 set when it began with a newline
  uint8_t sub = 0;   // string: continuation bytes or hex digits left
  uint8_t lo = 0;    // string: allowed range of the next UTF-8 continuation byte
  uint8_t hi = 0;
  bool operator==(const Frame&) const = default;
};

class JsonRecognizer {
 public:
  explicit JsonRecognizer(std::shared_ptr<const JsonSchema> schema);

  // Consumes one byte; false when no stack accepts it (the recognizer is then dead()).
  bool advance(uint8_t byte);
  // Consumes bytes in order; false at the first one refused.
  bool advance(std::string_view bytes);

  // The bytes so far are a whole value (the text may end here).
  bool complete() const;
  // Complete, and no byte may follow.
  bool finished() const;
  bool dead() const { return n_stacks_ == 0; }

  // Whether both would accept exactly the same continuations because their stacks are equal (same order).
  bool same_state(const JsonRecognizer& other) const;
  // Becomes a copy of `other` (same schema), reusing this object's buffers.
  void copy_from(const JsonRecognizer& other);

 private:
  using Stack = std::vector<Frame>;
  bool feed(Stack& stack, uint8_t byte);
  void dedup();

  std::shared_ptr<const JsonSchema> schema_;
  std::vector<Stack> stacks_;  // [0, n_stacks_) are live; the rest keep capacity for reuse
  size_t n_stacks_ = 0;
  std::vector<Stack> forks_;   // stacks created by anyOf during one advance()
  size_t n_forks_ = 0;
};

}  // namespace glassbox::constrain
