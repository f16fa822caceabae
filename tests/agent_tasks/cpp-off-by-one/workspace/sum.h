#pragma once
#include <cstddef>
#include <vector>

// The sum of the first n elements of v (all of them when n exceeds the size).
long sum_first(const std::vector<long>& v, std::size_t n);
