// matmul through the active kernel table against the double-precision product of the reference-decoded
// weights, for token counts 1..17 (generation path, panel/gemm path and their edges); and the generation
// path end to end: fixture models fed one token at a time land on the float64 reference logits.
#include "model/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "model/transformer.h"

namespace glassbox::model {
namespace {

using tensor::DType;
namespace fs = std::filesystem;

std::vector<float> gaussian(int64_t n, uint32_t seed, float mean = 0.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, 1.0f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

TEST(MatmulTest, MatchesDoubleProductForTokenCountsOneToSeventeen) {
  const DType types[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                         DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K, DType::kQ3_K,
                         DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};
  ThreadPool pool(2);
  for (DType t : types) {
    const int64_t cols = 512, rows = 37;  // rows: not a multiple of the tile or panel height
    const size_t row_bytes = tensor::row_bytes(t, cols);
    std::vector<uint8_t> bytes(row_bytes * rows);
    std::vector<float> decoded(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
      const auto w = gaussian(cols, static_cast<uint32_t>(r + 1), 0.1f);
      kernels::reference_table().of(t).quantize_row(w.data(), bytes.data() + r * row_bytes, cols);
      kernels::reference_table().of(t).dequantize_row(bytes.data() + r * row_bytes, decoded.data() + r * cols, cols);
    }
    WeightMatrix w{"w", t, bytes.data(), rows, cols, row_bytes};
    for (int64_t n_tokens = 1; n_tokens <= 17; ++n_tokens) {
      const auto x = gaussian(n_tokens * cols, static_cast<uint32_t>(100 + n_tokens), 0.2f);
      std::vector<float> y(static_cast<size_t>(n_tokens * rows));
      PreparedInput prepared;
      matmul(w, x.data(), n_tokens, y.data(), pool, &prepared);
      for (int64_t tok = 0; tok < n_tokens; ++tok) {
        // int16 activations (one token) are off by at most half a step, amax / 65534, per element.
        std::vector<double> block_amax(static_cast<size_t>(cols / 32), 0.0);
        for (int64_t k = 0; k < cols; ++k) {
          block_amax[k / 32] = std::max<double>(block_amax[k / 32], std::fabs(x[tok * cols + k]));
        }
        for (int64_t r = 0; r < rows; ++r) {
          double want = 0, magnitude = 0, i16_bound = 0;
          for (int64_t k = 0; k < cols; ++k) {
            const double wk = decoded[r * cols + k];
            want += wk * x[tok * cols + k];
            magnitude += std::fabs(wk * x[tok * cols + k]);
            i16_bound += std::fabs(wk) * block_amax[k / 32] / 65534.0;
          }
          ASSERT_NEAR(y[tok * rows + r], want, 1e-5 * magnitude + 1.05 * i16_bound)
              << tensor::dtype_name(t) << " tokens=" << n_tokens << " t=" << tok << " r=" << r;
        }
      }
    }
  }
}

// Generation (one token per forward, the int16 path where the table has it) against the float64
// reference logits at every position that has full logits.
TEST(MatmulTest, GenerationPathLandsOnFloat64ReferenceLogits) {
  const fs::path fixtures = fs::path(GLASSBOX_SHARED_DIR) / "fixtures";
  const fs::path reference = fs::path(GLASSBOX_SHARED_DIR) / "reference";
  const std::vector<std::pair<fs::path, fs::path>> cases = {
      {fixtures / "models/llama-spm-tiny-q4_0.gguf", fixtures / "golden_exact/llama-spm-tiny-q4_0.p1.json"},
      {fixtures / "models/llama-spm-tiny-q4_k_m.gguf", fixtures / "golden_exact/llama-spm-tiny-q4_k_m.p2.json"},
      {fixtures / "models/llama-spm-tiny-f16.gguf", fixtures / "golden_exact/llama-spm-tiny-f16.p1.json"},
      {reference / "storyteller-16m-q8_0.gguf", reference / "golden_exact/storyteller-16m-q8_0.p1.json"},
  };
  for (const auto& [model_path, exact_path] : cases) {
    if (!fs::exists(model_path) || !fs::exists(exact_path)) GTEST_SKIP() << "../shared absent";
    auto model = Model::load(model_path.string());
    ASSERT_TRUE(model.ok()) << model.status().message();
    std::ifstream in(exact_path);
    const nlohmann::json j = nlohmann::json::parse(in);
    const auto tokens = j["tokens"].get<std::vector<int32_t>>();
    const auto positions = j["full_logits_positions"].get<std::vector<int64_t>>();
    const auto& full = j["full_logits"];
    ContextOptions options;
    options.n_threads = 2;
    Context ctx(*model, options);
    std::vector<float> logits;
    double worst = 0;
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
      ASSERT_TRUE(ctx.forward(std::span<const int32_t>(&tokens[pos], 1), LogitsMode::kLast, &logits).ok());
      for (size_t i = 0; i < positions.size() && i < full.size(); ++i) {
        if (positions[i] != static_cast<int64_t>(pos)) continue;
        const auto want = full[i].get<std::vector<double>>();
        ASSERT_EQ(want.size(), logits.size());
        for (size_t v = 0; v < want.size(); ++v) worst = std::max(worst, std::fabs(want[v] - logits[v]));
      }
    }
    std::printf("  %s one token at a time: max |diff| vs float64 %.4f\n", model_path.filename().c_str(), worst);
    EXPECT_LE(worst, 0.05) << model_path;
  }
}

}  // namespace
}  // namespace glassbox::model
