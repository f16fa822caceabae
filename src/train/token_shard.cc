// Token shards: writing, validating on open, and sampling batches.
#include "train/token_shard.h"

#include <algorithm>
#include <cstring>

namespace glassbox::train {
namespace {

uint32_t read_u32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

Status write_token_shard(const std::string& path, std::span<const int32_t> tokens,
                         int64_t vocab_size) {
  if (vocab_size <= 0 || vocab_size > 65536)
    return invalid_argument(str_format("token shard '%s': vocab_size %lld does not fit uint16 ids",
                                       path.c_str(), (long long)vocab_size));
  std::vector<uint8_t> bytes(kTokenShardHeaderBytes + tokens.size() * 2, 0);
  const uint64_t n = tokens.size();
  put_u32(&bytes[0], kTokenShardMagic);
  put_u32(&bytes[4], kTokenShardVersion);
  put_u32(&bytes[8], static_cast<uint32_t>(vocab_size));
  put_u32(&bytes[12], static_cast<uint32_t>(n & 0xffffffffu));
  put_u32(&bytes[16], static_cast<uint32_t>(n >> 32));
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab_size)
      return invalid_argument(str_format("token shard '%s': token %zu is %d, outside [0, %lld)",
                                         path.c_str(), i, tokens[i], (long long)vocab_size));
    bytes[kTokenShardHeaderBytes + 2 * i] = static_cast<uint8_t>(tokens[i] & 0xff);
    bytes[kTokenShardHeaderBytes + 2 * i + 1] = static_cast<uint8_t>(tokens[i] >> 8);
  }
  return write_file_atomic(path, bytes.data(), bytes.size());
}

Result<TokenShard> TokenShard::open(const std::string& path) {
  TokenShard shard;
  GB_ASSIGN_OR_RETURN(shard.file_, MappedFile::open(path));
  const uint8_t* p = shard.file_.data();
  const uint64_t size = shard.file_.size();
  if (size < static_cast<uint64_t>(kTokenShardHeaderBytes))
    return data_loss(str_format("token shard '%s': %llu bytes, shorter than the %lld-byte header",
                                path.c_str(), (unsigned long long)size,
                                (long long)kTokenShardHeaderBytes));
  if (read_u32(p) != kTokenShardMagic)
    return data_loss(str_format("token shard '%s': magic 0x%08x, expected 0x%08x", path.c_str(),
                                read_u32(p), kTokenShardMagic));
  if (read_u32(p + 4) != kTokenShardVersion)
    return unimplemented(str_format("token shard '%s': version %u, expected %u", path.c_str(),
                                    read_u32(p + 4), kTokenShardVersion));
  shard.vocab_size_ = read_u32(p + 8);
  if (shard.vocab_size_ == 0 || shard.vocab_size_ > 65536)
    return data_loss(str_format("token shard '%s': vocab_size %lld is not in [1, 65536]",
                                path.c_str(), (long long)shard.vocab_size_));
  const uint64_t n = uint64_t{read_u32(p + 12)} | uint64_t{read_u32(p + 16)} << 32;
  if (n > (size - kTokenShardHeaderBytes) / 2 || size != kTokenShardHeaderBytes + 2 * n)
    return data_loss(
        str_format("token shard '%s': header says %llu tokens (%llu bytes), file has %llu",
                   path.c_str(), (unsigned long long)n,
                   (unsigned long long)(kTokenShardHeaderBytes + 2 * n), (unsigned long long)size));
  shard.n_tokens_ = static_cast<int64_t>(n);
  for (int64_t i = 0; i < shard.n_tokens_; ++i) {
    if (shard.token(i) >= shard.vocab_size_)
      return data_loss(
          str_format("token shard '%s': token %lld is %d, outside the vocabulary of %lld",
                     path.c_str(), (long long)i, shard.token(i), (long long)shard.vocab_size_));
  }
  return shard;
}

int32_t TokenShard::token(int64_t i) const {
  const uint8_t* q = file_.data() + kTokenShardHeaderBytes + 2 * i;
  return static_cast<int32_t>(q[0] | q[1] << 8);
}

Result<BatchSampler> BatchSampler::create(std::vector<const TokenShard*> shards, int64_t seq_len,
                                          uint64_t seed) {
  if (seq_len <= 0) return invalid_argument("batch sampler: seq_len must be positive");
  int64_t usable = 0;
  for (const TokenShard* s : shards) {
    if (s->vocab_size() != shards.front()->vocab_size())
      return invalid_argument(
          str_format("batch sampler: shard '%s' has vocabulary %lld, shard '%s' %lld",
                     s->path().c_str(), (long long)s->vocab_size(), shards.front()->path().c_str(),
                     (long long)shards.front()->vocab_size()));
    usable += std::max<int64_t>(0, s->n_tokens() - seq_len);
  }
  if (usable == 0)
    return invalid_argument(
        str_format("batch sampler: no shard holds %lld tokens, enough for one sequence of %lld and "
                   "its targets",
                   (long long)(seq_len + 1), (long long)seq_len));
  return BatchSampler(std::move(shards), seq_len, seed);
}

BatchSampler::BatchSampler(std::vector<const TokenShard*> shards, int64_t seq_len, uint64_t seed)
    : shards_(std::move(shards)), seq_len_(seq_len), rng_(seed) {
  int64_t total = 0;
  for (const TokenShard* s : shards_) {
    total += std::max<int64_t>(0, s->n_tokens() - seq_len_);
    starts_.push_back(total);
  }
}

void BatchSampler::next(int64_t batch, int32_t* inputs, int32_t* targets) {
  // Uniform over [0, total) by rejection, so that the draw is the same on every standard library.
  const uint64_t total = static_cast<uint64_t>(starts_.back());
  const uint64_t limit = UINT64_MAX - UINT64_MAX % total;
  for (int64_t b = 0; b < batch; ++b) {
    uint64_t r;
    do {
      r = rng_();
    } while (r >= limit);
    const int64_t pos = static_cast<int64_t>(r % total);
    const size_t shard_idx =
        std::upper_bound(starts_.begin(), starts_.end(), pos) - starts_.begin();
    const int64_t start = pos - (shard_idx == 0 ? 0 : starts_[shard_idx - 1]);
    const TokenShard& s = *shards_[shard_idx];
    for (int64_t t = 0; t < seq_len_; ++t) {
      inputs[b * seq_len_ + t] = s.token(start + t);
      targets[b * seq_len_ + t] = s.token(start + t + 1);
    }
  }
}

}  // namespace glassbox::train
