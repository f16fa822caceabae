#include <cstdio>

#include "sum.h"

int main() {
  std::vector<long> v = {1, 2, 3, 4, 5};
  long got = sum_first(v, 3);
  if (got != 6) {
    std::printf("FAIL: sum_first({1,2,3,4,5}, 3) = %ld, expected 6\n", got);
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
