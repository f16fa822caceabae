// ThreadPool: a generation counter hands out jobs; workers and the caller spin briefly, then sleep on
// the atomic (C++20 wait/notify, a futex on Linux). The two hot counters sit on separate cache lines.
#include "base/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace glassbox {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until pred() holds or about kSpinMicros pass; true if pred() held. The first quarter is pure
// spinning (a partner thread answers within a microsecond when it has a core); after that each round
// yields, so a runnable thread of this process (or a neighbour's) gets the core when the machine is
// oversubscribed.
template <typename Pred>
bool spin_until(Pred pred) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto yield_after = start + std::chrono::microseconds(ThreadPool::kSpinMicros / 4);
  const auto deadline = start + std::chrono::microseconds(ThreadPool::kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return true;
      cpu_relax();
    }
    const auto now = Clock::now();
    if (now > deadline) return pred();
    if (now > yield_after) std::this_thread::yield();
  }
}

constexpr uint64_t kAnyJob = 1ull << 31;
constexpr uint64_t kClosed = 1ull << 30;
constexpr uint64_t kCountMask = kClosed - 1;

uint64_t tag(uint64_t generation) { return (generation & 0xFFFFFFFFull) << 32; }

}  // namespace

int ThreadPool::hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::worker_loop(int thread_idx) {
  uint64_t seen = 0;
  for (;;) {
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      generation_.wait(seen, std::memory_order_acquire);
      if (generation_.load(std::memory_order_acquire) == seen) continue;  // spurious wake-up
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    uint64_t s = state_.load(std::memory_order_acquire);
    if ((s & ~0xFFFFFFFFull) != tag(seen)) continue;  // a newer job is already out: catch up to it
    if ((s & kAnyJob) == 0) {
      (*job_)(thread_idx, n_threads_);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
      continue;
    }
    bool joined = false;
    while ((s & ~0xFFFFFFFFull) == tag(seen) && (s & kClosed) == 0) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;  // the caller finished the job without us
    (*job_)(thread_idx, n_threads_);
    const uint64_t left = state_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if ((left & kClosed) != 0 && (left & kCountMask) == 0) state_.notify_all();
  }
}

void ThreadPool::run(const std::function<void(int, int)>& fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  job_ = &fn;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  const uint64_t next = generation_.load(std::memory_order_relaxed) + 1;
  state_.store(tag(next), std::memory_order_relaxed);
  generation_.store(next, std::memory_order_release);
  generation_.notify_all();
  fn(0, n_threads_);
  if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
    for (int left = pending_.load(std::memory_order_acquire); left != 0;
         left = pending_.load(std::memory_order_acquire)) {
      pending_.wait(left, std::memory_order_acquire);
    }
  }
  job_ = nullptr;
}

void ThreadPool::run_any(const std::function<void(int, int)>& fn) {
  if (n_threads_ == 1) {
    fn(0, 1);
    return;
  }
  job_ = &fn;
  const uint64_t next = generation_.load(std::memory_order_relaxed) + 1;
  state_.store(tag(next) | kAnyJob, std::memory_order_relaxed);
  generation_.store(next, std::memory_order_release);
  generation_.notify_all();
  fn(0, n_threads_);
  uint64_t s = state_.fetch_or(kClosed, std::memory_order_acq_rel) | kClosed;
  if ((s & kCountMask) != 0 &&
      !spin_until([&] { return (state_.load(std::memory_order_acquire) & kCountMask) == 0; })) {
    for (s = state_.load(std::memory_order_acquire); (s & kCountMask) != 0; s = state_.load(std::memory_order_acquire)) {
      state_.wait(s, std::memory_order_acquire);
    }
  }
  job_ = nullptr;
}

void ThreadPool::parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int64_t max_chunks = (n + grain - 1) / grain;
  int used = static_cast<int>(std::min<int64_t>(n_threads_, max_chunks));
  if (used <= 1) {
    fn(0, n);
    return;
  }
  run([&](int thread_idx, int) {
    if (thread_idx >= used) return;
    int64_t begin = n * thread_idx / used;
    int64_t end = n * (thread_idx + 1) / used;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace glassbox
