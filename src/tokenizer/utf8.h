// UTF-8 at the byte level: sequence lengths, strict validation for streaming, and the lenient
// re-encoding llama.cpp applies before byte-level BPE. No Unicode character properties here: those
// come from PCRE2 (see pre_tokenizer.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace glassbox::tokenizer::utf8 {

// The replacement character U+FFFD, encoded.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// How many bytes a sequence starting with `lead` claims, judged by its high nibble only (1 for
// ASCII and for stray continuation bytes, 2 for 0xC_/0xD_, 3 for 0xE_, 4 for 0xF_). This is the
// symbol-splitting rule of SentencePiece-style and byte-level BPE; it never validates.
size_t sequence_length(uint8_t lead);

// Appends the UTF-8 encoding of `code_point` (at most 0x10FFFF; larger values append U+FFFD).
void append_code_point(uint32_t code_point, std::string* out);

// Strict check of the sequence at the start of `bytes` (RFC 3629: no overlongs, no surrogates,
// nothing past U+10FFFF). Returns its length (1..4) when complete and valid, 0 when the first byte
// cannot start a valid sequence or a later byte breaks it, and -1 when `bytes` ends before the
// sequence does although every byte so far fits (wait for more).
int valid_sequence_length(std::string_view bytes);

// True when every byte of `text` belongs to a strictly valid sequence.
bool is_valid(std::string_view text);

// The code point form llama.cpp's byte-level BPE front end gives to arbitrary bytes: each sequence
// is decoded by its lead byte (continuation bytes checked, overlongs and surrogates accepted) and
// re-encoded; a byte that starts no decodable sequence becomes one U+FFFD and the scan resumes at
// the next byte. Valid UTF-8 comes back unchanged.
std::string lenient_reencode(std::string_view text);

}  // namespace glassbox::tokenizer::utf8
