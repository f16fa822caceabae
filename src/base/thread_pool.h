// ThreadPool: a fixed set of worker threads that run one parallel job at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace glassbox {

class ThreadPool {
 public:
  // n_threads counts the calling thread: ThreadPool(1) runs everything on the caller.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }

  // Calls fn(thread_idx, n_threads) once on each thread (the caller is thread 0) and returns
  // when all calls have returned. Not re-entrant: fn must not call run() on the same pool. One caller
  // at a time.
  //
  // Cost: workers spin for about kSpinMicros after finishing a job before they sleep (futex), so a run()
  // that follows soon after the previous one (a forward pass issues hundreds) starts in well under a
  // microsecond; the caller spins the same way while it waits for the last worker.
  void run(const std::function<void(int thread_idx, int n_threads)>& fn);

  // Like run(), but fn runs on the caller and on only those workers that pick the job up before the
  // caller's own call returns: a worker that is descheduled (another process has its core) or asleep is
  // not waited for. fn must therefore share its work dynamically (e.g. chunks from an atomic counter)
  // so that any subset of threads, the caller alone included, completes it. Returns when every thread
  // that joined has returned.
  void run_any(const std::function<void(int thread_idx, int n_threads)>& fn);

  // Splits [0, n) into contiguous chunks of at least `grain` items, one per thread.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

  // The machine's core count (at least 1).
  static int hardware_threads();

  static constexpr int kSpinMicros = 100;

 private:
  void worker_loop(int thread_idx);

  int n_threads_;
  std::vector<std::thread> workers_;
  // Written by run() before generation_ is bumped (release), read by workers after they see it (acquire).
  const std::function<void(int, int)>* job_ = nullptr;
  alignas(64) std::atomic<uint64_t> generation_{0};  // one more per job; workers wait for it to change
  alignas(64) std::atomic<int> pending_{0};          // run(): workers still inside the current job
  // The current job: generation (low 32 bits) << 32 | kAnyJob | kClosed | workers inside (run_any only).
  // Tagging with the generation lets a worker that wakes late tell a stale job from the current one.
  alignas(64) std::atomic<uint64_t> state_{0};
  alignas(64) std::atomic<bool> stop_{false};
};

}  // namespace glassbox
