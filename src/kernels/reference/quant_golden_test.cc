// Cross-checks the reference decoders against real GGUF files made by llama-quantize (label: golden).
//
// llama-spm-tiny-{q4_k_m,q4_0}.gguf were quantized from llama-spm-tiny-f16.gguf, so each quantized tensor
// must decode to within quantization error of the F16 tensor of the same name; a wrong bit layout gives a
// relative RMS error near or above 1.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "kernels/kernel_table.h"
#include "kernels/reference/quant_test_util.h"
#include "tensor/dtype.h"

namespace glassbox::kernels {
namespace {

using tensor::DType;

const std::string kModels = std::string(GLASSBOX_SHARED_DIR) + "/fixtures/models";
const std::string kReference = std::string(GLASSBOX_SHARED_DIR) + "/reference";

std::vector<float> decode_tensor(const gguf::GgufFile& file, const gguf::TensorInfo& info) {
  std::vector<float> out(static_cast<size_t>(info.n_elements));
  reference_table().of(info.dtype).dequantize_row(file.tensor_data(info), out.data(), info.n_elements);
  return out;
}

struct TypeStats {
  int n_tensors = 0;
  double max_error = 0;
  double sum_error = 0;
};

// Decodes every quantized tensor of `quant_path` and compares it with the same tensor of the F16 file.
// Returns per-type error statistics; fails the test on a tensor over `max_rel_rms`.
std::map<DType, TypeStats> compare_with_f16(const std::string& quant_path,
                                            const std::map<DType, double>& max_rel_rms) {
  auto quant = gguf::GgufFile::open(quant_path);
  auto f16 = gguf::GgufFile::open(kModels + "/llama-spm-tiny-f16.gguf");
  EXPECT_TRUE(quant.ok()) << quant.status().message();
  EXPECT_TRUE(f16.ok()) << f16.status().message();
  std::map<DType, TypeStats> stats;
  if (!quant.ok() || !f16.ok()) return stats;
  for (const auto& info : quant->tensors()) {
    if (!tensor::dtype_info(info.dtype).quantized) continue;
    const gguf::TensorInfo* ref_info = f16->find_tensor(info.name);
    EXPECT_NE(ref_info, nullptr) << info.name;
    if (ref_info == nullptr) continue;
    EXPECT_TRUE(max_rel_rms.count(info.dtype)) << info.name << " has unexpected type "
                                               << tensor::dtype_name(info.dtype);
    if (!max_rel_rms.count(info.dtype)) continue;
    const auto got = decode_tensor(*quant, info);
    const auto want = decode_tensor(*f16, *ref_info);
    EXPECT_EQ(got.size(), want.size()) << info.name;
    const double err = testing::relative_rms_error(got, want);
    EXPECT_LT(err, max_rel_rms.at(info.dtype)) << info.name << " (" << tensor::dtype_name(info.dtype) << ")";
    TypeStats& s = stats[info.dtype];
    ++s.n_tensors;
    s.max_error = std::max(s.max_error, err);
    s.sum_error += err;
  }
  for (const auto& [dtype, s] : stats) {
    std::printf("%s: %-5s %2d tensors, relative RMS error vs f16: mean %.4f max %.4f\n",
                std::filesystem::path(quant_path).filename().c_str(),
                std::string(tensor::dtype_name(dtype)).c_str(), s.n_tensors, s.sum_error / s.n_tensors,
                s.max_error);
  }
  return stats;
}

TEST(QuantGoldenTest, Q4KMFileDecodesCloseToF16Weights) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  const auto stats = compare_with_f16(kModels + "/llama-spm-tiny-q4_k_m.gguf",
                                      {{DType::kQ4_K, 0.1}, {DType::kQ6_K, 0.1}, {DType::kQ5_K, 0.1},
                                       {DType::kQ8_0, 0.1}});
  EXPECT_GT(stats.count(DType::kQ4_K), 0u);
  EXPECT_GT(stats.count(DType::kQ6_K), 0u);
}

TEST(QuantGoldenTest, Q4_0FileDecodesCloseToF16Weights) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  const auto stats = compare_with_f16(kModels + "/llama-spm-tiny-q4_0.gguf",
                                      {{DType::kQ4_0, 0.1}, {DType::kQ6_K, 0.1}, {DType::kQ4_1, 0.1},
                                       {DType::kQ8_0, 0.1}});
  EXPECT_GT(stats.count(DType::kQ4_0), 0u);
}

}  // namespace
}  // namespace glassbox::kernels
