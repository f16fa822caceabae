#include <cstdio>

#include "sum.h"

int main() {
  int failures = 0;
  auto check = [&](const std::vector<long>& v, size_t n, long want) {
    long got = sum_first(v, n);
    if (got != want) {
      std::printf("FAIL: sum_first(size %zu, %zu) = %ld, expected %ld\n", v.size(), n, got, want);
      ++failures;
    }
  };
  check({1, 2, 3, 4, 5}, 3, 6);
  check({1, 2, 3, 4, 5}, 5, 15);
  check({1, 2, 3, 4, 5}, 9, 15);
  check({7}, 1, 7);
  check({}, 0, 0);
  check({4, -4, 10}, 0, 0);
  check({4, -4, 10}, 2, 0);
  if (failures == 0) std::printf("ok\n");
  return failures == 0 ? 0 : 1;
}
