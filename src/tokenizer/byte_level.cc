// GPT-2 byte <-> code point mapping.
#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace glassbox::tokenizer::byte_level {
namespace {

bool stands_for_itself(int byte) {
  return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

struct Tables {
  std::array<std::string, 256> byte_to_text;
  std::array<int16_t, 256 + 68> code_point_to_byte;  // -1: not in the alphabet
  Tables() {
    code_point_to_byte.fill(-1);
    int n_shifted = 0;
    for (int byte = 0; byte < 256; ++byte) {
      const int cp = stands_for_itself(byte) ? byte : 256 + n_shifted++;
      utf8::append_code_point(static_cast<uint32_t>(cp), &byte_to_text[byte]);
      code_point_to_byte[cp] = static_cast<int16_t>(byte);
    }
  }
};

const Tables& tables() {
  static const Tables kTables;
  return kTables;
}

}  // namespace

std::string_view encode_byte(uint8_t byte) { return tables().byte_to_text[byte]; }

void encode(std::string_view raw, std::string* out) {
  const Tables& t = tables();
  out->reserve(out->size() + raw.size() * 2);
  for (char c : raw) out->append(t.byte_to_text[static_cast<uint8_t>(c)]);
}

bool decode(std::string_view text, std::string* out) {
  const Tables& t = tables();
  bool all_mapped = true;
  size_t pos = 0;
  while (pos < text.size()) {
    const int n = utf8::valid_sequence_length(text.substr(pos));
    if (n <= 0) {
      out->push_back(text[pos]);
      all_mapped = false;
      ++pos;
      continue;
    }
    uint32_t cp = static_cast<uint8_t>(text[pos]);
    if (n == 2) {
      cp = ((cp & 0x1Fu) << 6) | (static_cast<uint8_t>(text[pos + 1]) & 0x3Fu);
    } else if (n > 2) {
      cp = 0x110000;  // three- and four-byte code points are all outside the alphabet
    }
    if (cp < t.code_point_to_byte.size() && t.code_point_to_byte[cp] >= 0) {
      out->push_back(static_cast<char>(t.code_point_to_byte[cp]));
    } else {
      out->append(text.substr(pos, static_cast<size_t>(n)));
      all_mapped = false;
    }
    pos += static_cast<size_t>(n);
  }
  return all_mapped;
}

}  // namespace glassbox::tokenizer::byte_level
