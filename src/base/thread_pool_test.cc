// Tests for ThreadPool.
#include "base/thread_pool.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace glassbox {
namespace {

TEST(ThreadPoolTest, RunCallsEveryThreadOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> calls(4);
  for (int rep = 0; rep < 100; ++rep) pool.run([&](int idx, int n) { EXPECT_EQ(n, 4); calls[idx]++; });
  for (auto& c : calls) EXPECT_EQ(c.load(), 100);
}

TEST(ThreadPoolTest, ParallelForCoversRangeExactlyOnce) {
  ThreadPool pool(3);
  for (int64_t n : {1, 2, 3, 7, 100, 1001}) {
    std::vector<std::atomic<int>> hits(n);
    pool.parallel_for(n, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) hits[i]++; });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
}

TEST(ThreadPoolTest, SingleThreadRunsOnCaller) {
  ThreadPool pool(1);
  int sum = 0;
  pool.parallel_for(10, 1, [&](int64_t b, int64_t e) { sum += static_cast<int>(e - b); });
  EXPECT_EQ(sum, 10);
}

TEST(ThreadPoolTest, ManyBackToBackJobsEachSeeThePreviousJobsWrites) {
  ThreadPool pool(2);
  std::vector<int64_t> slots(2, 0);
  for (int rep = 1; rep <= 20000; ++rep) {
    pool.run([&](int idx, int) {
      EXPECT_EQ(slots[idx], rep - 1);
      slots[idx] = rep;
    });
  }
  EXPECT_EQ(slots[0], 20000);
  EXPECT_EQ(slots[1], 20000);
}

TEST(ThreadPoolTest, WorkersWakeAfterSleeping) {
  ThreadPool pool(3);
  std::atomic<int> calls{0};
  for (int rep = 0; rep < 3; ++rep) {
    // Longer than the spin window, so the workers are asleep on the futex when the next job arrives.
    std::this_thread::sleep_for(std::chrono::microseconds(20 * ThreadPool::kSpinMicros));
    pool.run([&](int, int) { calls++; });
  }
  EXPECT_EQ(calls.load(), 9);
}

TEST(ThreadPoolTest, DestroysCleanlyWhileWorkersSleep) {
  for (int rep = 0; rep < 3; ++rep) {
    ThreadPool pool(2);
    pool.run([](int, int) {});
    std::this_thread::sleep_for(std::chrono::microseconds(10 * ThreadPool::kSpinMicros));
  }
  SUCCEED();
}

}  // namespace
}  // namespace glassbox
