// Tiled attention with an online softmax over a KV cache read in place (see attention.h).
#include "model/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "base/check.h"
#include "base/vec_exp.h"

namespace glassbox::model {
namespace {

// Prompt tasks (one KV head, a tile of query rows): kv positions per tile and query rows (tokens x the KV
// group's heads) per task. At head_dim 64 a tile's decoded K, K^T and V are 64 KB each and the scores 128 KB:
// they stay in L2 while the tile is used. Measured (bench/model/attention_bench, 512 tokens after 3584):
// 256 x 128 was 10-25% faster than 128 x 64 or 64 x 32, and no slower than 128 x 128 or 256 x 64.
constexpr int64_t kKvTile = 256;
constexpr int64_t kQueryRows = 128;
// From this many query rows a prompt task's scores come from K^T (the tile transposed once, then the k-major
// gemm, no horizontal sums); below it the transpose would cost more than it saves and gemm_f32 reads K as
// stored.
constexpr int64_t kTransposeMinRows = 8;
// Row stride of K^T: not a multiple of 1 KB, so that the kernel's walk down its rows does not keep hitting the
// same few L1 sets.
constexpr int64_t kKtStride = kKvTile + 16;
// Decode tasks (a chunk of at most kDecodeMaxTokens tokens, every head, a segment of positions): whole cache
// rows are decoded, kDecodeTile at a time, so the cache streams from memory sequentially (a per-KV-head slice
// is a few cache lines per row, which the hardware prefetchers do not follow: 3-4x slower at 16k positions).
// A chunk's visible positions are split into segments of about kSegment positions, run as separate tasks
// (a lone sequence's decode uses every thread) and merged by the last one to finish. The split depends on
// the chunk alone, so a sequence's output does not depend on the thread count or on what shares the step.
constexpr int64_t kDecodeMaxTokens = 2;
constexpr int64_t kDecodeTile = 64;
constexpr int64_t kSegment = 1024;

struct Scratch {
  std::vector<float> q;       // [n_rows, head_dim] a prompt task's query rows: token r / group, head r % group
  std::vector<float> k;       // [tile, head_dim or kv_width] decoded keys
  std::vector<float> v;       // [tile, head_dim_v or v_width] decoded values
  std::vector<float> kt;      // [head_dim, kKtStride] a prompt task's keys transposed (K^T)
  std::vector<float> s;       // [n_rows, kKvTile] scores, then probabilities
  std::vector<float> acc;     // [n_rows, head_dim_v] running output
  std::vector<float> m;       // [n_rows] running max of scaled scores
  std::vector<float> alpha;   // [n_rows] e^(m_old - m_new) of the current tile
  std::vector<double> l;      // [n_rows] running sum of e^(score - m)
};

// A decode chunk's state across its segments: partial (acc, m, l) per segment, merged by the last one.
struct DecodeChunk {
  const AttentionChunk* chunk;
  int64_t n_segments;
  float* partial_acc;                // [n_segments, n_rows, head_dim_v]
  float* partial_m;                  // [n_segments, n_rows]
  double* partial_l;                 // [n_segments, n_rows]
  std::atomic<int64_t>* remaining;   // segments not yet finished
};

// A prompt task (decode == nullptr): the query tokens [t0, t1) of one chunk, every query head of one KV head;
// pattern_only: the probabilities only (observers), no output. A decode task: every query row of
// decode->chunk, positions [s0, s1), segment `segment`.
struct Task {
  const AttentionChunk* chunk;
  int64_t kv_head = 0;
  int64_t t0 = 0, t1 = 0;
  bool pattern_only = false;
  DecodeChunk* decode = nullptr;
  int64_t segment = 0, s0 = 0, s1 = 0;
};

class Attention {
 public:
  Attention(const AttentionShape& shape, int layer_idx, const kernels::KernelTable& table)
      : shape_(shape),
        layer_idx_(layer_idx),
        group_(shape.n_heads / shape.n_kv_heads),
        scale_(1.0f / std::sqrt(static_cast<float>(shape.head_dim))),
        gemm_(table.gemm_f32),
        gemm_kmajor_(table.gemm_f32_kmajor),
        table_(table) {}

  int64_t first_visible(int64_t pos) const {
    return shape_.sliding_window > 0 ? std::max<int64_t>(0, pos - shape_.sliding_window + 1) : 0;
  }

  void run(const Task& task, Scratch& sc, float* pattern) const {
    if (task.decode != nullptr) {
      run_decode(task, sc);
    } else if (task.pattern_only) {
      run_pattern(task, sc, pattern);
    } else {
      run_prompt(task, sc);
    }
  }

 private:
  // ---- prompt tasks

  void run_prompt(const Task& task, Scratch& sc) const {
    const AttentionChunk& c = *task.chunk;
    const int64_t hdv = shape_.head_dim_v;
    const int64_t n_rows = (task.t1 - task.t0) * group_;
    pack_queries(task, sc);
    reset_rows(n_rows, sc);
    const int64_t kv_begin = first_visible(c.n_past + task.t0), kv_end = c.n_past + task.t1;
    for (int64_t j0 = kv_begin; j0 < kv_end; j0 += kKvTile) {
      const int64_t j1 = std::min(j0 + kKvTile, kv_end);
      prompt_scores(task, j0, j1, sc);
      for (int64_t r = 0; r < n_rows; ++r) {
        softmax_tile(c.n_past + task.t0 + r / group_, r, j0, j1, sc);
        rescale_row(r, sc);
      }
      // acc += P V with V as stored: the k-major gemm over the tile's positions.
      int64_t ld;
      const float* values = rows_of(c, /*keys=*/false, j0, j1, task.kv_head * hdv, hdv, &sc.v, &ld);
      gemm_kmajor_(hdv, n_rows, j1 - j0, values, ld, sc.s.data(), kKvTile, sc.acc.data(), hdv, /*accumulate=*/true);
    }
    for (int64_t r = 0; r < n_rows; ++r) {
      const int64_t t = task.t0 + r / group_, h = task.kv_head * group_ + r % group_;
      write_output(sc.acc.data() + r * hdv, sc.l[static_cast<size_t>(r)], c.out + (t * shape_.n_heads + h) * hdv);
    }
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

  // sc.s[r * kKvTile + (j - j0)] = q_r . k_j for j in [j0, j1), unscaled. The same task and tile always take
  // the same path, so run_pattern's second pass reproduces the scores exactly.
  void prompt_scores(const Task& task, int64_t j0, int64_t j1, Scratch& sc) const {
    const int64_t hd = shape_.head_dim, n_rows = (task.t1 - task.t0) * group_, len = j1 - j0;
    int64_t ld;
    const float* keys = rows_of(*task.chunk, /*keys=*/true, j0, j1, task.kv_head * hd, hd, &sc.k, &ld);
    if (n_rows < kTransposeMinRows) {
      gemm_(len, n_rows, hd, keys, ld, sc.q.data(), hd, sc.s.data(), kKvTile);
      return;
    }
    sc.kt.resize(static_cast<size_t>(hd * kKtStride));
    transpose_keys(keys, ld, len, sc.kt.data());
    gemm_kmajor_(len, n_rows, hd, sc.kt.data(), kKtStride, sc.q.data(), hd, sc.s.data(), kKvTile,
                 /*accumulate=*/false);
  }

  // kt[d * kKtStride + j] = keys[j * ld + d] for j < len, in blocks of 8 positions x 8 dims so that reads and
  // writes both stay within a few cache lines.
  void transpose_keys(const float* keys, int64_t ld, int64_t len, float* kt) const {
    const int64_t hd = shape_.head_dim;
    for (int64_t jb = 0; jb < len; jb += 8) {
      const int64_t je = std::min(jb + 8, len);
      for (int64_t db = 0; db < hd; db += 8) {
        const int64_t de = std::min(db + 8, hd);
        for (int64_t j = jb; j < je; ++j) {
          const float* src = keys + j * ld;
          for (int64_t d = db; d < de; ++d) kt[d * kKtStride + j] = src[d];
        }
      }
    }
  }

  // The probabilities of the task's rows into pattern [n_heads, n_tokens, n_past + n_tokens] (one chunk), apart
  // from the output so that observing never changes it: one pass for each row's max m and sum l (softmax_tile
  // without V), a second that recomputes the scores (the same gemm on the same tiles, so the same
  // values) and writes e^(score - m) / l, zero where masked.
  void run_pattern(const Task& task, Scratch& sc, float* pattern) const {
    const AttentionChunk& c = *task.chunk;
    const int64_t n_kv = c.n_past + c.n_tokens, n_rows = (task.t1 - task.t0) * group_;
    pack_queries(task, sc);
    reset_rows(n_rows, sc);
    for (int64_t j0 = first_visible(c.n_past + task.t0); j0 < c.n_past + task.t1; j0 += kKvTile) {
      const int64_t j1 = std::min(j0 + kKvTile, c.n_past + task.t1);
      prompt_scores(task, j0, j1, sc);
      for (int64_t r = 0; r < n_rows; ++r) softmax_tile(c.n_past + task.t0 + r / group_, r, j0, j1, sc);
    }
    for (int64_t r = 0; r < n_rows; ++r) {
      const int64_t t = task.t0 + r / group_, h = task.kv_head * group_ + r % group_;
      float* row = pattern + (h * c.n_tokens + t) * n_kv;
      std::fill(row, row + n_kv, 0.0f);
    }
    const int64_t kv_begin = first_visible(c.n_past + task.t0), kv_end = c.n_past + task.t1;
    for (int64_t j0 = kv_begin; j0 < kv_end; j0 += kKvTile) {
      const int64_t j1 = std::min(j0 + kKvTile, kv_end);
      prompt_scores(task, j0, j1, sc);
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

  // ---- decode tasks

  // Rows are (token t, head h) -> t * n_heads + h, so the rows of one KV group and token are adjacent.
  void run_decode(const Task& task, Scratch& sc) const {
    const AttentionChunk& c = *task.chunk;
    const int64_t hd = shape_.head_dim, hdv = shape_.head_dim_v, n_heads = shape_.n_heads;
    const int64_t n_rows = c.n_tokens * n_heads;
    reset_rows(n_rows, sc);
    for (int64_t j0 = task.s0; j0 < task.s1; j0 += kDecodeTile) {
      const int64_t j1 = std::min(j0 + kDecodeTile, task.s1);
      int64_t ld_k, ld_v;
      const float* keys = rows_of(c, /*keys=*/true, j0, j1, 0, c.cache->kv_width(), &sc.k, &ld_k);
      for (int64_t kv_h = 0; kv_h < shape_.n_kv_heads; ++kv_h) {
        for (int64_t t = 0; t < c.n_tokens; ++t) {
          const int64_t r0 = t * n_heads + kv_h * group_;
          gemm_(j1 - j0, group_, hd, keys + kv_h * hd, ld_k, c.q + r0 * hd, hd, sc.s.data() + r0 * kKvTile, kKvTile);
        }
      }
      for (int64_t r = 0; r < n_rows; ++r) {
        softmax_tile(c.n_past + r / n_heads, r, j0, j1, sc);
        rescale_row(r, sc);
      }
      // acc += P V per (token, KV head): the group's rows are adjacent, V as stored.
      const float* values = rows_of(c, /*keys=*/false, j0, j1, 0, c.cache->v_width(), &sc.v, &ld_v);
      for (int64_t kv_h = 0; kv_h < shape_.n_kv_heads; ++kv_h) {
        for (int64_t t = 0; t < c.n_tokens; ++t) {
          const int64_t r0 = t * n_heads + kv_h * group_;
          gemm_kmajor_(hdv, group_, j1 - j0, values + kv_h * hdv, ld_v, sc.s.data() + r0 * kKvTile, kKvTile,
                       sc.acc.data() + r0 * hdv, hdv, /*accumulate=*/true);
        }
      }
    }
    DecodeChunk& dc = *task.decode;
    if (dc.n_segments == 1) {
      for (int64_t r = 0; r < n_rows; ++r) {
        write_output(sc.acc.data() + r * hdv, sc.l[static_cast<size_t>(r)], c.out + r * hdv);
      }
      return;
    }
    std::copy(sc.acc.begin(), sc.acc.begin() + n_rows * hdv, dc.partial_acc + task.segment * n_rows * hdv);
    std::copy(sc.m.begin(), sc.m.begin() + n_rows, dc.partial_m + task.segment * n_rows);
    std::copy(sc.l.begin(), sc.l.begin() + n_rows, dc.partial_l + task.segment * n_rows);
    if (dc.remaining->fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // The last segment: out = sum_s e^(m_s - M) acc_s / sum_s e^(m_s - M) l_s, M = max_s m_s.
    for (int64_t r = 0; r < n_rows; ++r) {
      float m_max = -INFINITY;
      for (int64_t seg = 0; seg < dc.n_segments; ++seg) m_max = std::max(m_max, dc.partial_m[seg * n_rows + r]);
      float* a = sc.acc.data() + r * hdv;
      std::fill(a, a + hdv, 0.0f);
      double l = 0;
      for (int64_t seg = 0; seg < dc.n_segments; ++seg) {
        const float m = dc.partial_m[seg * n_rows + r];
        if (m == -INFINITY) continue;  // a segment wholly outside this row's window
        const float w = std::exp(m - m_max);
        const float* pa = dc.partial_acc + (seg * n_rows + r) * hdv;
        for (int64_t d = 0; d < hdv; ++d) a[d] += w * pa[d];
        l += w * dc.partial_l[seg * n_rows + r];
      }
      write_output(a, l, c.out + r * hdv);
    }
  }

  // ---- shared by both

  void reset_rows(int64_t n_rows, Scratch& sc) const {
    sc.s.resize(static_cast<size_t>(n_rows * kKvTile));
    sc.acc.assign(static_cast<size_t>(n_rows * shape_.head_dim_v), 0.0f);
    sc.m.assign(static_cast<size_t>(n_rows), -INFINITY);
    sc.alpha.resize(static_cast<size_t>(n_rows));
    sc.l.assign(static_cast<size_t>(n_rows), 0.0);
  }

  // Columns [col, col + n_cols) of the cache's key (or value) rows [j0, j1) as float rows, *ld apart: the
  // cache itself (F32) or `buffer`, decoded with the table's dequantize_row of the cache dtype.
  const float* rows_of(const AttentionChunk& c, bool keys, int64_t j0, int64_t j1, int64_t col, int64_t n_cols,
                       std::vector<float>* buffer, int64_t* ld) const {
    const KvCache& cache = *c.cache;
    auto row = [&](int64_t j) { return keys ? cache.key_row(layer_idx_, j) : cache.value_row(layer_idx_, j); };
    if (cache.dtype() == tensor::DType::kF32) {  // rows of consecutive positions are adjacent
      *ld = keys ? cache.kv_width() : cache.v_width();
      return static_cast<const float*>(row(j0)) + col;
    }
    const kernels::DequantizeRowFn decode = table_.of(cache.dtype()).dequantize_row;
    const size_t offset = tensor::row_bytes(cache.dtype(), col);
    // Rows a multiple of 1 KB apart (whole rows of 8 KV heads x 128, 4 KB) fall into a few L1 sets, and the
    // products walk down a column of them: 16 floats of padding spread them (qwen3-0.6b decode, avx2: ~30%).
    const int64_t stride = n_cols % 256 == 0 ? n_cols + 16 : n_cols;
    buffer->resize(static_cast<size_t>((j1 - j0) * stride));
    for (int64_t j = j0; j < j1; ++j) {
      decode(static_cast<const uint8_t*>(row(j)) + offset, buffer->data() + (j - j0) * stride, n_cols);
    }
    *ld = stride;
    return buffer->data();
  }

  // Turns row r's scores over [j0, j1) (query at position pos) into e^(score * scale - m_new), zero where
  // masked, where m_new is the running max including this tile; sc.alpha[r] = e^(m_old - m_new) rescales
  // what the row has so far, and the running sum becomes l_r = alpha_r l_r + sum_j p_rj.
  void softmax_tile(int64_t pos, int64_t r, int64_t j0, int64_t j1, Scratch& sc) const {
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
    for (j = lo; j < hi; ++j) row[j] = row[j] * scale_ - m_new;
    exp_inplace(row + lo, hi - lo);  // base/vec_exp: 8 lanes (AVX2 clone), where this file's loops get SSE2
    std::fill(row + hi, row + len, 0.0f);
    std::fill(lanes, lanes + 8, 0.0f);  // the sum of the probabilities, in 8 independent lanes
    for (j = lo; j + 8 <= hi; j += 8) {
      for (int k = 0; k < 8; ++k) lanes[k] += row[j + k];
    }
    float sum = 0;
    for (; j < hi; ++j) sum += row[j];
    for (int k = 0; k < 8; ++k) sum += lanes[k];
    const float alpha = m_old == -INFINITY ? 0.0f : std::exp(m_old - m_new);
    sc.alpha[ri] = alpha;
    sc.m[ri] = m_new;
    sc.l[ri] = sc.l[ri] * alpha + sum;
  }

  // acc_r *= alpha_r: the running output rescaled to the new max before the tile's P V is added.
  void rescale_row(int64_t r, Scratch& sc) const {
    const float alpha = sc.alpha[static_cast<size_t>(r)];
    if (alpha == 1.0f) return;
    float* a = sc.acc.data() + r * shape_.head_dim_v;
    for (int64_t d = 0; d < shape_.head_dim_v; ++d) a[d] *= alpha;
  }

  void write_output(const float* acc, double l, float* out) const {
    const float inv = static_cast<float>(1.0 / l);
    for (int64_t d = 0; d < shape_.head_dim_v; ++d) out[d] = acc[d] * inv;
  }

  const AttentionShape& shape_;
  int layer_idx_;
  int64_t group_;
  float scale_;
  kernels::GemmF32Fn gemm_;
  kernels::GemmF32KMajorFn gemm_kmajor_;
  const kernels::KernelTable& table_;
};

// Runs every task as one parallel job: workers take the next task from a shared counter (ThreadPool::run_any).
void run_tasks(const Attention& attention, const std::vector<Task>& tasks, ThreadPool& pool, float* pattern) {
  const int64_t n_tasks = static_cast<int64_t>(tasks.size());
  if (pool.n_threads() == 1 || n_tasks <= 1) {
    thread_local Scratch sc;
    for (const Task& task : tasks) attention.run(task, sc, pattern);
    return;
  }
  std::atomic<int64_t> next{0};
  pool.run_any([&](int, int) {
    thread_local Scratch sc;
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < n_tasks;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      attention.run(tasks[static_cast<size_t>(i)], sc, pattern);
    }
  });
}

}  // namespace

void attend(const AttentionShape& shape, int layer_idx, std::span<const AttentionChunk> chunks, ThreadPool& pool,
            const kernels::KernelTable& table, float* pattern) {
  GB_CHECK(shape.n_kv_heads > 0 && shape.n_heads % shape.n_kv_heads == 0);
  GB_CHECK(table.gemm_f32 != nullptr && table.gemm_f32_kmajor != nullptr);
  GB_CHECK(pattern == nullptr || chunks.size() == 1);
  const Attention attention(shape, layer_idx, table);
  const int64_t group = shape.n_heads / shape.n_kv_heads, hdv = shape.head_dim_v;
  const int64_t tokens_per_task = std::max<int64_t>(1, kQueryRows / group);
  auto is_decode = [&](const AttentionChunk& c) { return c.n_tokens > 0 && c.n_tokens <= kDecodeMaxTokens; };
  int64_t n_decode = 0;
  for (const AttentionChunk& c : chunks) n_decode += is_decode(c) ? 1 : 0;
  thread_local std::vector<DecodeChunk> decode_chunks;
  thread_local std::vector<float> partial_f;
  thread_local std::vector<double> partial_d;
  std::vector<std::atomic<int64_t>> remaining(static_cast<size_t>(n_decode));
  decode_chunks.clear();
  size_t f_size = 0, d_size = 0;
  for (const AttentionChunk& c : chunks) {
    GB_CHECK(c.cache != nullptr && c.n_past + c.n_tokens <= c.cache->n_ctx());
    if (!is_decode(c)) continue;
    const int64_t visible = c.n_past + c.n_tokens - attention.first_visible(c.n_past);
    const int64_t n_seg = std::max<int64_t>(1, (visible + kSegment / 2) / kSegment);
    const int64_t n_rows = c.n_tokens * shape.n_heads;
    remaining[decode_chunks.size()].store(n_seg, std::memory_order_relaxed);
    decode_chunks.push_back({&c, n_seg, nullptr, nullptr, nullptr, &remaining[decode_chunks.size()]});
    if (n_seg > 1) {
      f_size += static_cast<size_t>(n_seg * n_rows * (hdv + 1));
      d_size += static_cast<size_t>(n_seg * n_rows);
    }
  }
  partial_f.resize(f_size);
  partial_d.resize(d_size);
  // Prompt chunks first, and their later query tiles (which see more positions) first: the long tasks start
  // first, the short ones fill in.
  thread_local std::vector<Task> tasks;
  tasks.clear();
  auto add_prompt_tasks = [&](const AttentionChunk& c, bool pattern_only) {
    const int64_t n_tiles = (c.n_tokens + tokens_per_task - 1) / tokens_per_task;
    for (int64_t tile = n_tiles - 1; tile >= 0; --tile) {
      const int64_t t0 = tile * tokens_per_task, t1 = std::min(c.n_tokens, t0 + tokens_per_task);
      for (int64_t kv_head = 0; kv_head < shape.n_kv_heads; ++kv_head) {
        Task task{&c};
        task.kv_head = kv_head;
        task.t0 = t0;
        task.t1 = t1;
        task.pattern_only = pattern_only;
        tasks.push_back(task);
      }
    }
  };
  for (const AttentionChunk& c : chunks) {
    if (!is_decode(c)) add_prompt_tasks(c, false);
  }
  size_t f_at = 0, d_at = 0;
  for (DecodeChunk& dc : decode_chunks) {
    const AttentionChunk& c = *dc.chunk;
    const int64_t n_rows = c.n_tokens * shape.n_heads;
    if (dc.n_segments > 1) {
      dc.partial_acc = partial_f.data() + f_at;
      dc.partial_m = dc.partial_acc + dc.n_segments * n_rows * hdv;
      dc.partial_l = partial_d.data() + d_at;
      f_at += static_cast<size_t>(dc.n_segments * n_rows * (hdv + 1));
      d_at += static_cast<size_t>(dc.n_segments * n_rows);
    }
    const int64_t begin = attention.first_visible(c.n_past), end = c.n_past + c.n_tokens;
    for (int64_t seg = 0; seg < dc.n_segments; ++seg) {
      Task task{&c};
      task.decode = &dc;
      task.segment = seg;
      task.s0 = begin + (end - begin) * seg / dc.n_segments;
      task.s1 = begin + (end - begin) * (seg + 1) / dc.n_segments;
      tasks.push_back(task);
    }
  }
  run_tasks(attention, tasks, pool, nullptr);
  if (pattern != nullptr) {  // a second job, so that the outputs are those of an unobserved step
    tasks.clear();
    add_prompt_tasks(chunks[0], true);
    run_tasks(attention, tasks, pool, pattern);
  }
}

}  // namespace glassbox::model
