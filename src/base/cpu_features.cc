// CPUID / XGETBV feature detection (Intel SDM vol. 2A, "CPUID"; AMD APM vol. 3, appendix E).
#include "base/cpu_features.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define GB_X86 1
#endif

namespace glassbox {
namespace {

#if GB_X86
struct Regs {
  uint32_t a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(uint32_t leaf, uint32_t subleaf) {
  Regs r;
  __cpuid_count(leaf, subleaf, r.a, r.b, r.c, r.d);
  return r;
}

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(uint32_t v, int i) { return (v >> i) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  const Regs r0 = cpuid(0, 0);
  const uint32_t max_leaf = r0.a;
  char vendor[13] = {};
  std::memcpy(vendor + 0, &r0.b, 4);
  std::memcpy(vendor + 4, &r0.d, 4);
  std::memcpy(vendor + 8, &r0.c, 4);
  f.vendor = vendor;

  if (max_leaf >= 1) {
    const Regs r1 = cpuid(1, 0);
    const bool osxsave = bit(r1.c, 27);
    const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const bool ymm_state = (xcr0 & 0x6) == 0x6;
    const bool zmm_state = (xcr0 & 0xE6) == 0xE6;
    f.sse42 = bit(r1.c, 20);
    f.avx = bit(r1.c, 28) && ymm_state;
    f.fma = bit(r1.c, 12) && f.avx;
    f.f16c = bit(r1.c, 29) && f.avx;
    if (max_leaf >= 7) {
      const Regs r7 = cpuid(7, 0);
      f.avx2 = bit(r7.b, 5) && f.avx;
      f.bmi2 = bit(r7.b, 8);
      f.avx512f = bit(r7.b, 16) && zmm_state;
      f.avx512bw = bit(r7.b, 30) && f.avx512f;
      f.avx512dq = bit(r7.b, 17) && f.avx512f;
      f.avx512vl = bit(r7.b, 31) && f.avx512f;
      f.avx512vnni = bit(r7.c, 11) && f.avx512f;
      const Regs r71 = cpuid(7, 1);
      f.avxvnni = bit(r71.a, 4) && f.avx;
    }
  }
  const uint32_t max_ext = cpuid(0x80000000u, 0).a;
  if (max_ext >= 0x80000004u) {
    char brand[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
      const Regs r = cpuid(0x80000002u + i, 0);
      std::memcpy(brand + 16 * i + 0, &r.a, 4);
      std::memcpy(brand + 16 * i + 4, &r.b, 4);
      std::memcpy(brand + 16 * i + 8, &r.c, 4);
      std::memcpy(brand + 16 * i + 12, &r.d, 4);
    }
    std::string s = brand;
    const size_t first = s.find_first_not_of(' ');
    const size_t last = s.find_last_not_of(' ');
    f.brand = first == std::string::npos ? "" : s.substr(first, last - first + 1);
  }
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

std::string cpu_summary() {
  const CpuFeatures& f = cpu_features();
  std::string s = f.brand.empty() ? std::string("unknown CPU") : f.brand;
  std::string flags;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!flags.empty()) flags += ' ';
    flags += name;
  };
  add(f.avx2, "avx2");
  add(f.fma, "fma");
  add(f.f16c, "f16c");
  add(f.avx512f, "avx512f");
  add(f.avx512bw, "avx512bw");
  add(f.avx512dq, "avx512dq");
  add(f.avx512vl, "avx512vl");
  add(f.avx512vnni, "avx512vnni");
  add(f.avxvnni, "avxvnni");
  return s + " (" + (flags.empty() ? "no simd extensions detected" : flags) + ")";
}

}  // namespace glassbox
