// Cross-checks the reference decoders against real GGUF files made by llama-quantize (label: golden).
//
// llama-spm-tiny-{q4_k_m,q4_0}.gguf were quantized from llama-spm-tiny-f16.gguf, so each quantized tensor
// must decode to within quantization error of the F16 tensor of the same name; a wrong bit layout gives a
// relative RMS error near or above 1.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

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
  double sum_our_error = 0;  // our quantize_row of the F16 tensor into the same type
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
    EXPECT_TRUE(max_rel_rms.count(info.dtype))
        << info.name << " has unexpected type " << tensor::dtype_name(info.dtype);
    if (!max_rel_rms.count(info.dtype)) continue;
    const auto got = decode_tensor(*quant, info);
    const auto want = decode_tensor(*f16, *ref_info);
    EXPECT_EQ(got.size(), want.size()) << info.name;
    const double err = testing::relative_rms_error(got, want);
    EXPECT_LT(err, max_rel_rms.at(info.dtype)) << info.name << " (" << tensor::dtype_name(info.dtype) << ")";
    std::vector<uint8_t> ours(info.n_bytes);
    reference_table().of(info.dtype).quantize_row(want.data(), ours.data(), info.n_elements);
    std::vector<float> ours_decoded(want.size());
    reference_table().of(info.dtype).dequantize_row(ours.data(), ours_decoded.data(), info.n_elements);
    const double our_err = testing::relative_rms_error(ours_decoded, want);
    // Our quantizer is no worse than llama-quantize's on the same weights, give or take 10%.
    EXPECT_LT(our_err, 1.1 * err) << info.name;
    TypeStats& s = stats[info.dtype];
    s.sum_our_error += our_err;
    ++s.n_tensors;
    s.max_error = std::max(s.max_error, err);
    s.sum_error += err;
  }
  for (const auto& [dtype, s] : stats) {
    std::printf(
        "%s: %-5s %2d tensors, relative RMS error vs f16: mean %.4f max %.4f"
        " (our quantize_row: mean %.4f)\n",
        std::filesystem::path(quant_path).filename().c_str(), std::string(tensor::dtype_name(dtype)).c_str(),
        s.n_tensors, s.sum_error / s.n_tensors, s.max_error, s.sum_our_error / s.n_tensors);
  }
  return stats;
}

TEST(QuantGoldenTest, Q4KMFileDecodesCloseToF16Weights) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  const auto stats =
      compare_with_f16(kModels + "/llama-spm-tiny-q4_k_m.gguf",
                       {{DType::kQ4_K, 0.1}, {DType::kQ6_K, 0.1}, {DType::kQ5_K, 0.1}, {DType::kQ8_0, 0.1}});
  EXPECT_GT(stats.count(DType::kQ4_K), 0u);
  EXPECT_GT(stats.count(DType::kQ6_K), 0u);
}

TEST(QuantGoldenTest, Q4_0FileDecodesCloseToF16Weights) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  const auto stats =
      compare_with_f16(kModels + "/llama-spm-tiny-q4_0.gguf",
                       {{DType::kQ4_0, 0.1}, {DType::kQ6_K, 0.1}, {DType::kQ4_1, 0.1}, {DType::kQ8_0, 0.1}});
  EXPECT_GT(stats.count(DType::kQ4_0), 0u);
}

// Matrix-vector products with the real quantized rows (activations quantized to the vec_dot_type) track
// the same products with the F16 rows and float activations.
TEST(QuantGoldenTest, VecDotOfQuantizedRowsTracksF16Product) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  auto f16 = gguf::GgufFile::open(kModels + "/llama-spm-tiny-f16.gguf");
  ASSERT_TRUE(f16.ok()) << f16.status().message();
  for (const char* file : {"llama-spm-tiny-q4_k_m.gguf", "llama-spm-tiny-q4_0.gguf"}) {
    auto quant = gguf::GgufFile::open(kModels + "/" + file);
    ASSERT_TRUE(quant.ok()) << quant.status().message();
    std::map<DType, std::pair<double, double>> err_and_norm;  // per type: sum (got - want)^2, sum want^2
    for (const auto& info : quant->tensors()) {
      if (!tensor::dtype_info(info.dtype).quantized) continue;
      const gguf::TensorInfo* ref_info = f16->find_tensor(info.name);
      ASSERT_NE(ref_info, nullptr) << info.name;
      const int64_t n = info.row_length();
      const DType act_type = tensor::dtype_info(info.dtype).vec_dot_type;
      const auto x = testing::random_row(n, 99);
      const auto xq = testing::quantize_row(reference_table(), act_type, x, 1);
      std::vector<float> ref_row(static_cast<size_t>(n));
      for (int64_t r = 0; r < std::min<int64_t>(info.rows(), 16); ++r) {
        const uint8_t* row = quant->tensor_data(info) + r * tensor::row_bytes(info.dtype, n);
        const float got = reference_table().of(info.dtype).vec_dot(n, row, xq.data());
        reference_table()
            .of(ref_info->dtype)
            .dequantize_row(f16->tensor_data(*ref_info) + r * tensor::row_bytes(ref_info->dtype, n),
                            ref_row.data(), n);
        double want = 0;
        for (int64_t i = 0; i < n; ++i) want += static_cast<double>(ref_row[i]) * x[i];
        auto& [err, norm] = err_and_norm[info.dtype];
        err += (got - want) * (got - want);
        norm += want * want;
      }
    }
    for (const auto& [dtype, e] : err_and_norm) {
      const double rel = std::sqrt(e.first / e.second);
      std::printf("%s: %-5s vec_dot relative RMS error vs f16 x f32 products: %.4f\n", file,
                  std::string(tensor::dtype_name(dtype)).c_str(), rel);
      EXPECT_LT(rel, 0.12) << file << " " << tensor::dtype_name(dtype);
    }
  }
}

// llama.cpp's reference Q4_0 quantizer maps each block's largest-magnitude value to q = 0 with
// d = max / -8, and so does ours: requantizing the decoded llama-quantize output must give the same bytes.
TEST(QuantGoldenTest, RequantizingLlamaQuantizeQ4_0OutputReproducesItsBytes) {
  if (!std::filesystem::exists(kModels)) GTEST_SKIP() << kModels << " is absent";
  auto quant = gguf::GgufFile::open(kModels + "/llama-spm-tiny-q4_0.gguf");
  ASSERT_TRUE(quant.ok()) << quant.status().message();
  int n_checked = 0;
  for (const auto& info : quant->tensors()) {
    if (info.dtype != DType::kQ4_0) continue;
    const auto decoded = decode_tensor(*quant, info);
    std::vector<uint8_t> bytes(info.n_bytes);
    reference_table().of(DType::kQ4_0).quantize_row(decoded.data(), bytes.data(), info.n_elements);
    EXPECT_EQ(std::memcmp(bytes.data(), quant->tensor_data(info), info.n_bytes), 0) << info.name;
    ++n_checked;
  }
  EXPECT_GT(n_checked, 0);
}

// storyteller-16m-q8_0.gguf is a trained model stored in Q8_0: every Q8_0 tensor decodes to finite values
// of a plausible size, and requantizing the decoded values reproduces the file's bytes exactly (the block
// maximum decodes to 127 * d, so d and every quant come back unchanged).
TEST(QuantGoldenTest, StorytellerQ8_0TensorsDecodeAndRequantizeExactly) {
  const std::string path = kReference + "/storyteller-16m-q8_0.gguf";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto file = gguf::GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.status().message();
  int n_checked = 0;
  double min_rms = 1e30, max_rms = 0;
  for (const auto& info : file->tensors()) {
    if (info.dtype != DType::kQ8_0) continue;
    const auto decoded = decode_tensor(*file, info);
    double sum_sq = 0;
    bool finite = true;
    for (float v : decoded) {
      finite = finite && std::isfinite(v);
      sum_sq += static_cast<double>(v) * v;
    }
    const double rms = std::sqrt(sum_sq / static_cast<double>(decoded.size()));
    EXPECT_TRUE(finite) << info.name;
    EXPECT_GT(rms, 1e-3) << info.name;
    EXPECT_LT(rms, 10.0) << info.name;
    min_rms = std::min(min_rms, rms);
    max_rms = std::max(max_rms, rms);
    std::vector<uint8_t> bytes(info.n_bytes);
    reference_table().of(DType::kQ8_0).quantize_row(decoded.data(), bytes.data(), info.n_elements);
    EXPECT_EQ(std::memcmp(bytes.data(), file->tensor_data(info), info.n_bytes), 0) << info.name;
    ++n_checked;
  }
  std::printf("storyteller: %d q8_0 tensors, RMS from %.4f to %.4f\n", n_checked, min_rms, max_rms);
  EXPECT_GT(n_checked, 0);
}

}  // namespace
}  // namespace glassbox::kernels
