// Synthetic vocabularies: special-token tables per tokenizer family and the word-like piece generator.
#include "model/synth/synth_vocab.h"

#include <algorithm>
#include <functional>
#include <string_view>

namespace glassbox::model::synth {
namespace {

constexpr std::string_view kSpmSpace = "\xe2\x96\x81";  // U+2581 '▁', SentencePiece's word marker
constexpr std::string_view kBpeSpace = "\xc4\xa0";      // U+0120 'Ġ', GPT-2's byte-level space
constexpr std::string_view kLower = "etaoinshrdlcumwfgypbvkjxqz";  // English letter frequency order
constexpr std::string_view kUpper = "ETAOINSHRDLCUMWFGYPBVKJXQZ";

struct Special {
  std::string name;
  int32_t type;
};

struct Family {
  std::string model, pre;
  std::vector<Special> front;   // ids 0.. (before the byte tokens)
  std::vector<Special> tail;    // after the ordinary tokens
  int64_t tail_id = 0;          // id of the first trailing special in the real vocabulary
  std::string bos, eos, unk, pad;
  bool add_bos = false;
};

std::vector<Special> controls(std::initializer_list<const char*> names) {
  std::vector<Special> out;
  for (const char* n : names) out.push_back({n, kTokenControl});
  return out;
}

std::vector<Special> qwen_specials(bool qwen3) {
  std::vector<Special> s = controls({"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
                                     "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
                                     "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
                                     "<|image_pad|>", "<|video_pad|>"});
  s.push_back({"<tool_call>", kTokenUserDefined});
  s.push_back({"</tool_call>", kTokenUserDefined});
  for (const Special& c : controls({"<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
                                    "<|repo_name|>", "<|file_sep|>"})) {
    s.push_back(c);
  }
  if (qwen3) {
    for (const char* n : {"<tool_response>", "</tool_response>", "<think>", "</think>"}) {
      s.push_back({n, kTokenUserDefined});
    }
  }
  return s;
}

Family family(VocabKind kind) {
  Family f;
  switch (kind) {
    case VocabKind::kLlamaSpm:
      f.model = "llama", f.pre = "default";
      f.front = {{"<unk>", kTokenUnknown}, {"<s>", kTokenControl}, {"</s>", kTokenControl}};
      f.bos = "<s>", f.eos = "</s>", f.unk = "<unk>", f.add_bos = true;
      break;
    case VocabKind::kLlama3:
      f.model = "gpt2", f.pre = "llama-bpe";
      f.tail = controls({"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                         "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                         "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"});
      for (int k = 3; f.tail.size() < 256; ++k) {
        f.tail.push_back({"<|reserved_special_token_" + std::to_string(k) + "|>", kTokenControl});
      }
      f.tail_id = 128000;
      f.bos = "<|begin_of_text|>", f.eos = "<|eot_id|>", f.add_bos = true;
      break;
    case VocabKind::kQwen2:
    case VocabKind::kQwen3:
      f.model = "gpt2", f.pre = "qwen2";
      f.tail = qwen_specials(kind == VocabKind::kQwen3);
      f.tail_id = 151643;
      f.bos = "<|endoftext|>", f.eos = "<|im_end|>", f.pad = "<|endoftext|>";
      break;
    case VocabKind::kSmolLm:
      f.model = "gpt2", f.pre = "smollm";
      f.front = controls({"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<repo_name>", "<reponame>", "<file_sep>",
                          "<filename>", "<gh_stars>", "<issue_start>", "<issue_comment>", "<issue_closed>",
                          "<jupyter_start>", "<jupyter_text>", "<jupyter_code>", "<jupyter_output>",
                          "<jupyter_script>", "<empty_output>"});
      f.bos = "<|im_start|>", f.eos = "<|im_end|>", f.pad = "<|im_end|>";
      break;
  }
  return f;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// GPT-2's byte-level alphabet: printable bytes stand for themselves, the other 68 bytes for code points
// 256.. in byte order. Returned in GPT-2's token order: the printable ones first, then the others.
std::vector<std::string> byte_level_alphabet() {
  auto printable = [](int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255); };
  std::vector<std::string> first, rest;
  uint32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    append_utf8(s, printable(b) ? static_cast<uint32_t>(b) : next++);
    (printable(b) ? first : rest).push_back(s);
  }
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}

// Calls emit(prefix, last) for word-like pieces prefix + last in levels of growing length, until emit
// returns false. Level n holds space + every n-letter word, then (n >= 2) every n-letter word; each
// piece's prefix is a piece of level n - 1, a single letter or the space marker itself, so byte-level
// BPE gets a consistent merge for every piece.
void for_each_piece(std::string_view space, const std::function<bool(const std::string&, char)>& emit) {
  const std::string sp(space);
  for (std::string_view letters : {kLower, kUpper}) {
    for (char c : letters) {
      if (!emit(sp, c)) return;
    }
  }
  for (size_t len = 2;; ++len) {
    for (int with_space = 1; with_space >= 0; --with_space) {
      std::vector<size_t> digit(len, 0);
      std::string word(len, kLower[0]);
      while (true) {
        const std::string prefix = (with_space ? sp : std::string()) + word.substr(0, len - 1);
        if (!emit(prefix, word.back())) return;
        size_t k = len;  // odometer over the lower-case alphabet, last letter fastest
        while (k > 0 && ++digit[k - 1] == kLower.size()) digit[--k] = 0;
        if (k == 0) break;
        for (size_t j = 0; j < len; ++j) word[j] = kLower[digit[j]];
      }
    }
  }
}

void push(SynthVocab& v, std::string token, int32_t type, float score) {
  v.tokens.push_back(std::move(token));
  v.token_types.push_back(type);
  v.scores.push_back(score);
}

int32_t find_id(const SynthVocab& v, const std::string& name) {
  if (name.empty()) return -1;
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    if (v.tokens[id] == name) return static_cast<int32_t>(id);
  }
  return -1;
}

}  // namespace

Result<SynthVocab> make_synth_vocab(VocabKind kind, int64_t vocab_size) {
  const Family f = family(kind);
  const bool spm = f.model == "llama";
  const int64_t fixed = static_cast<int64_t>(f.front.size() + f.tail.size()) + 256;
  if (vocab_size < fixed) {
    const std::string what = spm ? std::string("SentencePiece") : "byte-level BPE (" + f.pre + ")";
    return invalid_argument(str_format("a vocabulary of %lld tokens is too small: %s needs at least %lld (%zu special "
                                       "and 256 byte tokens)",
                                       static_cast<long long>(vocab_size), what.c_str(), static_cast<long long>(fixed),
                                       f.front.size() + f.tail.size()));
  }
  SynthVocab v;
  v.model = f.model, v.pre = f.pre, v.add_bos = f.add_bos;
  v.tokens.reserve(static_cast<size_t>(vocab_size));
  for (const Special& s : f.front) push(v, s.name, s.type, 0.0f);
  const int64_t tail_start =
      f.tail.empty() ? vocab_size : std::min<int64_t>(f.tail_id, vocab_size - static_cast<int64_t>(f.tail.size()));
  int64_t rank = 0;
  auto add_normal = [&](std::string token) {
    if (static_cast<int64_t>(v.tokens.size()) >= tail_start) return false;
    push(v, std::move(token), kTokenNormal, -static_cast<float>(rank++));
    return true;
  };
  if (spm) {
    for (int b = 0; b < 256; ++b) push(v, str_format("<0x%02X>", b), kTokenByte, 0.0f);
    add_normal(std::string(kSpmSpace));
    for (std::string_view chars : {kLower, kUpper, std::string_view("0123456789.,'\"-:;!?()")}) {
      for (char c : chars) add_normal(std::string(1, c));
    }
  } else {
    for (std::string& c : byte_level_alphabet()) push(v, std::move(c), kTokenNormal, 0.0f);
  }
  for_each_piece(spm ? kSpmSpace : kBpeSpace, [&](const std::string& prefix, char last) {
    if (!add_normal(prefix + last)) return false;
    if (!spm) v.merges.push_back(prefix + " " + last);
    return true;
  });
  for (const Special& s : f.tail) push(v, s.name, s.type, 0.0f);
  while (static_cast<int64_t>(v.tokens.size()) < vocab_size) {
    push(v, "[PAD" + std::to_string(v.tokens.size()) + "]", kTokenUnused, 0.0f);
  }
  if (!spm) v.scores.clear();
  v.bos_id = find_id(v, f.bos);
  v.eos_id = find_id(v, f.eos);
  v.unk_id = find_id(v, f.unk);
  v.pad_id = find_id(v, f.pad);
  return v;
}

void add_vocab_metadata(const SynthVocab& vocab, gguf::GgufWriter& w) {
  w.set_string("tokenizer.ggml.model", vocab.model);
  w.set_string("tokenizer.ggml.pre", vocab.pre);
  w.set_string_array("tokenizer.ggml.tokens", vocab.tokens);
  if (!vocab.scores.empty()) w.set_f32_array("tokenizer.ggml.scores", vocab.scores);
  w.set_i32_array("tokenizer.ggml.token_type", vocab.token_types);
  if (!vocab.merges.empty()) w.set_string_array("tokenizer.ggml.merges", vocab.merges);
  if (vocab.bos_id >= 0) w.set_u32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(vocab.bos_id));
  if (vocab.eos_id >= 0) w.set_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(vocab.eos_id));
  if (vocab.unk_id >= 0) w.set_u32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(vocab.unk_id));
  if (vocab.pad_id >= 0) w.set_u32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(vocab.pad_id));
  w.set_bool("tokenizer.ggml.add_bos_token", vocab.add_bos);
  w.set_bool("tokenizer.ggml.add_eos_token", vocab.add_eos);
}

}  // namespace glassbox::model::synth
