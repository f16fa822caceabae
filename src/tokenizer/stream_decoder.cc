// StreamDecoder: holds back incomplete UTF-8 characters between tokens.
#include "tokenizer/stream_decoder.h"

#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace glassbox::tokenizer {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

std::string StreamDecoder::push(int32_t id) {
  pending_ += tokenizer_.token_piece(id);
  std::string out;
  size_t pos = 0;
  while (pos < pending_.size()) {
    const int n = utf8::valid_sequence_length(std::string_view(pending_).substr(pos));
    if (n < 0) break;  // a valid start whose remaining bytes have not arrived yet
    if (n == 0) {
      out.append(utf8::kReplacement);
      ++pos;
      continue;
    }
    out.append(pending_, pos, static_cast<size_t>(n));
    pos += static_cast<size_t>(n);
  }
  pending_.erase(0, pos);
  return out;
}

std::string StreamDecoder::flush() {
  if (pending_.empty()) return "";
  pending_.clear();
  return std::string(utf8::kReplacement);
}

}  // namespace glassbox::tokenizer
