// Tokenizer: assembly from a TokenizerSpec, encode/decode, and the load() dispatcher.
#include "tokenizer/tokenizer.h"

#include <sys/stat.h>

#include <cstdlib>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/gguf_loader.h"
#include "tokenizer/hf_tokenizer_json.h"
#include "tokenizer/spm_tokenizer.h"
#include "tokenizer/tokenizer_spec.h"
#include "tokenizer/vocab.h"

namespace glassbox::tokenizer {
namespace {

constexpr uint32_t kRenderedAsText = kAttrUnknown | kAttrControl | kAttrUserDefined;

// The byte a "<0xAB>" token stands for, or -1.
int byte_of_token_text(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  char* end = nullptr;
  const std::string hex(text.substr(3, 2));
  const long value = std::strtol(hex.c_str(), &end, 16);
  return end == hex.c_str() + 2 ? static_cast<int>(value) : -1;
}

}  // namespace

struct Tokenizer::Impl {
  TokenizerKind kind = TokenizerKind::kSpm;
  std::unique_ptr<Vocab> vocab;
  std::unique_ptr<SpmTokenizer> spm;
  std::unique_ptr<BpeTokenizer> bpe;
  bool add_space_prefix = false;
  bool bpe_add_prefix_space = false;
  bool add_bos = false;
  std::string pre_tokenizer_name;
  std::optional<std::string> chat_template;
  std::vector<std::string> pieces;  // token_piece() of every id, computed once

  std::string piece_of(int32_t id) const {
    const TokenData& t = vocab->token(id);
    if (t.attr & kRenderedAsText) return t.text;
    if (t.attr & kAttrNormal) {
      if (kind == TokenizerKind::kSpm) return unescape_whitespace(t.text);
      std::string out;
      byte_level::decode(t.text, &out);
      return out;
    }
    if (t.attr & kAttrByte) {
      const int byte = byte_of_token_text(t.text);
      return byte < 0 ? std::string() : std::string(1, static_cast<char>(byte));
    }
    return "";  // unused and undefined tokens decode to nothing
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_spec(TokenizerSpec spec) {
  if (spec.tokens.empty()) return invalid_argument("tokenizer: the vocabulary has no tokens");
  auto impl = std::make_unique<Impl>();
  impl->kind = spec.kind;
  impl->add_space_prefix = spec.add_space_prefix;
  impl->bpe_add_prefix_space = spec.bpe_add_prefix_space;
  impl->chat_template = std::move(spec.chat_template);
  impl->vocab = std::make_unique<Vocab>(std::move(spec.tokens));
  Vocab& vocab = *impl->vocab;
  vocab.special() = spec.special;
  for (int32_t* id : {&vocab.special().bos, &vocab.special().eos, &vocab.special().unk, &vocab.special().pad,
                      &vocab.special().eot, &vocab.special().eom}) {
    if (!vocab.valid(*id)) *id = -1;
  }

  if (spec.kind == TokenizerKind::kSpm) {
    impl->add_bos = spec.add_bos.value_or(true);
    vocab.finalize(spec.model_name);
    impl->spm = std::make_unique<SpmTokenizer>(vocab);
  } else {
    Result<PreTokenizer> pre = spec.custom_pre_tokenizer
                                   ? PreTokenizer::from_regexes(std::move(spec.pre_tokenizer_patterns))
                                   : PreTokenizer::from_name(spec.pre_tokenizer);
    if (!pre.ok()) return Status(pre.status().code(), "tokenizer: " + pre.status().message());
    const PreTokenizerTraits traits = pre->traits();
    if (traits.no_bos) vocab.special().bos = -1;
    impl->add_bos = spec.add_bos.value_or(traits.add_bos);
    impl->pre_tokenizer_name = pre->name();
    vocab.finalize(spec.model_name);
    impl->bpe = std::make_unique<BpeTokenizer>(vocab, spec.merges, std::move(pre).value(),
                                               spec.ignore_merges.value_or(traits.ignore_merges));
  }
  if (impl->add_bos && vocab.special().bos < 0) impl->add_bos = false;

  impl->pieces.resize(static_cast<size_t>(vocab.size()));
  for (int32_t id = 0; id < vocab.size(); ++id) impl->pieces[id] = impl->piece_of(id);
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  GB_ASSIGN_OR_RETURN(TokenizerSpec spec, read_gguf_tokenizer(file));
  return from_spec(std::move(spec));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_hf_dir(const std::string& dir) {
  GB_ASSIGN_OR_RETURN(TokenizerSpec spec, read_hf_tokenizer_dir(dir));
  return from_spec(std::move(spec));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return not_found("tokenizer: '" + path + "' does not exist");
  if (S_ISDIR(st.st_mode)) return from_hf_dir(path);
  const std::string json_suffix = "tokenizer.json";
  if (path.size() >= json_suffix.size() && path.compare(path.size() - json_suffix.size(), json_suffix.size(), json_suffix) == 0) {
    const size_t slash = path.find_last_of('/');
    return from_hf_dir(slash == std::string::npos ? "." : path.substr(0, slash));
  }
  GB_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
  return from_gguf(file);
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos, bool parse_special) const {
  const Impl& m = *impl_;
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_bos && m.vocab->special().bos >= 0) out.push_back(m.vocab->special().bos);
  const std::vector<Fragment> fragments = m.vocab->split_special(text, parse_special);
  bool after_special = true;  // the start of the text counts as following a special token
  for (const Fragment& f : fragments) {
    if (f.token >= 0) {
      out.push_back(f.token);
      after_special = true;
      continue;
    }
    const std::string_view raw = text.substr(f.offset, f.length);
    if (m.kind == TokenizerKind::kSpm) {
      std::string prepared = m.add_space_prefix && after_special ? " " : "";
      prepared.append(raw);
      m.spm->encode(escape_whitespace(prepared), &out);
    } else if (m.bpe_add_prefix_space && raw.front() != ' ') {
      m.bpe->encode(" " + std::string(raw), &out);
    } else {
      m.bpe->encode(raw, &out);
    }
    after_special = false;
  }
  return out;
}

std::string Tokenizer::token_piece(int32_t id) const {
  return impl_->vocab->valid(id) ? impl_->pieces[static_cast<size_t>(id)] : std::string();
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const { return decode(ids, true); }

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool render_special) const {
  const Impl& m = *impl_;
  std::string out;
  bool strip_space = m.add_space_prefix;  // llama.cpp removes the dummy prefix of the first piece
  for (int32_t id : ids) {
    if (!m.vocab->valid(id)) {
      strip_space = false;
      continue;
    }
    std::string_view piece = m.pieces[static_cast<size_t>(id)];
    if (!render_special && (m.vocab->attr(id) & (kAttrUnknown | kAttrControl))) piece = {};
    if (strip_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    strip_space = false;
    out.append(piece);
  }
  return out;
}

int32_t Tokenizer::vocab_size() const { return impl_->vocab->size(); }
int32_t Tokenizer::bos_id() const { return impl_->vocab->special().bos; }
int32_t Tokenizer::eos_id() const { return impl_->vocab->special().eos; }
bool Tokenizer::add_bos_default() const { return impl_->add_bos; }
bool Tokenizer::is_end_of_generation(int32_t id) const { return impl_->vocab->is_end_of_generation(id); }

const std::string& Tokenizer::token_text(int32_t id) const {
  static const std::string kEmpty;
  return impl_->vocab->valid(id) ? impl_->vocab->token(id).text : kEmpty;
}

std::optional<std::string> Tokenizer::chat_template() const { return impl_->chat_template; }
TokenizerKind Tokenizer::kind() const { return impl_->kind; }
const std::string& Tokenizer::pre_tokenizer_name() const { return impl_->pre_tokenizer_name; }
const Vocab& Tokenizer::vocab() const { return *impl_->vocab; }

}  // namespace glassbox::tokenizer
