// Vocab: token table, lookup, special ids, end-of-generation set, special-token splitting.
#include "tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <span>

namespace glassbox::tokenizer {
namespace {

using Texts = std::span<const std::string_view>;

// Token texts that name a role when metadata does not (the lists llama.cpp matches on).
constexpr std::string_view kEotTexts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                             "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
                             "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                             "<end_of_utterance>"};
constexpr std::string_view kEomTexts[] = {"<|eom_id|>"};
constexpr std::string_view kFimPreTexts[] = {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
                                "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>", "<PRE>",
                                "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"};
constexpr std::string_view kFimSufTexts[] = {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
                                "<\xEF\xBD\x9C" "fim\xE2\x96\x81hole\xEF\xBD\x9C>", "<SUF>",
                                "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"};
constexpr std::string_view kFimMidTexts[] = {"<|fim_middle|>", "<fim-middle>", "<fim_middle>",
                                "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>", "<MID>",
                                "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"};
constexpr std::string_view kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
constexpr std::string_view kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"};
constexpr std::string_view kFimSepTexts[] = {"<|file_sep|>"};
// Texts that end generation whatever the metadata says.
constexpr std::string_view kEogTexts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
                             "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
                             "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>",
                             "<turn|>", "<|tool_response>",
                             "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "[e~["};
// gpt-oss channel markers: always rendered, never control.
constexpr std::string_view kAlwaysRenderedTexts[] = {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"};

bool one_of(std::string_view text, Texts texts) {
  return std::find(texts.begin(), texts.end(), text) != texts.end();
}

}  // namespace

uint32_t attr_from_gguf_token_type(int64_t token_type) {
  switch (token_type) {
    case 1: return kAttrNormal;
    case 2: return kAttrUnknown;
    case 3: return kAttrControl;
    case 4: return kAttrUserDefined;
    case 5: return kAttrUnused;
    case 6: return kAttrByte;
    default: return kAttrUndefined;
  }
}

Vocab::Vocab(std::vector<TokenData> tokens) : tokens_(std::move(tokens)) {
  ids_.reserve(tokens_.size());
  auto text_of = [this](int32_t id) -> std::string_view { return tokens_[static_cast<size_t>(id)].text; };
  for (size_t id = 0; id < tokens_.size(); ++id) {
    if (tokens_[id].text.empty()) tokens_[id].text = "[EMPTY_" + std::to_string(id) + "]";
    ids_.insert(tokens_[id].text, static_cast<int32_t>(id), text_of);
  }
}

int32_t Vocab::find(std::string_view text) const {
  return ids_.find(text, [this](int32_t id) -> std::string_view { return tokens_[static_cast<size_t>(id)].text; });
}

void Vocab::finalize(std::string_view model_name) {
  // Roles by text, when metadata left them unset; such tokens are control whatever their type.
  struct Role {
    int32_t* id;
    Texts texts;
  };
  const Role roles[] = {{&special_.eot, kEotTexts},        {&special_.eom, kEomTexts},
                        {&special_.fim_pre, kFimPreTexts}, {&special_.fim_suf, kFimSufTexts},
                        {&special_.fim_mid, kFimMidTexts}, {&special_.fim_pad, kFimPadTexts},
                        {&special_.fim_rep, kFimRepTexts}, {&special_.fim_sep, kFimSepTexts}};
  for (const Role& role : roles) {
    if (*role.id >= 0) continue;
    for (int32_t id = 0; id < size(); ++id) {
      if (!one_of(tokens_[id].text, role.texts)) continue;
      *role.id = id;
      tokens_[id].attr |= kAttrControl;
      break;
    }
  }

  // Control tokens named "unused" are placeholders.
  for (auto& t : tokens_) {
    if ((t.attr & kAttrControl) && t.text.find("unused") != std::string::npos) t.attr |= kAttrUnused;
  }

  std::vector<int32_t> eog;
  for (int32_t id : {special_.fim_pad, special_.fim_rep, special_.fim_sep}) {
    if (valid(id)) eog.push_back(id);
  }
  for (int32_t id = 0; id < size(); ++id) {
    if (one_of(tokens_[id].text, kEogTexts)) {
      eog.push_back(id);
      tokens_[id].attr |= kAttrControl;
    }
    if (one_of(tokens_[id].text, kAlwaysRenderedTexts)) tokens_[id].attr = kAttrUserDefined;
  }
  for (int32_t id : {special_.eos, special_.eot, special_.eom}) {
    if (valid(id)) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  // Harmony-style vocabularies (<|return|> and <|call|>, or <|calls|> and <|flush|>) use <|end|>
  // between messages, so there it does not end generation; Gemma 4's tool responses keep </s>.
  auto eog_with_text = [&](std::string_view text) {
    for (int32_t id : eog) {
      if (tokens_[id].text == text) return id;
    }
    return -1;
  };
  const int32_t end_id = eog_with_text("<|end|>");
  const bool has_call = eog_with_text("<|call|>") >= 0 || eog_with_text("<|calls|>") >= 0;
  if (end_id >= 0 && has_call && (eog_with_text("<|return|>") >= 0 || eog_with_text("<|flush|>") >= 0)) {
    eog.erase(std::find(eog.begin(), eog.end(), end_id));
    tokens_[end_id].attr = kAttrUserDefined;
  }
  const int32_t s_id = eog_with_text("</s>");
  if (s_id >= 0 && eog_with_text("<|tool_response>") >= 0) {
    eog.erase(std::find(eog.begin(), eog.end(), s_id));
    tokens_[s_id].attr = kAttrNormal;
  }
  eog_ids_ = std::move(eog);

  special_tokens_.clear();
  for (int32_t id = 0; id < size(); ++id) {
    if (tokens_[id].attr & (kAttrControl | kAttrUserDefined | kAttrUnknown)) special_tokens_.push_back(id);
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].text.size() > tokens_[b].text.size(); });

  std::string name(model_name);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    for (int32_t id : special_tokens_) tokens_[id].attr |= kAttrRstrip;
    if (int32_t id = find("</s>"); id >= 0) tokens_[id].attr |= kAttrRstrip;
    for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) {
      if (int32_t id = find(text); id >= 0) tokens_[id].attr &= ~static_cast<uint32_t>(kAttrRstrip);
    }
  }
}

bool Vocab::is_end_of_generation(int32_t id) const {
  return std::binary_search(eog_ids_.begin(), eog_ids_.end(), id);
}

std::vector<Fragment> Vocab::split_special(std::string_view text, bool parse_special) const {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  auto is_space = [&](size_t pos) { return std::isspace(static_cast<unsigned char>(text[pos])) != 0; };
  for (int32_t id : special_tokens_) {
    const TokenData& data = tokens_[id];
    if (!parse_special && (data.attr & (kAttrControl | kAttrUnknown))) continue;
    const std::string_view needle = data.text;
    if (text.find(needle) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t begin = f.offset;
      const size_t end = f.offset + f.length;
      while (begin < end) {
        const size_t match = text.substr(0, end).find(needle, begin);
        if (match == std::string_view::npos) break;
        size_t left_end = match;
        if (data.attr & kAttrLstrip) {
          while (left_end > begin && is_space(left_end - 1)) --left_end;
        }
        if (left_end > begin) next.push_back({-1, begin, left_end - begin});
        next.push_back({id, 0, 0});
        begin = match + needle.size();
        if (data.attr & kAttrRstrip) {
          while (begin < end && is_space(begin)) ++begin;
        }
      }
      if (begin < end) next.push_back({-1, begin, end - begin});
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace glassbox::tokenizer
