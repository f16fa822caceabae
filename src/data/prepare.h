// prepare_data: a corpus of text documents → uint16 token shards (train and validation splits,
// split by document) + manifest.json + the tokenizer as a GGUF vocabulary, for `glassbox train`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "train/token_shard.h"

namespace glassbox::data {

struct PrepareOptions {
  std::vector<std::string> inputs;  // folders, text files, tar archives (see list_documents)
  std::string tokenizer;            // tokenizer.json, a folder holding one, or a .gguf
  std::string out_dir;
  std::string val_docs_file;  // names of validation documents, one per line; "" = val_frac
  double val_frac = 0.03;     // used without val_docs_file: a document is in validation
                              // when FNV-1a(name) / 2^64 < val_frac (at least one document)
  int64_t shard_tokens = int64_t{1} << 26;  // a new shard starts past this many tokens
  std::string eot_token = "<|endoftext|>";
  int threads = 0;  // 0 = all cores
};

struct PrepareSummary {
  int64_t documents[2] = {0, 0};  // train, val
  int64_t tokens[2] = {0, 0};
  int64_t bytes = 0;    // text bytes encoded
  int64_t skipped = 0;  // empty or binary documents left out
  int64_t vocab_size = 0;
};

// Each kept document becomes [eot] + encode(text) (specials in the text stay plain text), as the
// reference encodes every book as [0] + tokens(book); documents are concatenated per split.
// Writes into out_dir (created): train-NNNNN.bin, val-NNNNN.bin (token_shard.h format),
// tokenizer.gguf (tokenizer.ggml.* only, what `glassbox train` embeds in model.gguf), and
// manifest.json last: format "glassbox-token-shards", the tokenizer's source path, vocab size,
// eot id and FNV-1a 64 checksum of its source file, and per split the document count, token count,
// document names (val) and each shard's file, token count and FNV-1a 64 checksum of its bytes.
// Every file is written through a temporary file and a rename.
// `warn` receives one line per skipped document (empty, NUL bytes, invalid UTF-8).
// Errors: a missing or unsupported tokenizer, a vocabulary above 65536 (uint16 shards), no
// eot token, validation names that match no document, an empty split, nothing left to encode.
Result<PrepareSummary> prepare_data(const PrepareOptions& options,
                                    const std::function<void(const std::string&)>& warn);

// Shards listed by a manifest.json, opened and checked against its token counts and checksums.
struct PreparedData {
  std::string dir;
  std::string tokenizer_gguf;  // "" when the manifest names none
  int64_t vocab_size = 0;
  std::vector<train::TokenShard> train, val;
};
// `path`: the folder prepare_data wrote, or its manifest.json. Errors name the file and the
// mismatch (missing shard, wrong checksum, vocabulary differing from the manifest's).
Result<PreparedData> open_prepared(const std::string& path);

}  // namespace glassbox::data
