// CpuFeatures: what the running x86-64 CPU (and OS) supports, read once with CPUID/XGETBV.
#pragma once

#include <string>

namespace glassbox {

struct CpuFeatures {
  bool sse42 = false;
  bool avx = false;   // AVX and the OS saves ymm state (XCR0 bits 1, 2)
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool bmi2 = false;
  bool avx512f = false;  // also requires the OS to save zmm/opmask state (XCR0 bits 5-7)
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avxvnni = false;
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ... ("" off x86)
  std::string brand;   // the processor brand string, e.g. "AMD EPYC 7551 32-Core Processor"

  // The features the avx2 kernel table is compiled for (-mavx2 -mfma -mf16c).
  bool has_avx2_table_features() const { return avx2 && fma && f16c; }
  // The features the avx512 kernel table is compiled for (those plus -mavx512f/bw/vl/dq/vnni).
  bool has_avx512_table_features() const {
    return has_avx2_table_features() && avx512f && avx512bw && avx512vl && avx512dq && avx512vnni;
  }
};

// The features of this machine, detected on first call. Thread-safe; never fails (a non-x86 build reports
// everything false).
const CpuFeatures& cpu_features();

// A one-line summary, e.g. "AMD EPYC 7551 (avx2 fma f16c)".
std::string cpu_summary();

}  // namespace glassbox
