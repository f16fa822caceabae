// The GPT-2 byte-level alphabet: every byte 0..255 stands for one printable code point, so a
// byte-level BPE vocabulary can spell any byte string with ordinary characters ("Ġ" is the space
// byte 0x20, "Ċ" is 0x0A). The mapping is the one from OpenAI's GPT-2 encoder: printable Latin-1
// bytes (0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF) stand for themselves; the other 68 bytes, in increasing
// order, take U+0100, U+0101, ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace glassbox::tokenizer::byte_level {

// The UTF-8 text of the code point standing for `byte`.
std::string_view encode_byte(uint8_t byte);

// Appends the byte-level spelling of raw bytes.
void encode(std::string_view raw, std::string* out);

// Undoes encode(): appends the byte each code point of `text` stands for. A code point outside the
// alphabet (or a malformed sequence) is appended unchanged, and the result is then false.
bool decode(std::string_view text, std::string* out);

}  // namespace glassbox::tokenizer::byte_level
