// Builds the sample GGUF files (fuzz seeds, test inputs) with GgufWriter.
#include "gguf/gguf_sample_files.h"

#include <cstring>

#include "base/check.h"
#include "gguf/gguf_writer.h"

namespace glassbox::gguf {
namespace {

using tensor::DType;

Value scalar(ValueType type, uint64_t u, int64_t i, double f) {
  Value v;
  v.type = type;
  v.u = u;
  v.i = i;
  v.f = f;
  return v;
}

// A numeric array viewing `bytes`, which must outlive the Value (set_value copies it).
Value numeric_array(ValueType elem_type, const std::vector<uint8_t>& bytes, uint64_t count) {
  Value v;
  v.type = ValueType::kArray;
  v.elem_type = elem_type;
  v.count = count;
  v.elems = bytes.data();
  return v;
}

Value string_array(const std::vector<std::string_view>& strings) {
  Value v;
  v.type = ValueType::kArray;
  v.elem_type = ValueType::kString;
  v.count = strings.size();
  v.strings = strings;
  return v;
}

Value nested_array(std::vector<Value> children) {
  Value v;
  v.type = ValueType::kArray;
  v.elem_type = ValueType::kArray;
  v.count = children.size();
  v.nested = std::move(children);
  return v;
}

std::vector<uint8_t> counting_bytes(size_t n, uint8_t start) {
  std::vector<uint8_t> b(n);
  for (size_t k = 0; k < n; ++k) b[k] = static_cast<uint8_t>(start + k * 7);
  return b;
}

void add(GgufWriter& w, const std::string& name, DType dtype, const std::vector<int64_t>& shape, uint8_t fill) {
  const tensor::DTypeInfo& info = tensor::dtype_info(dtype);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  auto data = counting_bytes(static_cast<size_t>(n / info.block_elems * info.block_bytes), fill);
  Status s = w.add_tensor(name, dtype, shape, std::move(data));
  GB_CHECK_MSG(s.ok(), s.message().c_str());
}

std::vector<uint8_t> all_value_types() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("general.name", "sample \xe2\x96\x81 unicode \xf0\x9f\x98\x80");
  w.set_string("empty.string", "");
  w.set_value("scalar.u8", scalar(ValueType::kU8, 200, 0, 0));
  w.set_value("scalar.i8", scalar(ValueType::kI8, 0, -100, 0));
  w.set_value("scalar.u16", scalar(ValueType::kU16, 60000, 0, 0));
  w.set_value("scalar.i16", scalar(ValueType::kI16, 0, -30000, 0));
  w.set_u32("scalar.u32", 4000000000u);
  w.set_i32("scalar.i32", -2000000000);
  w.set_f32("scalar.f32", 1e-5f);
  w.set_bool("scalar.bool", true);
  w.set_u64("scalar.u64", ~0ull);
  w.set_value("scalar.i64", scalar(ValueType::kI64, 0, -(1ll << 62), 0));
  w.set_value("scalar.f64", scalar(ValueType::kF64, 0, 0, 3.141592653589793));

  // Numeric arrays of every element type, 5 elements each.
  const std::pair<ValueType, size_t> kinds[] = {
      {ValueType::kU8, 1},  {ValueType::kI8, 1},  {ValueType::kU16, 2}, {ValueType::kI16, 2},
      {ValueType::kU32, 4}, {ValueType::kI32, 4}, {ValueType::kF32, 4}, {ValueType::kU64, 8},
      {ValueType::kI64, 8}, {ValueType::kF64, 8},
  };
  for (const auto& [type, size] : kinds) {
    auto bytes = counting_bytes(5 * size, static_cast<uint8_t>(size));
    w.set_value("array." + std::string(value_type_name(type)), numeric_array(type, bytes, 5));
  }
  std::vector<uint8_t> bools = {1, 0, 1};
  w.set_value("array.bool", numeric_array(ValueType::kBool, bools, 3));
  std::vector<uint8_t> none;
  w.set_value("array.empty", numeric_array(ValueType::kI32, none, 0));
  w.set_string_array("array.string", {"<unk>", "<s>", "\xe2\x96\x81the", "", "<0x0A>"});
  w.set_f32_array("array.f32_scores", {0.0f, -1.5f, -2.25f});
  w.set_i32_array("array.i32_types", {2, 3, 3, 6, 1});

  // Arrays of arrays: of numbers, of strings, and two levels deep.
  auto a = counting_bytes(3 * 4, 1), b = counting_bytes(2 * 4, 9);
  w.set_value("nested.i32", nested_array({numeric_array(ValueType::kI32, a, 3), numeric_array(ValueType::kI32, b, 2)}));
  w.set_value("nested.string", nested_array({string_array({"a", "bc"}), string_array({}), string_array({"d"})}));
  auto c = counting_bytes(4 * 8, 3);
  w.set_value("nested.deep", nested_array({nested_array({numeric_array(ValueType::kF64, c, 4)}), nested_array({})}));

  add(w, "token_embd.weight", DType::kF16, {8, 4}, 0);
  add(w, "output_norm.weight", DType::kF32, {8}, 10);
  add(w, "blk.0.attn_q.weight", DType::kBF16, {8, 2, 2}, 20);
  add(w, "blk.0.ffn_up.weight", DType::kF32, {2, 2, 2, 2}, 30);
  return w.to_bytes();
}

std::vector<uint8_t> quantized_tensors() {
  GgufWriter w;
  w.set_string("general.architecture", "qwen2");
  w.set_u32("general.file_type", 15);
  w.set_u32("qwen2.block_count", 1);
  const DType types[] = {DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,
                         DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                         DType::kQ8_K, DType::kI8,   DType::kI32,  DType::kF64};
  uint8_t fill = 0;
  for (DType t : types) {
    const tensor::DTypeInfo& info = tensor::dtype_info(t);
    add(w, "blk.0." + std::string(info.name) + ".weight", t, {info.block_elems, 2}, fill);
    fill = static_cast<uint8_t>(fill + 13);
  }
  return w.to_bytes();
}

std::vector<uint8_t> wide_alignment() {
  GgufWriter w;
  w.set_u32("general.alignment", 64);
  w.set_string("general.architecture", "qwen3");
  add(w, "a", DType::kF32, {3}, 1);
  add(w, "b", DType::kF16, {5, 3}, 2);
  add(w, "c", DType::kQ8_0, {32}, 3);
  return w.to_bytes();
}

std::vector<uint8_t> tokenizer_only() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "llama-bpe");
  w.set_string_array("tokenizer.ggml.tokens", {"!", "\"", "\xc4\xa0", "t", "\xc4\xa0t", "he", "<|eot_id|>"});
  w.set_i32_array("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 1, 3});
  w.set_string_array("tokenizer.ggml.merges", {"\xc4\xa0 t", "h e"});
  w.set_u32("tokenizer.ggml.bos_token_id", 6);
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  return w.to_bytes();
}

std::vector<uint8_t> tensors_only() {
  GgufWriter w;
  add(w, "x", DType::kF32, {1}, 0);
  add(w, "y", DType::kQ4_K, {256}, 5);
  return w.to_bytes();
}

std::vector<uint8_t> version2() {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  add(w, "t", DType::kF16, {4, 4}, 9);
  std::vector<uint8_t> bytes = w.to_bytes();
  const uint32_t v2 = 2;
  std::memcpy(&bytes[4], &v2, 4);  // v2 and v3 share the layout; only the version field differs
  return bytes;
}

}  // namespace

std::vector<SampleFile> sample_files() {
  return {
      {"all_value_types.gguf", all_value_types()},
      {"quantized_tensors.gguf", quantized_tensors()},
      {"wide_alignment.gguf", wide_alignment()},
      {"tokenizer_only.gguf", tokenizer_only()},
      {"tensors_only.gguf", tensors_only()},
      {"version2.gguf", version2()},
      {"empty.gguf", GgufWriter().to_bytes()},
  };
}

}  // namespace glassbox::gguf
