// StreamDecoder: turns generated token ids into text as they arrive, emitting only whole UTF-8
// characters: a character whose bytes span several tokens (byte-fallback tokens, byte-level pieces
// of an emoji) is held back until its last byte arrives.
#pragma once

#include <cstdint>
#include <string>

namespace glassbox::tokenizer {

class Tokenizer;

class StreamDecoder {
 public:
  // `tokenizer` must outlive the decoder. One decoder per stream; not thread-safe.
  explicit StreamDecoder(const Tokenizer& tokenizer);

  // The text that became complete with token `id` (often "", never a partial character). Bytes that
  // can never form a valid character are replaced by U+FFFD, so every output is valid UTF-8.
  // Pieces are emitted as token_piece() gives them (no leading-space removal: generated text
  // continues a prompt).
  std::string push(int32_t id);
  // Ends the stream: any held-back incomplete character comes out as U+FFFD.
  std::string flush();

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;  // bytes of an incomplete character, at most 3
};

}  // namespace glassbox::tokenizer
