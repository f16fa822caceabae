// CpuFeatures: detection is self-consistent and agrees with what the compiler can test directly.
#include "base/cpu_features.h"

#include <gtest/gtest.h>

namespace glassbox {
namespace {

TEST(CpuFeaturesTest, ImpliedFeaturesAreConsistent) {
  const CpuFeatures& f = cpu_features();
  if (f.avx2 || f.fma || f.f16c) {
    EXPECT_TRUE(f.avx);
  }
  if (f.avx512bw || f.avx512vl || f.avx512vnni) {
    EXPECT_TRUE(f.avx512f);
  }
  EXPECT_EQ(f.has_avx2_table_features(), f.avx2 && f.fma && f.f16c);
}

#if defined(__x86_64__)
TEST(CpuFeaturesTest, AgreesWithCompilerBuiltins) {
  __builtin_cpu_init();
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(f.avx2, static_cast<bool>(__builtin_cpu_supports("avx2")));
  EXPECT_EQ(f.fma, static_cast<bool>(__builtin_cpu_supports("fma")));
  EXPECT_EQ(f.avx512f, static_cast<bool>(__builtin_cpu_supports("avx512f")));
  EXPECT_FALSE(f.vendor.empty());
}
#endif

TEST(CpuFeaturesTest, SummaryNamesTheCpu) {
  EXPECT_FALSE(cpu_summary().empty());
  EXPECT_NE(cpu_summary().find('('), std::string::npos);
}

}  // namespace
}  // namespace glassbox
