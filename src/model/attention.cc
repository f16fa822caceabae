// Tiled attention with an online softmax over a KV cache read in place (see attention.h).
#include "model/attention.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <vector>

#include "base/check.h"

namespace glassbox::model {
namespace {

// kv positions per tile and query rows (query tokens x heads of one KV group) per task. At head_dim 64 a tile's
// decoded K, V and V^T are 32 KB each and the scores and accumulators 32 KB each: they stay in L2 while the
// tile is used; larger tiles measured no faster (docs/benchmarks.md, "Long-context attention").
constexpr int64_t kKvTile = 128;
constexpr int64_t kQueryRows = 64;
// Up to this many query rows (one-token decode: the KV group's heads) P V is accumulated position by position
// from V as stored; above it V is transposed once per tile and P V is a gemm_f32.
constexpr int64_t kAxpyMaxRows = 4;

// e^x for x <= 0, within 2e-7 relative; 0 below -86 (e^x < 2^-124, nothing next to the row's largest term,
// which is 1). x = k ln 2 + r with k = round(x / ln 2) and the Cody-Waite split of ln 2 (so r is nearly
// exact), |r| <= ln(2) / 2, e^r by its Taylor series to r^7 (truncation < 5e-9). Plain arithmetic without
// calls or branches, so that the loops over a tile vectorize (this file is built with -O3); std::exp per
// score cost as much as both matrix products together at head_dim 64.
inline float exp_nonpositive(float x) {
  const float clamped = x < -86.0f ? -86.0f : x;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding and subtracting it rounds to an integer
  const float shifted = clamped * 1.44269504f + shifter;
  const float k = shifted - shifter;
  float r = clamped - k * 0.693359375f;  // ln 2 = 0.693359375 (9 bits: k times it is exact) - 2.12194440e-4
  r = r + k * 2.12194440e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^k from exponent bits: the low mantissa bits of `shifted` hold k (k in [-125, 0]).
  const int32_t k_bits = std::bit_cast<int32_t>(shifted) - 0x4B400000;
  const float two_k = std::bit_cast<float>((k_bits + 127) << 23);
  return x < -86.0f ? 0.0f : p * two_k;
}

struct Scratch {
  std::vector<float> q;       // [n_rows, head_dim] the task's query rows, row r = token (r / group), head r % group
  std::vector<float> k;       // [kKvTile, head_dim] decoded keys of the tile
  std::vector<float> v;       // [kKvTile, head_dim_v] decoded values of the tile
  std::vector<float> vt;      // [head_dim_v + 1, kKvTile] the same, transposed for gemm_f32, then a row of ones
  std::vector<float> s;       // [n_rows, kKvTile] scores, then probabilities
  std::vector<float> o_tile;  // [n_rows, head_dim_v + 1] P V of the tile, then the row's sum of P
  std::vector<float> acc;     // [n_rows, head_dim_v] running output
  std::vector<float> m;       // [n_rows] running max of scaled scores
  std::vector<float> alpha;   // [n_rows] e^(m_old - m_new) of the current tile
  std::vector<double> l;      // [n_rows] running sum of exp(score - m)
};

// One task: the query tokens [t0, t1) of one chunk, every query head of one KV head.
struct Task {
  const AttentionChunk* chunk;
  int64_t kv_head;
  int64_t t0, t1;
};

class TaskRunner {
 public:
  TaskRunner(const AttentionShape& shape, int layer_idx, const kernels::KernelTable& table)
      : shape_(shape),
        layer_idx_(layer_idx),
        group_(shape.n_heads / shape.n_kv_heads),
        scale_(1.0f / std::sqrt(static_cast<float>(shape.head_dim))),
        gemm_(table.gemm_f32),
        table_(table) {}

  void run(const Task& task, Scratch& sc, float* pattern) const {
    const AttentionChunk& c = *task.chunk;
    const int64_t hdv = shape_.head_dim_v;
    const int64_t n_rows = (task.t1 - task.t0) * group_;
    pack_queries(task, sc);
    sc.s.resize(static_cast<size_t>(n_rows * kKvTile));
    sc.o_tile.resize(static_cast<size_t>(n_rows * (hdv + 1)));
    sc.acc.assign(static_cast<size_t>(n_rows * hdv), 0.0f);
    sc.m.assign(static_cast<size_t>(n_rows), -INFINITY);
    sc.alpha.resize(static_cast<size_t>(n_rows));
    sc.l.assign(static_cast<size_t>(n_rows), 0.0);
    sc.vt.resize(static_cast<size_t>((hdv + 1) * kKvTile));
    std::fill(sc.vt.begin() + hdv * kKvTile, sc.vt.end(), 1.0f);
    const int64_t kv_begin = first_visible(c.n_past + task.t0), kv_end = c.n_past + task.t1;
    for (int64_t j0 = kv_begin; j0 < kv_end; j0 += kKvTile) {
      const int64_t j1 = std::min(j0 + kKvTile, kv_end);
      scores(task, j0, j1, sc);
      for (int64_t r = 0; r < n_rows; ++r) online_softmax_row(task, r, j0, j1, sc);
      int64_t ld;
      const float* values = load_values(c, task.kv_head, j0, j1, sc, &ld);
      if (n_rows > kAxpyMaxRows) {
        transpose_values(values, ld, j1 - j0, sc);
        // Row hdv of vt is ones: column hdv of the product is each row's sum of probabilities.
        gemm_(hdv + 1, n_rows, j1 - j0, sc.vt.data(), kKvTile, sc.s.data(), kKvTile, sc.o_tile.data(), hdv + 1);
        for (int64_t r = 0; r < n_rows; ++r) {
          const float alpha = sc.alpha[static_cast<size_t>(r)];
          const float* o = sc.o_tile.data() + r * (hdv + 1);
          float* a = sc.acc.data() + r * hdv;
          for (int64_t d = 0; d < hdv; ++d) a[d] = a[d] * alpha + o[d];
          sc.l[static_cast<size_t>(r)] = sc.l[static_cast<size_t>(r)] * alpha + o[hdv];
        }
      } else {  // few rows (decode): transposing V would cost more than the product it feeds
        for (int64_t r = 0; r < n_rows; ++r) {
          const float alpha = sc.alpha[static_cast<size_t>(r)];
          const float* p = sc.s.data() + r * kKvTile;
          float* a = sc.acc.data() + r * hdv;
          if (alpha != 1.0f) {
            for (int64_t d = 0; d < hdv; ++d) a[d] *= alpha;
          }
          float sum = 0;
          for (int64_t j = 0; j < j1 - j0; ++j) {
            const float pj = p[j];
            const float* v = values + j * ld;
            sum += pj;
            for (int64_t d = 0; d < hdv; ++d) a[d] += pj * v[d];
          }
          sc.l[static_cast<size_t>(r)] = sc.l[static_cast<size_t>(r)] * alpha + sum;
        }
      }
    }
    const int64_t out_w = shape_.n_heads * hdv;
    for (int64_t r = 0; r < n_rows; ++r) {
      const int64_t t = task.t0 + r / group_, h = task.kv_head * group_ + r % group_;
      const float inv = static_cast<float>(1.0 / sc.l[static_cast<size_t>(r)]);
      const float* a = sc.acc.data() + r * hdv;
      float* o = c.out + t * out_w + h * hdv;
      for (int64_t d = 0; d < hdv; ++d) o[d] = a[d] * inv;
    }
    if (pattern != nullptr) write_pattern(task, sc, pattern);
  }

 private:
  int64_t first_visible(int64_t pos) const {
    return shape_.sliding_window > 0 ? std::max<int64_t>(0, pos - shape_.sliding_window + 1) : 0;
  }

  void pack_queries(const Task& task, Scratch& sc) const {
    const int64_t hd = shape_.head_dim, q_w = shape_.n_heads * hd;
    sc.q.resize(static_cast<size_t>((task.t1 - task.t0) * group_ * hd));
    float* dst = sc.q.data();
    for (int64_t t = task.t0; t < task.t1; ++t) {
      const float* src = task.chunk->q + t * q_w + task.kv_head * group_ * hd;
      dst = std::copy(src, src + group_ * hd, dst);  // the group's heads are adjacent in a query row
    }
  }

  // sc.s[r * kKvTile + (j - j0)] = q_r . k_j for j in [j0, j1), unscaled.
  void scores(const Task& task, int64_t j0, int64_t j1, Scratch& sc) const {
    const KvCache& cache = *task.chunk->cache;
    const int64_t hd = shape_.head_dim, len = j1 - j0;
    const int64_t n_rows = (task.t1 - task.t0) * group_;
    const float* keys;
    int64_t ld;
    if (cache.dtype() == tensor::DType::kF32) {  // rows of consecutive positions are kv_width apart
      keys = static_cast<const float*>(cache.key_row(layer_idx_, j0)) + task.kv_head * hd;
      ld = cache.kv_width();
    } else {
      const kernels::DequantizeRowFn decode = table_.of(cache.dtype()).dequantize_row;
      const size_t offset = tensor::row_bytes(cache.dtype(), task.kv_head * hd);
      sc.k.resize(static_cast<size_t>(kKvTile * hd));
      for (int64_t j = 0; j < len; ++j) {
        decode(static_cast<const uint8_t*>(cache.key_row(layer_idx_, j0 + j)) + offset, sc.k.data() + j * hd, hd);
      }
      keys = sc.k.data();
      ld = hd;
    }
    gemm_(len, n_rows, hd, keys, ld, sc.q.data(), hd, sc.s.data(), kKvTile);
  }

  // Turns row r's scores over [j0, j1) into e^(score * scale - m_new), zero where masked, where m_new is the
  // running max including this tile; sc.alpha[r] = e^(m_old - m_new) rescales what the row has so far.
  void online_softmax_row(const Task& task, int64_t r, int64_t j0, int64_t j1, Scratch& sc) const {
    const int64_t pos = task.chunk->n_past + task.t0 + r / group_;
    const int64_t lo = std::max(first_visible(pos), j0) - j0, hi = std::min(pos + 1, j1) - j0;
    float* row = sc.s.data() + r * kKvTile;
    const int64_t len = j1 - j0;
    const size_t ri = static_cast<size_t>(r);
    if (lo >= hi) {
      std::fill(row, row + len, 0.0f);
      sc.alpha[ri] = 1.0f;
      return;
    }
    // The max of the raw scores (scale > 0 keeps the order), in 8 independent lanes.
    float lanes[8];
    std::fill(lanes, lanes + 8, -INFINITY);
    int64_t j = lo;
    for (; j + 8 <= hi; j += 8) {
      for (int k = 0; k < 8; ++k) lanes[k] = lanes[k] > row[j + k] ? lanes[k] : row[j + k];
    }
    for (; j < hi; ++j) lanes[0] = lanes[0] > row[j] ? lanes[0] : row[j];
    float tile_max = lanes[0];
    for (int k = 1; k < 8; ++k) tile_max = std::max(tile_max, lanes[k]);
    const float m_old = sc.m[ri];
    const float m_new = std::max(m_old, tile_max * scale_);
    std::fill(row, row + lo, 0.0f);
    for (j = lo; j < hi; ++j) row[j] = exp_nonpositive(row[j] * scale_ - m_new);
    std::fill(row + hi, row + len, 0.0f);
    sc.alpha[ri] = m_old == -INFINITY ? 0.0f : std::exp(m_old - m_new);
    sc.m[ri] = m_new;
  }

  // The KV head's values of positions [j0, j1) as float rows [j1 - j0][head_dim_v], *ld apart: the cache itself
  // (F32) or sc.v (decoded).
  const float* load_values(const AttentionChunk& c, int64_t kv_head, int64_t j0, int64_t j1, Scratch& sc,
                           int64_t* ld) const {
    const KvCache& cache = *c.cache;
    const int64_t hdv = shape_.head_dim_v;
    if (cache.dtype() == tensor::DType::kF32) {
      *ld = cache.v_width();
      return static_cast<const float*>(cache.value_row(layer_idx_, j0)) + kv_head * hdv;
    }
    const kernels::DequantizeRowFn decode = table_.of(cache.dtype()).dequantize_row;
    const size_t offset = tensor::row_bytes(cache.dtype(), kv_head * hdv);
    sc.v.resize(static_cast<size_t>(kKvTile * hdv));
    for (int64_t j = 0; j < j1 - j0; ++j) {
      decode(static_cast<const uint8_t*>(cache.value_row(layer_idx_, j0 + j)) + offset, sc.v.data() + j * hdv, hdv);
    }
    *ld = hdv;
    return sc.v.data();
  }

  // sc.vt[d * kKvTile + j] = values[j * ld + d] for j < len, in blocks of 8 positions x 8 dims so that reads
  // and writes both stay within a few cache lines. Row hdv (ones) is set once per task.
  void transpose_values(const float* values, int64_t ld, int64_t len, Scratch& sc) const {
    const int64_t hdv = shape_.head_dim_v;
    float* vt = sc.vt.data();
    for (int64_t jb = 0; jb < len; jb += 8) {
      const int64_t je = std::min(jb + 8, len);
      for (int64_t db = 0; db < hdv; db += 8) {
        const int64_t de = std::min(db + 8, hdv);
        for (int64_t j = jb; j < je; ++j) {
          const float* src = values + j * ld;
          for (int64_t d = db; d < de; ++d) vt[d * kKvTile + j] = src[d];
        }
      }
    }
  }

  // The probabilities of the task's rows, [n_heads, n_tokens, n_past + n_tokens] (one chunk): the scores
  // recomputed tile by tile (the same gemm on the same tiles, so the same values) and normalized with the
  // final m and l.
  void write_pattern(const Task& task, Scratch& sc, float* pattern) const {
    const AttentionChunk& c = *task.chunk;
    const int64_t n_kv = c.n_past + c.n_tokens, n_rows = (task.t1 - task.t0) * group_;
    for (int64_t r = 0; r < n_rows; ++r) {
      const int64_t t = task.t0 + r / group_, h = task.kv_head * group_ + r % group_;
      float* row = pattern + (h * c.n_tokens + t) * n_kv;
      std::fill(row, row + n_kv, 0.0f);
    }
    const int64_t kv_begin = first_visible(c.n_past + task.t0), kv_end = c.n_past + task.t1;
    for (int64_t j0 = kv_begin; j0 < kv_end; j0 += kKvTile) {
      const int64_t j1 = std::min(j0 + kKvTile, kv_end);
      scores(task, j0, j1, sc);
      for (int64_t r = 0; r < n_rows; ++r) {
        const int64_t t = task.t0 + r / group_, h = task.kv_head * group_ + r % group_;
        const int64_t pos = c.n_past + t;
        const int64_t lo = std::max(first_visible(pos), j0), hi = std::min(pos + 1, j1);
        const float* s = sc.s.data() + r * kKvTile;
        float* row = pattern + (h * c.n_tokens + t) * n_kv;
        const float m = sc.m[static_cast<size_t>(r)];
        const double inv = 1.0 / sc.l[static_cast<size_t>(r)];
        for (int64_t j = lo; j < hi; ++j) {
          row[j] = static_cast<float>(std::exp(s[j - j0] * scale_ - m) * inv);
        }
      }
    }
  }

  const AttentionShape& shape_;
  int layer_idx_;
  int64_t group_;
  float scale_;
  kernels::GemmF32Fn gemm_;
  const kernels::KernelTable& table_;
};

}  // namespace

void attend(const AttentionShape& shape, int layer_idx, std::span<const AttentionChunk> chunks, ThreadPool& pool,
            const kernels::KernelTable& table, float* pattern) {
  GB_CHECK(shape.n_kv_heads > 0 && shape.n_heads % shape.n_kv_heads == 0);
  GB_CHECK(table.gemm_f32 != nullptr);
  GB_CHECK(pattern == nullptr || chunks.size() == 1);
  const int64_t group = shape.n_heads / shape.n_kv_heads;
  const int64_t tokens_per_task = std::max<int64_t>(1, kQueryRows / group);
  // Later query tiles see more positions: list them first so that the long tasks start first.
  thread_local std::vector<Task> tasks;
  tasks.clear();
  for (const AttentionChunk& c : chunks) {
    GB_CHECK(c.cache != nullptr && c.n_past + c.n_tokens <= c.cache->n_ctx());
    const int64_t n_tiles = (c.n_tokens + tokens_per_task - 1) / tokens_per_task;
    for (int64_t tile = n_tiles - 1; tile >= 0; --tile) {
      const int64_t t0 = tile * tokens_per_task, t1 = std::min(c.n_tokens, t0 + tokens_per_task);
      for (int64_t kv_head = 0; kv_head < shape.n_kv_heads; ++kv_head) tasks.push_back({&c, kv_head, t0, t1});
    }
  }
  const TaskRunner runner(shape, layer_idx, table);
  const int64_t n_tasks = static_cast<int64_t>(tasks.size());
  if (pool.n_threads() == 1 || n_tasks <= 1) {
    thread_local Scratch sc;
    for (const Task& task : tasks) runner.run(task, sc, pattern);
    return;
  }
  std::atomic<int64_t> next{0};
  const std::vector<Task>& all = tasks;
  pool.run_any([&](int, int) {
    thread_local Scratch sc;
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < n_tasks;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      runner.run(all[static_cast<size_t>(i)], sc, pattern);
    }
  });
}

}  // namespace glassbox::model
