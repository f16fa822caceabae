// Tiled attention with an online softmax over a KV cache read in place (see attention.h).
#include "model/attention.h"

#include <algorithm>
#include <atomic>
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

struct Scratch {
  std::vector<float> q;       // [n_rows, head_dim] the task's query rows, row r = token (r / group), head r % group
  std::vector<float> k;       // [kKvTile, head_dim] decoded keys of the tile
  std::vector<float> v;       // [kKvTile, head_dim_v] decoded values of the tile
  std::vector<float> vt;      // [head_dim_v, kKvTile] the same, transposed for gemm_f32
  std::vector<float> s;       // [n_rows, kKvTile] scores, then probabilities
  std::vector<float> o_tile;  // [n_rows, head_dim_v] P V of the tile
  std::vector<float> acc;     // [n_rows, head_dim_v] running output
  std::vector<float> m;       // [n_rows] running max of scaled scores
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
    sc.o_tile.resize(static_cast<size_t>(n_rows * hdv));
    sc.acc.assign(static_cast<size_t>(n_rows * hdv), 0.0f);
    sc.m.assign(static_cast<size_t>(n_rows), -INFINITY);
    sc.l.assign(static_cast<size_t>(n_rows), 0.0);
    sc.vt.resize(static_cast<size_t>(hdv * kKvTile));
    const int64_t kv_begin = first_visible(c.n_past + task.t0), kv_end = c.n_past + task.t1;
    for (int64_t j0 = kv_begin; j0 < kv_end; j0 += kKvTile) {
      const int64_t j1 = std::min(j0 + kKvTile, kv_end);
      scores(task, j0, j1, sc);
      for (int64_t r = 0; r < n_rows; ++r) online_softmax_row(task, r, j0, j1, sc);
      load_values_transposed(c, task.kv_head, j0, j1, sc);
      gemm_(hdv, n_rows, j1 - j0, sc.vt.data(), kKvTile, sc.s.data(), kKvTile, sc.o_tile.data(), hdv);
      for (size_t i = 0; i < sc.acc.size(); ++i) sc.acc[i] += sc.o_tile[i];
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

  // Turns row r's scores over [j0, j1) into exp(score * scale - m') with zeros where masked, and folds the
  // tile into the row's running max, sum and accumulator.
  void online_softmax_row(const Task& task, int64_t r, int64_t j0, int64_t j1, Scratch& sc) const {
    const int64_t pos = task.chunk->n_past + task.t0 + r / group_;
    const int64_t lo = std::max(first_visible(pos), j0), hi = std::min(pos + 1, j1);
    float* row = sc.s.data() + r * kKvTile;
    const int64_t len = j1 - j0;
    if (lo >= hi) {
      std::fill(row, row + len, 0.0f);
      return;
    }
    const size_t ri = static_cast<size_t>(r);
    const float m_old = sc.m[ri];
    float m_new = m_old;
    for (int64_t j = lo - j0; j < hi - j0; ++j) {
      row[j] *= scale_;
      m_new = std::max(m_new, row[j]);
    }
    float sum = 0;
    std::fill(row, row + (lo - j0), 0.0f);
    for (int64_t j = lo - j0; j < hi - j0; ++j) {
      row[j] = std::exp(row[j] - m_new);
      sum += row[j];
    }
    std::fill(row + (hi - j0), row + len, 0.0f);
    const float alpha = std::exp(m_old - m_new);  // 0 on the row's first tile (m_old = -inf)
    sc.l[ri] = sc.l[ri] * alpha + sum;
    sc.m[ri] = m_new;
    if (alpha != 1.0f) {
      float* a = sc.acc.data() + r * shape_.head_dim_v;
      for (int64_t d = 0; d < shape_.head_dim_v; ++d) a[d] *= alpha;
    }
  }

  // sc.vt[d * kKvTile + (j - j0)] = v_j[d] of the KV head, for j in [j0, j1).
  void load_values_transposed(const AttentionChunk& c, int64_t kv_head, int64_t j0, int64_t j1, Scratch& sc) const {
    const KvCache& cache = *c.cache;
    const int64_t hdv = shape_.head_dim_v, len = j1 - j0;
    const float* values;
    int64_t ld;
    if (cache.dtype() == tensor::DType::kF32) {
      values = static_cast<const float*>(cache.value_row(layer_idx_, j0)) + kv_head * hdv;
      ld = cache.v_width();
    } else {
      const kernels::DequantizeRowFn decode = table_.of(cache.dtype()).dequantize_row;
      const size_t offset = tensor::row_bytes(cache.dtype(), kv_head * hdv);
      sc.v.resize(static_cast<size_t>(kKvTile * hdv));
      for (int64_t j = 0; j < len; ++j) {
        decode(static_cast<const uint8_t*>(cache.value_row(layer_idx_, j0 + j)) + offset, sc.v.data() + j * hdv, hdv);
      }
      values = sc.v.data();
      ld = hdv;
    }
    // Blocks of 8 positions x 8 dims so that reads and writes both stay within a few cache lines.
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
