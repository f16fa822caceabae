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
  for (int rep = 1; rep <= 5000; ++rep) {
    pool.run([&](int idx, int) {
      EXPECT_EQ(slots[idx], rep - 1);
      slots[idx] = rep;
    });
  }
  EXPECT_EQ(slots[0], 5000);
  EXPECT_EQ(slots[1], 5000);
}

TEST(ThreadPoolTest, RunAnyCompletesSharedWorkWithWhicheverThreadsJoin) {
  ThreadPool pool(3);
  for (int rep = 0; rep < 5000; ++rep) {
    std::atomic<int64_t> next{0};
    std::vector<std::atomic<int>> hits(64);
    std::atomic<int> calls{0};
    pool.run_any([&](int idx, int n) {
      EXPECT_EQ(n, 3);
      EXPECT_LT(idx, 3);
      calls++;
      for (int64_t i = next.fetch_add(1); i < 64; i = next.fetch_add(1)) hits[i]++;
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "rep " << rep;
    ASSERT_GE(calls.load(), 1);
    ASSERT_LE(calls.load(), 3);
    if (rep % 7 == 0) {  // a plain run() in between: every thread, exactly once
      std::vector<std::atomic<int>> per(3);
      pool.run([&](int idx, int) { per[idx]++; });
      for (auto& c : per) ASSERT_EQ(c.load(), 1);
    }
  }
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
