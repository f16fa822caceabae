// Token shards: a corpus tokenized once into files of uint16 token ids, and a seeded sampler of
// training batches.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::train {

// File layout (little-endian): a 1024-byte header of 256 uint32 words — [0] magic 0x4B544247
// ("GBTK"), [1] version 1, [2] vocab_size, [3] n_tokens low 32 bits, [4] n_tokens high 32 bits, the
// rest zero — then n_tokens uint16 token ids. Vocabularies up to 65536 tokens.
constexpr uint32_t kTokenShardMagic = 0x4B544247;
constexpr uint32_t kTokenShardVersion = 1;
constexpr int64_t kTokenShardHeaderBytes = 1024;

// Writes `tokens` (each in [0, vocab_size), vocab_size <= 65536) atomically. Errors name the path
// and the first bad token.
Status write_token_shard(const std::string& path, std::span<const int32_t> tokens,
                         int64_t vocab_size);

// A memory-mapped shard, validated on open (magic, version, size matching n_tokens, every token
// below vocab_size). Read-only and thread-safe after open.
class TokenShard {
 public:
  static Result<TokenShard> open(const std::string& path);

  int64_t n_tokens() const { return n_tokens_; }
  int64_t vocab_size() const { return vocab_size_; }
  const std::string& path() const { return file_.path(); }
  int32_t token(int64_t i) const;  // i in [0, n_tokens)

 private:
  MappedFile file_;
  int64_t n_tokens_ = 0;
  int64_t vocab_size_ = 0;
};

// Draws training batches at uniformly random positions across shards (a position's chance is
// proportional to its shard's usable length), as the reference sweep's "batch 64 × 256 tokens drawn
// at random positions". The same shards, seq_len and seed give the same batches. Shards are
// borrowed and must outlive the sampler.
class BatchSampler {
 public:
  // Errors: no shard long enough for one sequence (seq_len + 1 tokens), shards with different
  // vocabularies.
  static Result<BatchSampler> create(std::vector<const TokenShard*> shards, int64_t seq_len,
                                     uint64_t seed);

  // inputs, targets: [batch, seq_len]; targets are the inputs shifted by one token.
  void next(int64_t batch, int32_t* inputs, int32_t* targets);
  int64_t seq_len() const { return seq_len_; }

 private:
  BatchSampler(std::vector<const TokenShard*> shards, int64_t seq_len, uint64_t seed);

  std::vector<const TokenShard*> shards_;
  std::vector<int64_t> starts_;  // cumulative count of valid start positions, one entry per shard
  int64_t seq_len_;
  std::mt19937_64 rng_;
};

}  // namespace glassbox::train
