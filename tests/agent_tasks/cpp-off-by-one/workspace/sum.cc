#include "sum.h"

long sum_first(const std::vector<long>& v, std::size_t n) {
  if (n > v.size()) n = v.size();
  long total = 0;
  for (std::size_t i = 1; i < n; ++i) total += v[i];
  return total;
}
