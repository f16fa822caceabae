// Test support: small hand-built vocabularies for unit tests that need no fixture files.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_spec.h"

namespace glassbox::tokenizer::testing {

// A SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF> (ids
// 3..258), then `pieces` (text, score) from id 259. Spaces in piece texts are written as ' ' here
// and stored as '▁'.
inline TokenizerSpec spm_spec(const std::vector<std::pair<std::string, float>>& pieces) {
  TokenizerSpec spec;
  spec.kind = TokenizerKind::kSpm;
  spec.tokens.push_back({"<unk>", 0.0f, kAttrUnknown});
  spec.tokens.push_back({"<s>", 0.0f, kAttrControl});
  spec.tokens.push_back({"</s>", 0.0f, kAttrControl});
  for (int b = 0; b < 256; ++b) spec.tokens.push_back({str_format("<0x%02X>", b), 0.0f, kAttrByte});
  for (const auto& [text, score] : pieces) spec.tokens.push_back({escape_whitespace(text), score, kAttrNormal});
  spec.special.unk = 0;
  spec.special.bos = 1;
  spec.special.eos = 2;
  return spec;
}

inline constexpr int32_t kFirstSpmPiece = 259;

// A byte-level vocabulary: the 256 byte characters in byte order (id = byte), then `extra` texts
// (written as raw bytes, stored in the byte alphabet) from id 256; merges likewise as raw bytes.
inline TokenizerSpec byte_level_spec(const std::vector<std::string>& extra,
                                     const std::vector<std::pair<std::string, std::string>>& merges,
                                     std::string pre_tokenizer = "gpt-2") {
  TokenizerSpec spec;
  spec.kind = TokenizerKind::kBpe;
  spec.add_space_prefix = false;
  spec.pre_tokenizer = std::move(pre_tokenizer);
  auto spell = [](const std::string& raw) {
    std::string out;
    byte_level::encode(raw, &out);
    return out;
  };
  for (int b = 0; b < 256; ++b) spec.tokens.push_back({std::string(byte_level::encode_byte(static_cast<uint8_t>(b))), 0.0f, kAttrNormal});
  for (const auto& text : extra) spec.tokens.push_back({spell(text), 0.0f, kAttrNormal});
  for (const auto& [left, right] : merges) spec.merges.emplace_back(spell(left), spell(right));
  return spec;
}

inline std::unique_ptr<Tokenizer> build(TokenizerSpec spec) {
  auto tok = Tokenizer::from_spec(std::move(spec));
  return tok.ok() ? std::move(tok).value() : nullptr;
}

}  // namespace glassbox::tokenizer::testing
