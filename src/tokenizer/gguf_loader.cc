// read_gguf_tokenizer: GGUF metadata -> TokenizerSpec.
#include "tokenizer/gguf_loader.h"

#include <string>

namespace glassbox::tokenizer {
namespace {

using gguf::ValueType;

Result<const gguf::Value*> find_array(const gguf::GgufFile& file, std::string_view key, bool required) {
  const gguf::Value* value = file.find(key);
  if (value == nullptr) {
    if (!required) return static_cast<const gguf::Value*>(nullptr);
    return not_found(str_format("tokenizer: '%s' has no %.*s", file.name().c_str(), static_cast<int>(key.size()),
                                key.data()));
  }
  if (value->type != ValueType::kArray) {
    return data_loss(str_format("tokenizer: '%s': %.*s is a %s, expected an array", file.name().c_str(),
                                static_cast<int>(key.size()), key.data(),
                                std::string(gguf::value_type_name(value->type)).c_str()));
  }
  return value;
}

Status check_elements(const gguf::GgufFile& file, std::string_view key, const gguf::Value& value, bool numeric,
                      uint64_t min_count) {
  const bool is_string = value.elem_type == ValueType::kString;
  const bool is_number = value.elem_type != ValueType::kString && value.elem_type != ValueType::kArray &&
                         value.elem_type != ValueType::kBool;
  if (numeric ? !is_number : !is_string) {
    return data_loss(str_format("tokenizer: '%s': %.*s holds %s, expected %s", file.name().c_str(),
                                static_cast<int>(key.size()), key.data(),
                                std::string(gguf::value_type_name(value.elem_type)).c_str(),
                                numeric ? "numbers" : "strings"));
  }
  if (value.count < min_count) {
    return data_loss(str_format("tokenizer: '%s': %.*s has %llu entries, expected %llu (one per token)",
                                file.name().c_str(), static_cast<int>(key.size()), key.data(),
                                static_cast<unsigned long long>(value.count),
                                static_cast<unsigned long long>(min_count)));
  }
  return ok_status();
}

// Reads an optional special-token id key into `id`; ids outside the vocabulary are ignored (as
// llama.cpp does, which keeps the default then).
Status read_special(const gguf::GgufFile& file, std::string_view key, size_t n_tokens, int32_t* id) {
  GB_ASSIGN_OR_RETURN(auto value, file.find_int(key));
  if (value && *value >= 0 && static_cast<uint64_t>(*value) < n_tokens) *id = static_cast<int32_t>(*value);
  return ok_status();
}

}  // namespace

Result<TokenizerSpec> read_gguf_tokenizer(const gguf::GgufFile& file) {
  TokenizerSpec spec;
  GB_ASSIGN_OR_RETURN(auto model, file.find_string("tokenizer.ggml.model"));
  if (!model) {
    return not_found("tokenizer: '" + file.name() + "' has no tokenizer.ggml.model (not a model or vocabulary file?)");
  }
  if (*model == "llama") {
    spec.kind = TokenizerKind::kSpm;
  } else if (*model == "gpt2") {
    spec.kind = TokenizerKind::kBpe;
  } else {
    return unimplemented("tokenizer: '" + file.name() + "': tokenizer.ggml.model '" + std::string(*model) +
                         "' is not supported (supported: llama, gpt2)");
  }

  GB_ASSIGN_OR_RETURN(const gguf::Value* tokens, find_array(file, "tokenizer.ggml.tokens", true));
  GB_RETURN_IF_ERROR(check_elements(file, "tokenizer.ggml.tokens", *tokens, false, 1));
  const size_t n_tokens = tokens->strings.size();
  GB_ASSIGN_OR_RETURN(const gguf::Value* scores, find_array(file, "tokenizer.ggml.scores", false));
  if (scores) GB_RETURN_IF_ERROR(check_elements(file, "tokenizer.ggml.scores", *scores, true, n_tokens));
  GB_ASSIGN_OR_RETURN(const gguf::Value* types, find_array(file, "tokenizer.ggml.token_type", false));
  if (types) GB_RETURN_IF_ERROR(check_elements(file, "tokenizer.ggml.token_type", *types, true, n_tokens));

  spec.tokens.resize(n_tokens);
  for (size_t id = 0; id < n_tokens; ++id) {
    TokenData& t = spec.tokens[id];
    t.text = std::string(tokens->strings[id]);
    t.score = scores ? static_cast<float>(scores->array_float(id)) : 0.0f;
    t.attr = types ? attr_from_gguf_token_type(types->array_int(id)) : kAttrNormal;
  }

  if (spec.kind == TokenizerKind::kSpm) {
    // SentencePiece conventions when metadata is silent.
    spec.special.unk = 0;
    spec.special.bos = n_tokens > 1 ? 1 : -1;
    spec.special.eos = n_tokens > 2 ? 2 : -1;
  } else {
    GB_ASSIGN_OR_RETURN(const gguf::Value* merges, find_array(file, "tokenizer.ggml.merges", true));
    GB_RETURN_IF_ERROR(check_elements(file, "tokenizer.ggml.merges", *merges, false, 0));
    spec.merges.reserve(merges->strings.size());
    for (std::string_view merge : merges->strings) {
      // "left right", split at the first space after the first byte (as llama.cpp does).
      const size_t space = merge.find(' ', 1);
      if (space == std::string_view::npos) {
        spec.merges.emplace_back();
        continue;
      }
      spec.merges.emplace_back(std::string(merge.substr(0, space)), std::string(merge.substr(space + 1)));
    }
    GB_ASSIGN_OR_RETURN(auto pre, file.find_string("tokenizer.ggml.pre"));
    spec.pre_tokenizer = pre && !pre->empty() ? std::string(*pre) : "default";
  }

  const std::pair<std::string_view, int32_t*> special_keys[] = {
      {"tokenizer.ggml.bos_token_id", &spec.special.bos},
      {"tokenizer.ggml.eos_token_id", &spec.special.eos},
      {"tokenizer.ggml.unknown_token_id", &spec.special.unk},
      {"tokenizer.ggml.padding_token_id", &spec.special.pad},
      {"tokenizer.ggml.eot_token_id", &spec.special.eot},
      {"tokenizer.ggml.eom_token_id", &spec.special.eom},
      {"tokenizer.ggml.fim_pre_token_id", &spec.special.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &spec.special.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &spec.special.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &spec.special.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &spec.special.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &spec.special.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &spec.special.fim_pre},  // deprecated spellings
      {"tokenizer.ggml.suffix_token_id", &spec.special.fim_suf},
      {"tokenizer.ggml.middle_token_id", &spec.special.fim_mid},
  };
  for (const auto& [key, id] : special_keys) GB_RETURN_IF_ERROR(read_special(file, key, n_tokens, id));

  GB_ASSIGN_OR_RETURN(auto add_bos, file.find_bool("tokenizer.ggml.add_bos_token"));
  if (add_bos) spec.add_bos = *add_bos;
  GB_ASSIGN_OR_RETURN(auto add_space_prefix, file.find_bool("tokenizer.ggml.add_space_prefix"));
  spec.add_space_prefix = add_space_prefix.value_or(spec.kind == TokenizerKind::kSpm);
  GB_ASSIGN_OR_RETURN(auto chat_template, file.find_string("tokenizer.chat_template"));
  if (chat_template) spec.chat_template = std::string(*chat_template);
  GB_ASSIGN_OR_RETURN(auto name, file.find_string("general.name"));
  if (name) spec.model_name = std::string(*name);
  return spec;
}

}  // namespace glassbox::tokenizer
