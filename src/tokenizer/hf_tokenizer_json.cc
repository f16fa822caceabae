// read_hf_tokenizer_dir: tokenizer.json + tokenizer_config.json -> TokenizerSpec.
#include "tokenizer/hf_tokenizer_json.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenizer/pre_tokenizer.h"

namespace glassbox::tokenizer {
namespace {

using nlohmann::json;

constexpr int64_t kMaxTokenId = 1 << 24;

Status malformed(const std::string& source, std::string_view field, std::string_view expected) {
  return data_loss(source + ": " + std::string(field) + ": expected " + std::string(expected));
}

Status not_supported(const std::string& source, const std::string& what) {
  return unimplemented(source + ": " + what + " is not supported (glassbox reads byte-level BPE tokenizer.json)");
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("tokenizer: cannot open '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return io_error("tokenizer: cannot read '" + path + "'");
  return text.str();
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// A PCRE2 pattern matching `literal` exactly.
std::string escape_literal(std::string_view literal) {
  std::string out;
  for (char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// Mirrors convert_hf_to_gguf's test for added tokens that are special in all but name.
bool looks_special(std::string_view text) {
  auto wrapped = [&](std::string_view open, std::string_view close) {
    return text.size() >= open.size() + close.size() && text.substr(0, open.size()) == open &&
           text.substr(text.size() - close.size()) == close;
  };
  return text == "<pad>" || text == "<mask>" || text == "<2mass>" || text == "[@BOS@]" || wrapped("<|", "|>") ||
         wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") || wrapped("<unused", ">");
}

struct PreTokenizerParse {
  std::vector<std::string> patterns;
  bool byte_level = false;
  bool add_prefix_space = false;
};

Status parse_pre_tokenizer(const json& node, const std::string& source, const std::string& field, bool first,
                           PreTokenizerParse* out) {
  if (node.is_null()) return ok_status();
  if (!node.is_object() || !node.contains("type") || !node["type"].is_string()) {
    return malformed(source, field, "an object with a \"type\"");
  }
  const std::string type = node["type"].get<std::string>();
  if (type == "Sequence") {
    const json& steps = node.value("pretokenizers", json());
    if (!steps.is_array()) return malformed(source, field + ".pretokenizers", "an array");
    for (size_t k = 0; k < steps.size(); ++k) {
      GB_RETURN_IF_ERROR(parse_pre_tokenizer(steps[k], source, field + ".pretokenizers[" + std::to_string(k) + "]",
                                             first && k == 0, out));
    }
    return ok_status();
  }
  if (type == "ByteLevel") {
    out->byte_level = true;
    if (node.value("add_prefix_space", false)) {
      if (!first) return not_supported(source, field + ": ByteLevel add_prefix_space after another pre-tokenizer");
      out->add_prefix_space = true;
    }
    if (node.value("use_regex", true)) out->patterns.emplace_back(PreTokenizer::gpt2_pattern());
    return ok_status();
  }
  if (type == "Split") {
    const json& pattern = node.value("pattern", json());
    const std::string behavior = node.value("behavior", std::string("Isolated"));
    if (behavior != "Isolated") return not_supported(source, field + ": Split behaviour '" + behavior + "'");
    if (node.value("invert", false)) return not_supported(source, field + ": inverted Split");
    if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
      out->patterns.push_back(pattern["Regex"].get<std::string>());
    } else if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string()) {
      out->patterns.push_back(escape_literal(pattern["String"].get<std::string>()));
    } else {
      return malformed(source, field + ".pattern", "{\"Regex\": ...} or {\"String\": ...}");
    }
    return ok_status();
  }
  if (type == "Digits") {
    out->patterns.emplace_back(node.value("individual_digits", false) ? "\\p{N}" : "\\p{N}+");
    return ok_status();
  }
  if (type == "Punctuation") {
    // Hugging Face's punctuation: Unicode P* plus every ASCII punctuation character.
    const std::string behavior = node.value("behavior", std::string("Isolated"));
    if (behavior != "Isolated" && behavior != "Contiguous") {
      return not_supported(source, field + ": Punctuation behaviour '" + behavior + "'");
    }
    out->patterns.emplace_back(behavior == "Isolated" ? "[\\p{P}!-/:-@\\[-`{-~]" : "[\\p{P}!-/:-@\\[-`{-~]+");
    return ok_status();
  }
  return not_supported(source, field + ": pre-tokenizer '" + type + "'");
}

// The content of a tokenizer_config.json token entry: "text", {"content": "text"}, or null.
Result<std::optional<std::string>> token_content(const json& config, const char* key, const std::string& source) {
  if (!config.contains(key) || config[key].is_null()) return std::optional<std::string>();
  const json& v = config[key];
  if (v.is_string()) return std::optional<std::string>(v.get<std::string>());
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return std::optional<std::string>(v["content"].get<std::string>());
  }
  return malformed(source, key, "a string, {\"content\": ...} or null");
}

// The first special token of a TemplateProcessing "single" template, found directly or inside a
// Sequence post-processor; "" when there is none.
std::string template_first_special(const json& post) {
  if (!post.is_object()) return "";
  const std::string type = post.value("type", std::string());
  if (type == "Sequence" && post.contains("processors") && post["processors"].is_array()) {
    for (const json& p : post["processors"]) {
      std::string first = template_first_special(p);
      if (!first.empty()) return first;
    }
    return "";
  }
  if (type != "TemplateProcessing" || !post.contains("single") || !post["single"].is_array() ||
      post["single"].empty()) {
    return "";
  }
  const json& head = post["single"][0];
  if (head.is_object() && head.contains("SpecialToken") && head["SpecialToken"].is_object()) {
    return head["SpecialToken"].value("id", std::string());
  }
  return "";
}

int32_t find_text(const std::vector<TokenData>& tokens, std::string_view text) {
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (tokens[id].text == text) return static_cast<int32_t>(id);
  }
  return -1;
}

Status read_vocab(const json& model, const json& added, const std::string& source, TokenizerSpec* spec) {
  const json& vocab = model.value("vocab", json());
  if (!vocab.is_object()) return malformed(source, "model.vocab", "an object mapping token text to id");
  int64_t max_id = -1;
  for (const auto& [text, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxTokenId) {
      return malformed(source, "model.vocab[\"" + text + "\"]", "a token id in [0, 2^24)");
    }
    max_id = std::max(max_id, id.get<int64_t>());
  }
  if (!added.is_null() && !added.is_array()) return malformed(source, "added_tokens", "an array");
  for (size_t k = 0; k < added.size(); ++k) {
    const json& a = added[k];
    const std::string field = "added_tokens[" + std::to_string(k) + "]";
    if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
        !a["content"].is_string()) {
      return malformed(source, field, "an object with integer \"id\" and string \"content\"");
    }
    const int64_t id = a["id"].get<int64_t>();
    if (id < 0 || id >= kMaxTokenId) return malformed(source, field + ".id", "a token id in [0, 2^24)");
    max_id = std::max(max_id, id);
  }
  if (max_id < 0) return malformed(source, "model.vocab", "at least one token");

  spec->tokens.assign(static_cast<size_t>(max_id + 1), TokenData{});
  for (size_t id = 0; id < spec->tokens.size(); ++id) {
    spec->tokens[id] = {"[PAD" + std::to_string(id) + "]", 0.0f, kAttrUnused};  // ids the file skips
  }
  for (const auto& [text, id] : vocab.items()) spec->tokens[id.get<size_t>()] = {text, 0.0f, kAttrNormal};
  for (const json& a : added) {
    TokenData& t = spec->tokens[a["id"].get<size_t>()];
    t.text = a["content"].get<std::string>();
    if (a.value("special", false) || looks_special(t.text)) {
      t.attr = kAttrControl;
    } else {
      t.attr = kAttrUserDefined;
      // User-defined tokens match raw text, so SentencePiece spaces become real ones.
      size_t pos = 0;
      while ((pos = t.text.find("\xE2\x96\x81", pos)) != std::string::npos) t.text.replace(pos, 3, " ");
    }
    if (a.value("lstrip", false)) t.attr |= kAttrLstrip;
    if (a.value("rstrip", false)) t.attr |= kAttrRstrip;
  }
  return ok_status();
}

Status read_merges(const json& model, const std::string& source, TokenizerSpec* spec) {
  const json& merges = model.value("merges", json());
  if (!merges.is_array()) return malformed(source, "model.merges", "an array");
  spec->merges.reserve(merges.size());
  for (size_t k = 0; k < merges.size(); ++k) {
    const json& m = merges[k];
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const size_t space = s.find(' ', 1);
      if (space == std::string::npos) {
        return malformed(source, "model.merges[" + std::to_string(k) + "]", "\"left right\"");
      }
      spec->merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      spec->merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      return malformed(source, "model.merges[" + std::to_string(k) + "]", "\"left right\" or [left, right]");
    }
  }
  return ok_status();
}

Result<TokenizerSpec> parse_checked(const json& tok, const json& config, const std::string& source) {
  TokenizerSpec spec;
  spec.kind = TokenizerKind::kBpe;
  spec.add_space_prefix = false;
  if (!tok.is_object()) return malformed(source, "top level", "an object");
  const json& model = tok.value("model", json());
  if (!model.is_object()) return malformed(source, "model", "an object");
  const std::string model_type = model.value("type", std::string("BPE"));
  if (model_type != "BPE") return not_supported(source, "model type '" + model_type + "'");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(key) && model[key].is_string() && !model[key].get<std::string>().empty()) {
      return not_supported(source, std::string("model.") + key);
    }
  }
  GB_RETURN_IF_ERROR(read_vocab(model, tok.value("added_tokens", json()), source, &spec));
  GB_RETURN_IF_ERROR(read_merges(model, source, &spec));
  if (model.contains("ignore_merges") && model["ignore_merges"].is_boolean()) {
    spec.ignore_merges = model["ignore_merges"].get<bool>();
  }

  const json& normalizer = tok.value("normalizer", json());
  if (!normalizer.is_null()) {
    const std::string type = normalizer.is_object() ? normalizer.value("type", std::string()) : std::string();
    const bool empty_sequence = type == "Sequence" && normalizer.value("normalizers", json::array()).empty();
    if (type != "NFC" && !empty_sequence) return not_supported(source, "normalizer '" + type + "'");
  }

  PreTokenizerParse pre;
  GB_RETURN_IF_ERROR(parse_pre_tokenizer(tok.value("pre_tokenizer", json()), source, "pre_tokenizer", true, &pre));
  if (!pre.byte_level) {
    return not_supported(source, "a BPE model without a ByteLevel pre-tokenizer (SentencePiece-style tokenizer.json)");
  }
  if (model.value("byte_fallback", false)) return not_supported(source, "model.byte_fallback with ByteLevel");
  spec.bpe_add_prefix_space = pre.add_prefix_space;
  const std::string name = PreTokenizer::name_for_patterns(pre.patterns);
  if (!name.empty()) {
    spec.pre_tokenizer = name;
  } else {
    spec.custom_pre_tokenizer = true;
    spec.pre_tokenizer_patterns = std::move(pre.patterns);
  }

  // Special tokens and behaviour: tokenizer_config.json first, the post-processor template second.
  const std::string template_bos = template_first_special(tok.value("post_processor", json()));
  if (!config.is_null() && !config.is_object()) return malformed(source, "tokenizer_config.json", "an object");
  const json cfg = config.is_object() ? config : json::object();
  GB_ASSIGN_OR_RETURN(auto bos_text, token_content(cfg, "bos_token", source));
  GB_ASSIGN_OR_RETURN(auto eos_text, token_content(cfg, "eos_token", source));
  GB_ASSIGN_OR_RETURN(auto pad_text, token_content(cfg, "pad_token", source));
  GB_ASSIGN_OR_RETURN(auto unk_text, token_content(cfg, "unk_token", source));
  if (!bos_text && !cfg.contains("bos_token") && !template_bos.empty()) bos_text = template_bos;
  if (bos_text) spec.special.bos = find_text(spec.tokens, *bos_text);
  if (eos_text) spec.special.eos = find_text(spec.tokens, *eos_text);
  if (pad_text) spec.special.pad = find_text(spec.tokens, *pad_text);
  if (unk_text) spec.special.unk = find_text(spec.tokens, *unk_text);
  if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) {
    spec.add_bos = cfg["add_bos_token"].get<bool>();
  } else if (!template_bos.empty() && bos_text && *bos_text == template_bos) {
    spec.add_bos = true;
  }
  if (cfg.contains("chat_template")) {
    const json& t = cfg["chat_template"];
    if (t.is_string()) {
      spec.chat_template = t.get<std::string>();
    } else if (t.is_array()) {
      // Named templates: [{"name": "default", "template": "..."}, ...]; take "default", else the first.
      for (const json& entry : t) {
        if (!entry.is_object() || !entry.contains("template") || !entry["template"].is_string()) {
          return malformed(source, "chat_template", "a string or [{\"name\", \"template\"}]");
        }
        if (!spec.chat_template || entry.value("name", std::string()) == "default") {
          spec.chat_template = entry["template"].get<std::string>();
        }
      }
    } else if (!t.is_null()) {
      return malformed(source, "chat_template", "a string or [{\"name\", \"template\"}]");
    }
  }
  return spec;
}

}  // namespace

Result<TokenizerSpec> parse_hf_tokenizer(std::string_view tokenizer_json, std::string_view config_json,
                                         const std::string& source) {
  json tok, config;
  try {
    tok = json::parse(tokenizer_json);
  } catch (const json::exception& e) {
    return data_loss(source + ": tokenizer.json is not valid JSON: " + e.what());
  }
  if (!config_json.empty()) {
    try {
      config = json::parse(config_json);
    } catch (const json::exception& e) {
      return data_loss(source + ": tokenizer_config.json is not valid JSON: " + e.what());
    }
  }
  try {
    return parse_checked(tok, config, source);
  } catch (const json::exception& e) {
    return data_loss(source + ": unexpected tokenizer.json structure: " + e.what());
  }
}

Result<TokenizerSpec> read_hf_tokenizer_dir(const std::string& dir) {
  const std::string json_path = dir + "/tokenizer.json";
  if (!file_exists(json_path)) return not_found("tokenizer: '" + dir + "' has no tokenizer.json");
  GB_ASSIGN_OR_RETURN(std::string tokenizer_json, read_file(json_path));
  std::string config_json;
  if (const std::string path = dir + "/tokenizer_config.json"; file_exists(path)) {
    GB_ASSIGN_OR_RETURN(config_json, read_file(path));
  }
  GB_ASSIGN_OR_RETURN(TokenizerSpec spec, parse_hf_tokenizer(tokenizer_json, config_json, "tokenizer: '" + dir + "'"));
  if (const std::string path = dir + "/chat_template.jinja"; file_exists(path)) {
    GB_ASSIGN_OR_RETURN(std::string chat_template, read_file(path));
    spec.chat_template = std::move(chat_template);
  }
  return spec;
}

}  // namespace glassbox::tokenizer
