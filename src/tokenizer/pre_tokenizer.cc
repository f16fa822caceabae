// PreTokenizer: PCRE2-backed regex splitting (JIT-compiled where PCRE2 supports it).
#include "tokenizer/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <utility>

#include "tokenizer/pre_tokenizer_presets.h"
#include "tokenizer/utf8.h"

namespace glassbox::tokenizer {
namespace {

// \s, \p{..} by Unicode properties; matching never fails on invalid UTF-8 (such bytes just never
// match); "$" means the end of the piece, as in std::regex (llama.cpp) and Hugging Face.
constexpr uint32_t kCompileOptions = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;

struct CompiledPattern {
  pcre2_code* code = nullptr;
  bool jit = false;
  CompiledPattern() = default;
  CompiledPattern(const CompiledPattern&) = delete;
  CompiledPattern& operator=(const CompiledPattern&) = delete;
  ~CompiledPattern() { pcre2_code_free(code); }
};

// Per-thread match state, so that one PreTokenizer serves many threads without locking.
struct MatchScratch {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_jit_stack* jit_stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  MatchScratch() {
    if (context != nullptr && jit_stack != nullptr) pcre2_jit_stack_assign(context, nullptr, jit_stack);
  }
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;
  ~MatchScratch() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_data_free(data);
  }
};

MatchScratch& scratch() {
  thread_local MatchScratch kScratch;
  return kScratch;
}

// Runs one match; falls back from JIT to the interpreter when the JIT stack runs out.
int run_match(const CompiledPattern& pattern, std::string_view subject, size_t offset, uint32_t options) {
  MatchScratch& s = scratch();
  const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = pcre2_match(pattern.code, data, subject.size(), offset, options, s.data, s.context);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    rc = pcre2_match(pattern.code, data, subject.size(), offset, options | PCRE2_NO_JIT, s.data, nullptr);
  }
  return rc;
}

struct Span {
  size_t offset;
  size_t length;
};

// Splits text[piece] by one pattern: matches and the gaps between them, in order, none empty.
// Empty matches split (as std::regex_iterator does in llama.cpp) but add no piece themselves.
void split_piece(const CompiledPattern& pattern, std::string_view text, Span piece, std::vector<Span>* out) {
  const std::string_view subject = text.substr(piece.offset, piece.length);
  size_t prev_end = 0;  // end of the last emitted piece, relative to subject
  size_t offset = 0;
  uint32_t options = 0;
  while (offset <= subject.size()) {
    const int rc = run_match(pattern, subject, offset, options);
    if (rc == PCRE2_ERROR_NOMATCH && options != 0) {
      // No non-empty match right after an empty one: move one character on and search again.
      options = 0;
      if (offset >= subject.size()) break;
      offset += std::min(utf8::sequence_length(static_cast<uint8_t>(subject[offset])), subject.size() - offset);
      continue;
    }
    if (rc < 0) break;  // no more matches, or PCRE2 gave up: the rest stays one piece
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch().data);
    const size_t match_begin = ovector[0];
    const size_t match_end = ovector[1];
    if (match_begin > prev_end) out->push_back({piece.offset + prev_end, match_begin - prev_end});
    if (match_end > match_begin) {
      out->push_back({piece.offset + match_begin, match_end - match_begin});
      options = 0;
    } else {
      options = PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED;
    }
    prev_end = std::max(prev_end, match_end);
    offset = match_end;
  }
  if (prev_end < subject.size()) out->push_back({piece.offset + prev_end, subject.size() - prev_end});
}

Result<std::unique_ptr<CompiledPattern>> compile(const std::string& pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  auto compiled = std::make_unique<CompiledPattern>();
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), kCompileOptions,
                                 &error_code, &error_offset, nullptr);
  if (compiled->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    return invalid_argument(str_format("pre-tokenizer: pattern '%s' does not compile at offset %zu: %s",
                                       pattern.c_str(), static_cast<size_t>(error_offset),
                                       reinterpret_cast<const char*>(message)));
  }
  compiled->jit = pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE) == 0;
  return compiled;
}

}  // namespace

struct PreTokenizer::Impl {
  std::string name;
  std::vector<std::string> patterns;
  std::vector<std::unique_ptr<CompiledPattern>> compiled;
  PreTokenizerTraits traits;
};

PreTokenizer::PreTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

Result<PreTokenizer> PreTokenizer::from_regexes(std::vector<std::string> patterns, std::string name) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  for (const auto& pattern : patterns) {
    GB_ASSIGN_OR_RETURN(auto compiled, compile(pattern));
    impl->compiled.push_back(std::move(compiled));
  }
  impl->patterns = std::move(patterns);
  return PreTokenizer(std::move(impl));
}

Result<PreTokenizer> PreTokenizer::from_name(std::string_view name) {
  for (const auto& preset : pre_tokenizer_presets()) {
    for (std::string_view preset_name : preset.names) {
      if (preset_name != name) continue;
      std::vector<std::string> patterns(preset.patterns.begin(), preset.patterns.end());
      GB_ASSIGN_OR_RETURN(auto pre, from_regexes(std::move(patterns), std::string(name)));
      pre.impl_->traits = preset.traits;
      return pre;
    }
  }
  std::string supported;
  for (std::string_view n : supported_names()) supported += (supported.empty() ? "" : ", ") + std::string(n);
  return unimplemented("pre-tokenizer '" + std::string(name) + "' is not supported; supported: " + supported);
}

std::vector<std::string_view> PreTokenizer::supported_names() {
  std::vector<std::string_view> names;
  for (const auto& preset : pre_tokenizer_presets()) names.insert(names.end(), preset.names.begin(), preset.names.end());
  return names;
}

std::string PreTokenizer::name_for_patterns(const std::vector<std::string>& patterns) {
  for (const auto& preset : pre_tokenizer_presets()) {
    if (preset.patterns.size() != patterns.size()) continue;
    bool same = true;
    for (size_t k = 0; k < patterns.size() && same; ++k) same = canonical_pattern(patterns[k]) == preset.patterns[k];
    if (same) return std::string(preset.names.front());
  }
  return "";
}

std::string_view PreTokenizer::gpt2_pattern() { return preset_gpt2_pattern(); }

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>* pieces) const {
  if (text.empty()) return;
  std::vector<Span> current{{0, text.size()}};
  std::vector<Span> next;
  for (const auto& pattern : impl_->compiled) {
    next.clear();
    for (const Span& piece : current) split_piece(*pattern, text, piece, &next);
    current.swap(next);
  }
  for (const Span& piece : current) pieces->push_back(text.substr(piece.offset, piece.length));
}

const std::string& PreTokenizer::name() const { return impl_->name; }
const std::vector<std::string>& PreTokenizer::patterns() const { return impl_->patterns; }
const PreTokenizerTraits& PreTokenizer::traits() const { return impl_->traits; }

}  // namespace glassbox::tokenizer
