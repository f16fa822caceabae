// Tests for glassbox synth: files re-open with the GGUF reader and carry the planned shapes, types,
// metadata and vocabulary; bytes are deterministic; llama-quantize's mixes and sizes are reproduced.
#include <cmath>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "kernels/kernel_table.h"
#include "model/synth/synth_model.h"

namespace glassbox::model::synth {
namespace {

using tensor::DType;

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("gb_synth_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

SynthPlan plan_or_die(const std::string& shape, const std::string& type, int64_t vocab = 0, uint64_t seed = 0) {
  SynthOptions o;
  o.shape = shape, o.type = type, o.vocab_size = vocab, o.seed = seed;
  auto plan = plan_synth(o);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return std::move(plan).value();
}

std::vector<uint8_t> synth_bytes(const SynthPlan& plan, int n_threads) {
  ThreadPool pool(n_threads);
  auto w = make_synth_writer(plan, pool);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w->to_bytes();
}

uint64_t tensor_bytes(const SynthPlan& plan) {
  uint64_t total = 0;
  for (const auto& t : plan.tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    total += tensor::row_bytes(t.dtype, n);
  }
  return total;
}

const SynthTensor& find(const SynthPlan& plan, const std::string& name) {
  for (const auto& t : plan.tensors) {
    if (t.name == name) return t;
  }
  ADD_FAILURE() << "no tensor " << name;
  static const SynthTensor kNone;
  return kNone;
}

TEST(SynthTest, TinyShapeReopensWithPlannedMetadataTensorsAndVocab) {
  const auto dir = temp_dir();
  int written = 0;
  for (const char* type : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k_m", "q6_k", "q2_k"}) {
    SCOPED_TRACE(type);
    SynthPlan plan = plan_or_die("tiny", type);
    if (Status s = check_kernels(plan); !s.ok()) {
      // Quantize kernels arrive with the reference kernels; the float types never need one.
      ASSERT_EQ(s.code(), StatusCode::kUnimplemented) << s.message();
      ASSERT_TRUE(plan.type.mix != Mix::kFloat) << s.message();
      continue;
    }
    ThreadPool pool(2);
    auto writer = make_synth_writer(plan, pool);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    const std::string path = (dir / (std::string(type) + ".gguf")).string();
    ASSERT_TRUE(writer->write(path).ok());
    ++written;

    auto file = gguf::GgufFile::open(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    EXPECT_EQ(file->file_size(), writer->file_size());
    EXPECT_EQ(*file->get_string("general.architecture"), "llama");
    EXPECT_EQ(*file->get_int("general.file_type"), plan.type.file_type);
    EXPECT_EQ(*file->get_int("llama.embedding_length"), 64);
    EXPECT_EQ(*file->get_int("llama.block_count"), 2);
    EXPECT_EQ(*file->get_int("llama.attention.head_count"), 4);
    EXPECT_EQ(*file->get_int("llama.attention.head_count_kv"), 2);
    EXPECT_EQ(*file->get_int("llama.feed_forward_length"), 128);
    EXPECT_EQ(*file->get_int("llama.rope.dimension_count"), 16);
    EXPECT_FLOAT_EQ(*file->get_float("llama.rope.freq_base"), 10000.0f);
    EXPECT_FLOAT_EQ(*file->get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5f);

    const gguf::Value* tokens = file->find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    ASSERT_EQ(tokens->strings.size(), 512u);
    EXPECT_EQ(std::set<std::string_view>(tokens->strings.begin(), tokens->strings.end()).size(), 512u);
    EXPECT_EQ(file->find("tokenizer.ggml.scores")->count, 512u);
    EXPECT_EQ(*file->get_int("tokenizer.ggml.bos_token_id"), 1);

    ASSERT_EQ(file->tensors().size(), plan.tensors.size());
    ASSERT_EQ(plan.tensors.size(), 3u + 2 * 9);
    for (size_t k = 0; k < plan.tensors.size(); ++k) {
      const gguf::TensorInfo& got = file->tensors()[k];
      EXPECT_EQ(got.name, plan.tensors[k].name);
      EXPECT_EQ(got.shape, plan.tensors[k].shape) << got.name;
      EXPECT_EQ(got.dtype, plan.tensors[k].dtype) << got.name;
      EXPECT_EQ(got.n_bytes, tensor::row_bytes(got.dtype, got.n_elements)) << got.name;
      const uint8_t* p = file->tensor_data(got);
      EXPECT_TRUE(std::any_of(p, p + got.n_bytes, [](uint8_t b) { return b != 0; })) << got.name << " is all zero";
    }
    EXPECT_EQ(file->find_tensor("blk.1.attn_k.weight")->shape, (std::vector<int64_t>{64, 32}));
    EXPECT_EQ(file->find_tensor("blk.1.ffn_down.weight")->shape, (std::vector<int64_t>{128, 64}));
    EXPECT_EQ(file->find_tensor("output.weight")->shape, (std::vector<int64_t>{64, 512}));
    EXPECT_EQ(file->find_tensor("output_norm.weight")->dtype, DType::kF32);
  }
  EXPECT_GE(written, 3);
  std::filesystem::remove_all(dir);
}

TEST(SynthTest, WeightsAreSmallAndNormsNearOne) {
  SynthPlan plan = plan_or_die("tiny", "f32");
  const std::vector<uint8_t> bytes = synth_bytes(plan, 1);
  auto file = gguf::GgufFile::parse(bytes.data(), bytes.size(), "tiny");
  ASSERT_TRUE(file.ok());
  auto stats = [&](const char* name, double* mean, double* std) {
    const gguf::TensorInfo* t = file->find_tensor(name);
    const float* v = reinterpret_cast<const float*>(file->tensor_data(*t));
    double s = 0, s2 = 0;
    for (int64_t k = 0; k < t->n_elements; ++k) s += v[k], s2 += double(v[k]) * v[k];
    *mean = s / t->n_elements;
    *std = std::sqrt(s2 / t->n_elements - *mean * *mean);
  };
  double mean, std;
  stats("token_embd.weight", &mean, &std);
  EXPECT_NEAR(mean, 0.0, 0.002);
  EXPECT_NEAR(std, 0.02, 0.001);
  stats("blk.0.attn_norm.weight", &mean, &std);
  EXPECT_NEAR(mean, 1.0, 0.01);
  EXPECT_NEAR(std, 0.02, 0.006);
}

TEST(SynthTest, SameSeedGivesIdenticalBytesWhateverTheThreadCount) {
  SynthPlan plan = plan_or_die("tiny-qwen3", "f16");
  const std::vector<uint8_t> one = synth_bytes(plan, 1);
  EXPECT_EQ(one, synth_bytes(plan, 2));
  EXPECT_EQ(one, synth_bytes(plan, 3));
  SynthPlan other = plan_or_die("tiny-qwen3", "f16", 0, 1);
  EXPECT_NE(one, synth_bytes(other, 2));
}

TEST(SynthTest, QwenShapesHaveBiasesQkNormsAndTiedEmbeddings) {
  SynthPlan q2 = plan_or_die("tiny-qwen2", "f16");
  EXPECT_EQ(find(q2, "blk.0.attn_q.bias").shape, (std::vector<int64_t>{64}));
  EXPECT_EQ(find(q2, "blk.1.attn_v.bias").shape, (std::vector<int64_t>{32}));
  EXPECT_EQ(find(q2, "blk.1.attn_v.bias").dtype, DType::kF32);
  SynthPlan q3 = plan_or_die("tiny-qwen3", "f16");
  EXPECT_EQ(find(q3, "blk.0.attn_q.weight").shape, (std::vector<int64_t>{64, 128}));  // head_dim 32 x 4 heads
  EXPECT_EQ(find(q3, "blk.0.attn_output.weight").shape, (std::vector<int64_t>{128, 64}));
  EXPECT_EQ(find(q3, "blk.0.attn_k_norm.weight").shape, (std::vector<int64_t>{32}));
  for (const SynthPlan* p : {&q2, &q3}) {
    for (const auto& t : p->tensors) {
      EXPECT_NE(t.name, "output.weight");
      if (p == &q3) {
        EXPECT_EQ(t.name.find(".bias"), std::string::npos) << t.name;
      }
    }
  }
  const std::vector<uint8_t> bytes = synth_bytes(q3, 2);
  auto file = gguf::GgufFile::parse(bytes.data(), bytes.size(), "q3");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file->get_int("qwen3.attention.key_length"), 32);
  EXPECT_EQ(*file->get_string("tokenizer.ggml.pre"), "qwen2");
}

// Every merge "a b" must join two tokens into a token: what a BPE tokenizer assumes.
void expect_consistent_bpe(const SynthVocab& v, int64_t size) {
  ASSERT_EQ(static_cast<int64_t>(v.tokens.size()), size);
  ASSERT_EQ(v.token_types.size(), v.tokens.size());
  std::set<std::string> seen(v.tokens.begin(), v.tokens.end());
  EXPECT_EQ(static_cast<int64_t>(seen.size()), size) << "duplicate tokens";
  EXPECT_FALSE(v.merges.empty());
  for (const std::string& m : v.merges) {
    const size_t sp = m.find(' ');
    ASSERT_NE(sp, std::string::npos) << m;
    const std::string a = m.substr(0, sp), b = m.substr(sp + 1);
    ASSERT_TRUE(seen.count(a) && seen.count(b) && seen.count(a + b)) << "merge '" << m << "'";
  }
}

TEST(SynthTest, ByteLevelVocabulariesPutSpecialsAtTheirRealIds) {
  auto qwen = make_synth_vocab(VocabKind::kQwen3, 151936);
  ASSERT_TRUE(qwen.ok());
  expect_consistent_bpe(*qwen, 151936);
  EXPECT_EQ(qwen->tokens[151643], "<|endoftext|>");
  EXPECT_EQ(qwen->tokens[151645], "<|im_end|>");
  EXPECT_EQ(qwen->eos_id, 151645);
  EXPECT_EQ(qwen->merges.size(), 151643u - 256);
  EXPECT_EQ(qwen->token_types.back(), kTokenUnused);  // [PAD151935]

  auto llama3 = make_synth_vocab(VocabKind::kLlama3, 128256);
  ASSERT_TRUE(llama3.ok());
  expect_consistent_bpe(*llama3, 128256);
  EXPECT_EQ(llama3->bos_id, 128000);
  EXPECT_EQ(llama3->eos_id, 128009);
  EXPECT_EQ(llama3->tokens[128009], "<|eot_id|>");
  EXPECT_EQ(llama3->tokens[0], "!");  // GPT-2's byte order: printable bytes first

  auto smol = make_synth_vocab(VocabKind::kSmolLm, 50257);  // the baseline's vocabulary size
  ASSERT_TRUE(smol.ok());
  expect_consistent_bpe(*smol, 50257);
  EXPECT_EQ(smol->tokens[0], "<|endoftext|>");
  EXPECT_EQ(smol->bos_id, 1);
  EXPECT_EQ(smol->eos_id, 2);

  auto small = make_synth_vocab(VocabKind::kLlama3, 1000);  // specials move to the end
  ASSERT_TRUE(small.ok());
  expect_consistent_bpe(*small, 1000);
  EXPECT_EQ(small->tokens[1000 - 256], "<|begin_of_text|>");
}

TEST(SynthTest, SentencePieceVocabularyHasBytesAndDescendingScores) {
  auto v = make_synth_vocab(VocabKind::kLlamaSpm, 32000);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->tokens.size(), 32000u);
  EXPECT_EQ(std::set<std::string>(v->tokens.begin(), v->tokens.end()).size(), 32000u);
  EXPECT_EQ(v->tokens[0], "<unk>");
  EXPECT_EQ(v->token_types[0], kTokenUnknown);
  EXPECT_EQ(v->token_types[1], kTokenControl);
  EXPECT_EQ(v->tokens[3], "<0x00>");
  EXPECT_EQ(v->tokens[258], "<0xFF>");
  EXPECT_EQ(v->token_types[258], kTokenByte);
  EXPECT_TRUE(v->merges.empty());
  for (size_t id = 260; id < v->tokens.size(); ++id) {
    ASSERT_LT(v->scores[id], v->scores[id - 1]) << id;
    ASSERT_EQ(v->token_types[id], kTokenNormal);
  }
  EXPECT_FALSE(make_synth_vocab(VocabKind::kLlamaSpm, 200).ok());
}

TEST(SynthTest, Q4KMFollowsLlamaQuantizeUseMoreBits) {
  SynthPlan p = plan_or_die("tinyllama-1.1b", "q4_k_m");
  EXPECT_EQ(p.type.file_type, 15u);
  EXPECT_EQ(find(p, "output.weight").dtype, DType::kQ6_K);
  EXPECT_EQ(find(p, "token_embd.weight").dtype, DType::kQ4_K);
  // 22 layers: more bits for layers < 2, >= 19, and (layer - 2) % 3 == 2.
  const std::set<int> more = {0, 1, 4, 7, 10, 13, 16, 19, 20, 21};
  for (int l = 0; l < 22; ++l) {
    const DType want = more.count(l) ? DType::kQ6_K : DType::kQ4_K;
    EXPECT_EQ(find(p, "blk." + std::to_string(l) + ".attn_v.weight").dtype, want) << l;
    EXPECT_EQ(find(p, "blk." + std::to_string(l) + ".ffn_down.weight").dtype, want) << l;
    EXPECT_EQ(find(p, "blk." + std::to_string(l) + ".attn_q.weight").dtype, DType::kQ4_K) << l;
  }
}

TEST(SynthTest, LegacyTypesKeepTheOutputMatrixInQ6K) {
  SynthPlan q4 = plan_or_die("tinyllama-1.1b", "q4_0");
  EXPECT_EQ(find(q4, "output.weight").dtype, DType::kQ6_K);
  EXPECT_EQ(find(q4, "token_embd.weight").dtype, DType::kQ4_0);
  SynthPlan q8 = plan_or_die("tinyllama-1.1b", "q8_0");
  EXPECT_EQ(find(q8, "output.weight").dtype, DType::kQ8_0);  // llama-quantize leaves q8_0 alone
  // Tied, and 576 is not a multiple of 256: the shared matrix gets q8_0, as llama-quantize does.
  SynthPlan smol = plan_or_die("smollm2-135m", "q4_0");
  EXPECT_EQ(find(smol, "token_embd.weight").dtype, DType::kQ8_0);
  SynthPlan pure = plan_or_die("tinyllama-1.1b", "q4_k");
  EXPECT_EQ(find(pure, "output.weight").dtype, DType::kQ4_K);
}

TEST(SynthTest, RowsThatAreNotWholeBlocksFallBackLikeLlamaQuantize) {
  SynthPlan p = plan_or_die("qwen2.5-0.5b", "q4_k_m");  // d_model 896 = 3.5 x 256
  EXPECT_EQ(find(p, "blk.5.attn_q.weight").dtype, DType::kQ5_0);
  EXPECT_EQ(find(p, "blk.5.attn_q.weight").fallback, "q4_K -> q5_0 (row 896)");
  EXPECT_EQ(find(p, "blk.0.attn_v.weight").dtype, DType::kQ8_0);      // q6_K -> q8_0
  EXPECT_EQ(find(p, "blk.6.ffn_down.weight").dtype, DType::kQ4_K);    // row 4864 = 19 x 256
  EXPECT_EQ(find(p, "blk.5.ffn_down.weight").dtype, DType::kQ6_K);    // use_more_bits(5, 24)
  EXPECT_EQ(find(p, "token_embd.weight").dtype, DType::kQ8_0);
}

// BASELINE.md's sizes are llama-bench's, which count tensor bytes: the same shapes and mixes must match.
TEST(SynthTest, TensorBytesMatchTheBaselineFiles) {
  const double mib = 1 << 20;
  EXPECT_NEAR(tensor_bytes(plan_or_die("tinyllama-1.1b", "q4_0")) / mib, 607, 1);
  EXPECT_NEAR(tensor_bytes(plan_or_die("tinyllama-1.1b", "q4_k_m")) / mib, 636, 1);
  EXPECT_NEAR(tensor_bytes(plan_or_die("tinyllama-1.1b", "q8_0")) / mib / 1024, 1.09, 0.005);
  EXPECT_NEAR(tensor_bytes(plan_or_die("tinyllama-1.1b", "f16")) / mib / 1024, 2.05, 0.005);
  EXPECT_NEAR(tensor_bytes(plan_or_die("smollm2-135m", "q4_0", 50257)) / mib, 86, 0.5);
  EXPECT_NEAR(tensor_bytes(plan_or_die("smollm2-135m", "q8_0", 50257)) / mib, 137, 0.5);
  EXPECT_NEAR(tensor_bytes(plan_or_die("smollm2-135m", "f16", 50257)) / mib, 258, 0.5);
}

TEST(SynthTest, Llama3CarriesRopeFreqsForItsScaling) {
  SynthPlan p = plan_or_die("llama-3.2-1b", "f16");
  EXPECT_EQ(find(p, "rope_freqs.weight").shape, (std::vector<int64_t>{32}));
  const std::vector<float> f = llama3_rope_freqs(p.shape);
  ASSERT_EQ(f.size(), 32u);
  EXPECT_FLOAT_EQ(f.front(), 1.0f);  // wavelength 2 pi: untouched
  EXPECT_FLOAT_EQ(f.back(), 32.0f);  // longer than 8192 positions: divided by the factor
  for (size_t i = 1; i < f.size(); ++i) EXPECT_GE(f[i], f[i - 1]);
}

TEST(SynthTest, UnknownNamesListTheChoices) {
  SynthOptions o;
  o.shape = "llama-9000", o.type = "f16";
  auto r = plan_synth(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unknown shape 'llama-9000'; shapes: tiny, "), std::string::npos);
  o.shape = "tiny", o.type = "q4_x";
  r = plan_synth(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown type 'q4_x'; types: f32, f16, bf16, q4_0"), std::string::npos);
  o.type = "f16", o.vocab_size = 100;
  EXPECT_FALSE(plan_synth(o).ok());
}

// The tiny shapes' 64-wide rows always fall back to legacy types, so K-quant encoders get their own
// 256-wide tensor: its rows must decode close to the same seed's f32 rows.
TEST(SynthTest, QuantizedRowsDecodeCloseToTheFloatRows) {
  auto one_tensor = [](DType dtype) {
    SynthPlan p = plan_or_die("tiny", "f32");
    p.tensors = {{"w.weight", {256, 16}, dtype, Init::kWeight, ""}};
    std::vector<uint8_t> bytes = synth_bytes(p, 2);
    auto file = gguf::GgufFile::parse(bytes.data(), bytes.size(), "one");
    EXPECT_TRUE(file.ok()) << file.status().message();
    const gguf::TensorInfo* t = file->find_tensor("w.weight");
    std::vector<float> values(static_cast<size_t>(t->n_elements));
    const auto dequantize = kernels::reference_table().of(dtype).dequantize_row;
    if (dequantize != nullptr) dequantize(file->tensor_data(*t), values.data(), t->n_elements);
    return values;
  };
  const std::vector<float> exact = one_tensor(DType::kF32);
  int checked = 0;
  for (DType dtype : {DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                      DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    SCOPED_TRACE(std::string(tensor::dtype_name(dtype)));
    if (!kernels::reference_table().of(dtype).quantize_row || !kernels::reference_table().of(dtype).dequantize_row) {
      continue;
    }
    const std::vector<float> got = one_tensor(dtype);
    double err = 0;
    for (size_t k = 0; k < exact.size(); ++k) err += (got[k] - exact[k]) * (got[k] - exact[k]);
    err = std::sqrt(err / exact.size());
    EXPECT_LT(err, 0.4 * 0.02);  // q2_K, the coarsest, keeps the error well under the weights' spread
    EXPECT_GT(err, 0.0) << "not quantized at all";
    ++checked;
  }
  std::printf("checked %d quantized types against f32\n", checked);
}

}  // namespace
}  // namespace glassbox::model::synth
