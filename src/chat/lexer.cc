// Lexer: Jinja2's tokenization of data, {{ }}, {% %}, {# #} and raw blocks, with -/+ whitespace control.
#include "chat/lexer.h"

#include "base/utf8_encode.h"

#include <cctype>

namespace glassbox::chat {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  Lexer(std::string_view source, const LexerOptions& options) : src_(source), options_(options) {}

  Result<std::vector<Token>> run() {
    while (pos_ < src_.size()) {
      size_t start = find_tag(pos_);
      std::string text(src_.substr(pos_, start - pos_));
      if (start >= src_.size()) {
        emit_text(std::move(text), pos_);
        pos_ = src_.size();
        break;
      }
      char type = src_[start + 1];  // '{', '%' or '#'
      char modifier = start + 2 < src_.size() ? src_[start + 2] : '\0';
      if (modifier == '+' && type == '{') modifier = '\0';  // `{{+x}}` is unary plus, not a modifier
      if (modifier == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (modifier != '+' && options_.lstrip_blocks && (type == '%' || type == '#')) {
        lstrip_line(text, start);
      }
      emit_text(std::move(text), pos_);
      size_t inner = start + 2 + ((modifier == '-' || modifier == '+') ? 1 : 0);
      if (type == '#') {
        GB_RETURN_IF_ERROR(skip_comment(start, inner));
        continue;
      }
      if (type == '%' && is_raw_begin(inner)) {
        GB_RETURN_IF_ERROR(lex_raw(start));
        continue;
      }
      tokens_.push_back(make(type == '{' ? TokenKind::kVarBegin : TokenKind::kBlockBegin, "", start));
      pos_ = inner;
      GB_RETURN_IF_ERROR(lex_tag(type == '{' ? '}' : '%', start));
    }
    tokens_.push_back(make(TokenKind::kEof, "", src_.size()));
    return std::move(tokens_);
  }

 private:
  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    }
    return src_.size();
  }

  // lstrip_blocks: remove the spaces and tabs between the line start and the tag.
  void lstrip_line(std::string& text, size_t tag_pos) const {
    size_t i = text.size();
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
    bool at_line_start = i > 0 ? text[i - 1] == '\n' : (pos_ == 0 || src_[pos_ - 1] == '\n');
    if (i == 0 && pos_ > 0 && !at_line_start) return;
    if (at_line_start) text.resize(i);
  }

  void emit_text(std::string text, size_t at) {
    if (text.empty()) return;
    tokens_.push_back(make(TokenKind::kText, std::move(text), at));
  }

  // After a closing tag: `-` strips all following whitespace; trim_blocks drops one newline after %} and #}.
  void after_close(bool strip, bool block_like, bool plus) {
    if (strip) {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    } else if (block_like && options_.trim_blocks && !plus) {
      if (pos_ < src_.size() && src_[pos_] == '\n') {
        ++pos_;
      } else if (pos_ + 1 < src_.size() && src_[pos_] == '\r' && src_[pos_ + 1] == '\n') {
        pos_ += 2;
      }
    }
  }

  Status skip_comment(size_t start, size_t inner) {
    size_t end = src_.find("#}", inner);
    if (end == std::string_view::npos) return error_at(start, "unterminated comment (missing '#}')");
    bool strip = end > inner && src_[end - 1] == '-';
    pos_ = end + 2;
    after_close(strip, true, false);
    return ok_status();
  }

  bool is_raw_begin(size_t inner) const {
    size_t i = inner;
    while (i < src_.size() && is_space(src_[i])) ++i;
    if (src_.substr(i, 3) != "raw") return false;
    i += 3;
    while (i < src_.size() && is_space(src_[i])) ++i;
    return src_.substr(i, 2) == "%}" || src_.substr(i, 3) == "-%}";
  }

  // `{% raw %}...{% endraw %}` as Jinja2 lexes it: no trim_blocks after the opening tag (only `-%}` strips),
  // the closing tag takes `-`/`+` on both sides, and lstrip_blocks applies before it.
  Status lex_raw(size_t start) {
    size_t close = src_.find("%}", start);
    bool strip_after_open = src_[close - 1] == '-';
    pos_ = close + 2;
    after_close(strip_after_open, false, false);
    size_t body_start = pos_;
    for (size_t i = body_start; i + 1 < src_.size(); ++i) {
      if (src_[i] != '{' || src_[i + 1] != '%') continue;
      size_t j = i + 2;
      char open_modifier = j < src_.size() ? src_[j] : '\0';
      if (open_modifier == '-' || open_modifier == '+') ++j;
      while (j < src_.size() && is_space(src_[j])) ++j;
      if (src_.substr(j, 6) != "endraw") continue;
      j += 6;
      while (j < src_.size() && is_space(src_[j])) ++j;
      char close_modifier = j < src_.size() ? src_[j] : '\0';
      if (close_modifier == '-' || close_modifier == '+') ++j;
      if (src_.substr(j, 2) != "%}") continue;
      std::string body(src_.substr(body_start, i - body_start));
      if (open_modifier == '-') {
        while (!body.empty() && is_space(body.back())) body.pop_back();
      } else if (open_modifier != '+' && options_.lstrip_blocks) {
        size_t k = body.size();
        while (k > 0 && (body[k - 1] == ' ' || body[k - 1] == '\t')) --k;
        bool line_start = k > 0 ? body[k - 1] == '\n' : (body_start == 0 || src_[body_start - 1] == '\n');
        if (line_start) body.resize(k);
      }
      emit_text(std::move(body), body_start);
      pos_ = j + 2;
      after_close(close_modifier == '-', true, close_modifier == '+');
      return ok_status();
    }
    return error_at(start, "unterminated raw block (missing '{% endraw %}')");
  }

  Status lex_tag(char closer, size_t tag_start) {
    for (;;) {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      if (pos_ >= src_.size()) {
        return error_at(tag_start, closer == '}' ? "unexpected end of template, expected '}}'"
                                                 : "unexpected end of template, expected '%}'");
      }
      char c = src_[pos_];
      // Closing delimiter, with optional - or + modifier.
      size_t p = pos_;
      bool strip = false, plus = false;
      if ((c == '-' || c == '+') && p + 2 < src_.size() + 0 && src_[p + 1] == closer && src_[p + 2] == '}') {
        strip = c == '-';
        plus = c == '+';
        ++p;
      }
      if (src_[p] == closer && p + 1 < src_.size() && src_[p + 1] == '}' &&
          !(closer == '}' && !strip && !plus && next_is_close_brace_of_dict())) {
        tokens_.push_back(make(closer == '}' ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "", pos_));
        pos_ = p + 2;
        after_close(strip, closer == '%', plus);
        return ok_status();
      }
      if (is_name_start(c)) {
        size_t s = pos_;
        while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
        tokens_.push_back(make(TokenKind::kName, std::string(src_.substr(s, pos_ - s)), s));
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        GB_RETURN_IF_ERROR(lex_number());
      } else if (c == '\'' || c == '"') {
        GB_RETURN_IF_ERROR(lex_string());
      } else {
        GB_RETURN_IF_ERROR(lex_operator());
      }
    }
  }

  // `{{ {'a': {'b': 1}} }}`: a '}}' that closes nested dict braces is not the tag end.
  bool next_is_close_brace_of_dict() const { return brace_depth_ > 0; }

  Status lex_number() {
    size_t s = pos_;
    while (pos_ < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) ++pos_;
    bool is_float = false;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && std::isdigit(static_cast<unsigned char>(src_[pos_ + 1]))) {
      is_float = true;
      ++pos_;
      while (pos_ < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) ++pos_;
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t q = pos_ + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) {
        is_float = true;
        pos_ = q;
        while (pos_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos_]))) ++pos_;
      }
    }
    std::string text;
    for (size_t i = s; i < pos_; ++i) {
      if (src_[i] != '_') text += src_[i];
    }
    tokens_.push_back(make(is_float ? TokenKind::kFloat : TokenKind::kInt, text, s));
    return ok_status();
  }

  Status lex_string() {
    size_t s = pos_;
    char quote = src_[pos_++];
    std::string out;
    while (pos_ < src_.size() && src_[pos_] != quote) {
      char c = src_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= src_.size()) break;
      char e = src_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'a': out += '\a'; break;
        case '0': out += '\0'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;
        case 'x':
        case 'u':
        case 'U': {
          size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (pos_ + digits > src_.size()) return error_at(s, "truncated \\" + std::string(1, e) + " escape");
          uint32_t cp = 0;
          for (size_t i = 0; i < digits; ++i) {
            char h = src_[pos_ + i];
            if (!std::isxdigit(static_cast<unsigned char>(h))) {
              return error_at(s, "invalid \\" + std::string(1, e) + " escape in string literal");
            }
            cp = cp * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          }
          if (cp > 0x10ffff) return error_at(s, "invalid code point in string literal");
          pos_ += digits;
          glassbox::append_utf8(out, cp);
          break;
        }
        default:
          out += '\\';
          out += e;
      }
    }
    if (pos_ >= src_.size()) return error_at(s, "unterminated string literal");
    ++pos_;
    tokens_.push_back(make(TokenKind::kString, std::move(out), s));
    return ok_status();
  }

  Status lex_operator() {
    static const char* kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : kTwo) {
      if (src_.substr(pos_, 2) == op) {
        tokens_.push_back(make(TokenKind::kOperator, op, pos_));
        pos_ += 2;
        return ok_status();
      }
    }
    char c = src_[pos_];
    static const std::string kOne = "+-*/%~()[]{},.:|=<>;";
    if (kOne.find(c) == std::string::npos) {
      return error_at(pos_, str_format("unexpected character '%c'", c));
    }
    if (c == '{') ++brace_depth_;
    if (c == '}' && brace_depth_ > 0) --brace_depth_;
    tokens_.push_back(make(TokenKind::kOperator, std::string(1, c), pos_));
    ++pos_;
    return ok_status();
  }

  void position_of(size_t offset, int& line, int& column) const {
    // Incremental: tokens are produced left to right.
    while (cursor_ < offset && cursor_ < src_.size()) {
      if (src_[cursor_] == '\n') {
        ++line_;
        column_ = 1;
      } else {
        ++column_;
      }
      ++cursor_;
    }
    if (offset < cursor_) {  // rare backwards query (errors): count from the start
      int l = 1, c = 1;
      for (size_t i = 0; i < offset && i < src_.size(); ++i) {
        if (src_[i] == '\n') {
          ++l;
          c = 1;
        } else {
          ++c;
        }
      }
      line = l;
      column = c;
      return;
    }
    line = line_;
    column = column_;
  }

  Token make(TokenKind kind, std::string value, size_t offset) const {
    Token t{kind, std::move(value), 1, 1};
    position_of(offset, t.line, t.column);
    return t;
  }

  Status error_at(size_t offset, const std::string& what) const {
    int line = 1, column = 1;
    position_of(offset, line, column);
    return invalid_argument(str_format("template syntax error at line %d, column %d: %s", line, column, what.c_str()));
  }

  std::string_view src_;
  LexerOptions options_;
  size_t pos_ = 0;
  int brace_depth_ = 0;
  mutable size_t cursor_ = 0;
  mutable int line_ = 1;
  mutable int column_ = 1;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source, const LexerOptions& options) {
  std::string normalized;
  normalized.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r' && i + 1 < source.size() && source[i + 1] == '\n') continue;
    normalized += source[i];
  }
  if (!options.keep_trailing_newline && !normalized.empty() && normalized.back() == '\n') normalized.pop_back();
  Lexer lexer(normalized, options);
  auto tokens = lexer.run();
  return tokens;
}

}  // namespace glassbox::chat
