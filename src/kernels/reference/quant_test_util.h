// Test helpers shared by the reference kernel tests: random rows, byte buffers at chosen offsets, errors.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/kernel_table.h"
#include "tensor/dtype.h"

namespace glassbox::kernels::testing {

// n samples of N(0, 1), deterministic per seed.
inline std::vector<float> random_row(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

// A byte buffer whose data starts `offset` bytes past the vector's start (offset 1 makes it unaligned).
struct OffsetBuffer {
  std::vector<uint8_t> storage;
  int offset = 0;
  OffsetBuffer(size_t bytes, int off) : storage(bytes + static_cast<size_t>(off) + 8, 0xA5), offset(off) {}
  uint8_t* data() { return storage.data() + offset; }
  const uint8_t* data() const { return storage.data() + offset; }
};

inline OffsetBuffer quantize_row(const KernelTable& table, tensor::DType dtype, const std::vector<float>& x,
                                 int offset) {
  OffsetBuffer buf(tensor::row_bytes(dtype, static_cast<int64_t>(x.size())), offset);
  table.of(dtype).quantize_row(x.data(), buf.data(), static_cast<int64_t>(x.size()));
  return buf;
}

inline std::vector<float> dequantize_row(const KernelTable& table, tensor::DType dtype, const void* src,
                                         int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  table.of(dtype).dequantize_row(src, y.data(), n);
  return y;
}

// RMS of (a - b) over RMS of b.
inline double relative_rms_error(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = static_cast<double>(a[i]) - b[i];
    num += e * e;
    den += static_cast<double>(b[i]) * b[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

}  // namespace glassbox::kernels::testing
