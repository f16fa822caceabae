// The DType table: block sizes from the GGUF / ggml block layouts (see tensor/quant_blocks.h).
#include "tensor/dtype.h"

#include <array>
#include <cctype>
#include <string>

#include "base/check.h"

namespace glassbox::tensor {
namespace {

constexpr DTypeInfo kInfos[] = {
    {DType::kF32, "f32", 1, 4, false, true, DType::kF32},
    {DType::kF16, "f16", 1, 2, false, true, DType::kF16},
    {DType::kQ4_0, "q4_0", 32, 18, true, true, DType::kQ8_0},
    {DType::kQ4_1, "q4_1", 32, 20, true, true, DType::kQ8_1},
    {DType::kQ5_0, "q5_0", 32, 22, true, true, DType::kQ8_0},
    {DType::kQ5_1, "q5_1", 32, 24, true, true, DType::kQ8_1},
    {DType::kQ8_0, "q8_0", 32, 34, true, true, DType::kQ8_0},
    {DType::kQ8_1, "q8_1", 32, 36, true, false, DType::kQ8_1},
    {DType::kQ2_K, "q2_K", 256, 84, true, true, DType::kQ8_K},
    {DType::kQ3_K, "q3_K", 256, 110, true, true, DType::kQ8_K},
    {DType::kQ4_K, "q4_K", 256, 144, true, true, DType::kQ8_K},
    {DType::kQ5_K, "q5_K", 256, 176, true, true, DType::kQ8_K},
    {DType::kQ6_K, "q6_K", 256, 210, true, true, DType::kQ8_K},
    {DType::kQ8_K, "q8_K", 256, 292, true, false, DType::kQ8_K},
    {DType::kI8, "i8", 1, 1, false, false, DType::kI8},
    {DType::kI16, "i16", 1, 2, false, false, DType::kI16},
    {DType::kI32, "i32", 1, 4, false, false, DType::kI32},
    {DType::kI64, "i64", 1, 8, false, false, DType::kI64},
    {DType::kF64, "f64", 1, 8, false, false, DType::kF64},
    {DType::kBF16, "bf16", 1, 2, false, true, DType::kBF16},
};

const std::array<const DTypeInfo*, kDTypeTableSize>& table() {
  static const auto t = [] {
    std::array<const DTypeInfo*, kDTypeTableSize> a{};
    for (const auto& info : kInfos) a[static_cast<uint32_t>(info.dtype)] = &info;
    return a;
  }();
  return t;
}

}  // namespace

const DTypeInfo* dtype_info(uint32_t raw_id) {
  if (raw_id >= static_cast<uint32_t>(kDTypeTableSize)) return nullptr;
  return table()[raw_id];
}

const DTypeInfo& dtype_info(DType dtype) {
  const DTypeInfo* info = dtype_info(static_cast<uint32_t>(dtype));
  GB_CHECK(info != nullptr);
  return *info;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& info : kInfos) {
    std::string n;
    for (char c : info.name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == lower) return info.dtype;
  }
  return std::nullopt;
}

}  // namespace glassbox::tensor
