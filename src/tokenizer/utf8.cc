// UTF-8 byte-level helpers.
#include "tokenizer/utf8.h"

#include "base/utf8_encode.h"

namespace glassbox::tokenizer::utf8 {

size_t sequence_length(uint8_t lead) {
  static constexpr uint8_t kByHighNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByHighNibble[lead >> 4];
}

void append_code_point(uint32_t code_point, std::string* out) { append_utf8(*out, code_point); }

int valid_sequence_length(std::string_view bytes) {
  if (bytes.empty()) return -1;
  const auto b0 = static_cast<uint8_t>(bytes[0]);
  if (b0 < 0x80) return 1;
  int length = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte (RFC 3629 table)
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (int k = 1; k < length; ++k) {
    if (static_cast<size_t>(k) >= bytes.size()) return -1;
    const auto b = static_cast<uint8_t>(bytes[k]);
    const uint8_t min = k == 1 ? lo : 0x80;
    const uint8_t max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return 0;
  }
  return length;
}

bool is_valid(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const auto b = static_cast<uint8_t>(text[pos]);
    if (b < 0x80) {
      ++pos;
      continue;
    }
    const int n = valid_sequence_length(text.substr(pos));
    if (n <= 0) return false;
    pos += static_cast<size_t>(n);
  }
  return true;
}

std::string lenient_reencode(std::string_view text) {
  if (is_valid(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  size_t pos = 0;
  auto continuation = [&](size_t k) {
    return pos + k < text.size() && (static_cast<uint8_t>(text[pos + k]) & 0xC0) == 0x80;
  };
  while (pos < text.size()) {
    const auto b0 = static_cast<uint8_t>(text[pos]);
    uint32_t cp = 0;
    size_t n = 0;
    if (b0 < 0x80) {
      cp = b0;
      n = 1;
    } else if ((b0 & 0xE0) == 0xC0 && continuation(1)) {
      cp = ((b0 & 0x1Fu) << 6) | (static_cast<uint8_t>(text[pos + 1]) & 0x3Fu);
      n = 2;
    } else if ((b0 & 0xF0) == 0xE0 && continuation(1) && continuation(2)) {
      cp = ((b0 & 0x0Fu) << 12) | ((static_cast<uint8_t>(text[pos + 1]) & 0x3Fu) << 6) |
           (static_cast<uint8_t>(text[pos + 2]) & 0x3Fu);
      n = 3;
    } else if ((b0 & 0xF8) == 0xF0 && continuation(1) && continuation(2) && continuation(3)) {
      cp = ((b0 & 0x07u) << 18) | ((static_cast<uint8_t>(text[pos + 1]) & 0x3Fu) << 12) |
           ((static_cast<uint8_t>(text[pos + 2]) & 0x3Fu) << 6) | (static_cast<uint8_t>(text[pos + 3]) & 0x3Fu);
      n = 4;
    }
    if (n == 0) {
      out.append(kReplacement);
      ++pos;
      continue;
    }
    append_code_point(cp, &out);
    pos += n;
  }
  return out;
}

}  // namespace glassbox::tokenizer::utf8
