// JsonRecognizer: per-kind frame steps (object, array, string, number, literal) over a set of stacks.
#include "constrain/json_recognizer.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace glassbox::constrain {

namespace {

enum RootPhase : uint8_t { kRootBefore, kRootIn, kRootDone };
enum ObjectPhase : uint8_t { kOStart, kOOpen, kOKey, kOInKey, kOColon, kOValue, kOInValue, kOAfter, kOComma };
enum ArrayPhase : uint8_t { kAStart, kAOpen, kAInItem, kAAfter, kAComma };
enum StringPhase : uint8_t {
  kSStart, kSBody, kSEscape, kSUtf8,
  kSU1, kSU2D, kSURest,            // \u: first digit, second digit after D, remaining digits of a plain escape
  kSUHighRest,                     // remaining digits of a high surrogate \uD8xx..\uDBxx
  kSLowBackslash, kSLowU, kSLow1, kSLow2, kSLowRest,  // the low surrogate \uDCxx..\uDFxx that must follow
};
enum NumberPhase : uint8_t { kNStart, kNMinus, kNZero, kNInt, kNDot, kNFrac, kNExp, kNExpSign, kNExpDigits };

constexpr uint32_t kMaxIntDigits = 15;
constexpr uint32_t kMaxFracDigits = 15;
constexpr uint32_t kMaxExpDigits = 2;

enum class Outcome { kReject, kOk, kPopDone, kPopReprocess, kPush };

bool is_ws(uint8_t b) { return b == ' ' || b == '\n' || b == '\t'; }
bool is_digit(uint8_t b) { return b >= '0' && b <= '9'; }
bool is_hex(uint8_t b) { return is_digit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F'); }

// Whitespace where the grammar allows it: one run is a single ' ' or '\t', or a '\n' followed by at most
// kMaxIndent spaces or tabs (the shapes of compact and pretty-printed JSON; llama.cpp's JSON grammars bound it
// the same way). Returns true when `b` was whitespace (then *out is the outcome); otherwise ends the run.
constexpr uint8_t kNewlineRun = 0x80;

bool take_ws(Frame& f, uint8_t b, Outcome* out) {
  if (!is_ws(b)) {
    f.ws = 0;
    return false;
  }
  *out = Outcome::kOk;
  if (f.ws == 0) {
    f.ws = b == '\n' ? (kNewlineRun | 1) : 1;
  } else if ((f.ws & kNewlineRun) && b != '\n' && (f.ws & ~kNewlineRun) <= kMaxIndent) {
    ++f.ws;
  } else {
    *out = Outcome::kReject;
  }
  return true;
}

Frame start_frame(const SchemaNode* node) {
  Frame f;
  f.node = node;
  if (node->kind == NodeKind::kLiteral) f.b = static_cast<uint32_t>(node->literals.size());
  return f;
}

Outcome string_step(Frame& f, uint8_t b) {
  const SchemaNode& n = *f.node;
  auto room = [&] { return n.max_length < 0 || static_cast<int64_t>(f.a) < n.max_length; };
  // Characters are counted only while the count matters: without a maxLength it saturates at minLength, so a
  // long unbounded string stays in one state (and JsonConstraint's mask cache keeps hitting).
  auto count = [&] {
    if (n.max_length >= 0 || static_cast<int64_t>(f.a) < n.min_length) ++f.a;
  };
  switch (f.phase) {
    case kSStart:
      if (b != '"') return Outcome::kReject;
      f.phase = kSBody;
      return Outcome::kOk;
    case kSBody:
      if (b == '"') return static_cast<int64_t>(f.a) >= n.min_length ? Outcome::kPopDone : Outcome::kReject;
      if (b < 0x20 || !room()) return Outcome::kReject;
      if (b == '\\') {
        count();
        f.phase = kSEscape;
        return Outcome::kOk;
      }
      if (b < 0x80) {
        count();
        return Outcome::kOk;
      }
      // UTF-8 lead byte: how many continuation bytes follow and the range of the first (RFC 3629 table 4).
      f.lo = 0x80, f.hi = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) f.sub = 1;
      else if (b == 0xE0) f.sub = 2, f.lo = 0xA0;
      else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) f.sub = 2;
      else if (b == 0xED) f.sub = 2, f.hi = 0x9F;
      else if (b == 0xF0) f.sub = 3, f.lo = 0x90;
      else if (b >= 0xF1 && b <= 0xF3) f.sub = 3;
      else if (b == 0xF4) f.sub = 3, f.hi = 0x8F;
      else return Outcome::kReject;
      count();
      f.phase = kSUtf8;
      return Outcome::kOk;
    case kSUtf8:
      if (b < f.lo || b > f.hi) return Outcome::kReject;
      f.lo = 0x80, f.hi = 0xBF;
      if (--f.sub == 0) f.phase = kSBody;
      return Outcome::kOk;
    case kSEscape:
      switch (b) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          f.phase = kSBody;
          return Outcome::kOk;
        case 'u':
          f.phase = kSU1;
          return Outcome::kOk;
        default:
          return Outcome::kReject;
      }
    case kSU1:
      if (b == 'd' || b == 'D') {
        f.phase = kSU2D;
      } else if (is_hex(b)) {
        f.phase = kSURest, f.sub = 3;
      } else {
        return Outcome::kReject;
      }
      return Outcome::kOk;
    case kSU2D:
      if (b >= '0' && b <= '7') {
        f.phase = kSURest, f.sub = 2;
      } else if (b == '8' || b == '9' || (b >= 'a' && b <= 'b') || (b >= 'A' && b <= 'B')) {
        f.phase = kSUHighRest, f.sub = 2;
      } else {
        return Outcome::kReject;  // a lone low surrogate
      }
      return Outcome::kOk;
    case kSURest:
    case kSUHighRest:
    case kSLowRest:
      if (!is_hex(b)) return Outcome::kReject;
      if (--f.sub == 0) f.phase = f.phase == kSUHighRest ? kSLowBackslash : kSBody;
      return Outcome::kOk;
    case kSLowBackslash:
      if (b != '\\') return Outcome::kReject;
      f.phase = kSLowU;
      return Outcome::kOk;
    case kSLowU:
      if (b != 'u') return Outcome::kReject;
      f.phase = kSLow1;
      return Outcome::kOk;
    case kSLow1:
      if (b != 'd' && b != 'D') return Outcome::kReject;
      f.phase = kSLow2;
      return Outcome::kOk;
    case kSLow2:
      if (!((b >= 'c' && b <= 'f') || (b >= 'C' && b <= 'F'))) return Outcome::kReject;
      f.phase = kSLowRest, f.sub = 2;
      return Outcome::kOk;
    default:
      return Outcome::kReject;
  }
}

Outcome number_step(Frame& f, uint8_t b) {
  const bool real = f.node->kind == NodeKind::kNumber;
  switch (f.phase) {
    case kNStart:
    case kNMinus:
      if (b == '-' && f.phase == kNStart) {
        f.phase = kNMinus;
      } else if (b == '0') {
        f.phase = kNZero;
      } else if (b >= '1' && b <= '9') {
        f.phase = kNInt, f.a = 1;
      } else {
        return Outcome::kReject;
      }
      return Outcome::kOk;
    case kNZero:
    case kNInt:
      if (f.phase == kNInt && is_digit(b) && f.a < kMaxIntDigits) {
        ++f.a;
        return Outcome::kOk;
      }
      if (real && b == '.') {
        f.phase = kNDot;
        return Outcome::kOk;
      }
      if (real && (b == 'e' || b == 'E')) {
        f.phase = kNExp;
        return Outcome::kOk;
      }
      return Outcome::kPopReprocess;
    case kNDot:
      if (!is_digit(b)) return Outcome::kReject;
      f.phase = kNFrac, f.a = 1;
      return Outcome::kOk;
    case kNFrac:
      if (is_digit(b) && f.a < kMaxFracDigits) {
        ++f.a;
        return Outcome::kOk;
      }
      if (b == 'e' || b == 'E') {
        f.phase = kNExp;
        return Outcome::kOk;
      }
      return Outcome::kPopReprocess;
    case kNExp:
      if (b == '+' || b == '-') {
        f.phase = kNExpSign;
        return Outcome::kOk;
      }
      [[fallthrough]];
    case kNExpSign:
      if (!is_digit(b)) return Outcome::kReject;
      f.phase = kNExpDigits, f.a = 1;
      return Outcome::kOk;
    case kNExpDigits:
      if (is_digit(b) && f.a < kMaxExpDigits) {
        ++f.a;
        return Outcome::kOk;
      }
      return Outcome::kPopReprocess;
    default:
      return Outcome::kReject;
  }
}

bool number_accepting(const Frame& f) {
  return f.phase == kNZero || f.phase == kNInt || f.phase == kNFrac || f.phase == kNExpDigits;
}

// Literals are sorted, so those sharing the bytes matched so far are the range [a, b).
Outcome literal_step(Frame& f, uint8_t b) {
  const auto& lits = f.node->literals;
  uint32_t lo = f.a;
  while (lo < f.b && (lits[lo].size() <= f.pos || static_cast<uint8_t>(lits[lo][f.pos]) < b)) ++lo;
  uint32_t hi = lo;
  while (hi < f.b && lits[hi].size() > f.pos && static_cast<uint8_t>(lits[hi][f.pos]) == b) ++hi;
  if (hi > lo) {
    f.a = lo, f.b = hi;
    ++f.pos;
    return Outcome::kOk;
  }
  // No literal continues with `b`: if one ends here, the value is done and `b` belongs to the parent. A JSON
  // value's continuation bytes never overlap what a parent accepts after a value, so this is unambiguous.
  if (f.pos > 0 && lits[f.a].size() == f.pos) return Outcome::kPopReprocess;
  return Outcome::kReject;
}

bool literal_accepting(const Frame& f) { return f.pos > 0 && f.node->literals[f.a].size() == f.pos; }

// Declared-object key: candidates are properties [a, last] (the next required one ends the range); b is a
// candidate matching the bytes so far.
Outcome key_step(Frame& f, uint8_t byte) {
  const SchemaNode& n = *f.node;
  const uint32_t count = static_cast<uint32_t>(n.properties.size());
  const uint32_t last = std::min(n.next_required[f.a], count - 1);
  const std::string& ref = n.properties[f.b].key;
  for (uint32_t k = f.a; k <= last; ++k) {
    const std::string& key = n.properties[k].key;
    if (key.size() <= f.pos || static_cast<uint8_t>(key[f.pos]) != byte) continue;
    if (k != f.b && key.compare(0, f.pos, ref, 0, f.pos) != 0) continue;
    f.b = k;
    if (++f.pos == key.size()) {
      f.a = k;
      f.phase = kOColon;
    }
    return Outcome::kOk;
  }
  return Outcome::kReject;
}

Outcome object_step(Frame& f, uint8_t b, const SchemaNode** child) {
  const SchemaNode& n = *f.node;
  const bool declared = !n.properties.empty();
  const uint32_t count = static_cast<uint32_t>(n.properties.size());
  Outcome ws;
  switch (f.phase) {
    case kOStart:
      if (b != '{') return Outcome::kReject;
      f.phase = kOOpen;
      return Outcome::kOk;
    case kOOpen:
    case kOComma:
      if (take_ws(f, b, &ws)) return ws;
      if (b == '}' && f.phase == kOOpen) {
        return !declared || n.next_required[0] == count ? Outcome::kPopDone : Outcome::kReject;
      }
      if (b != '"') return Outcome::kReject;
      if (declared) {
        f.phase = kOKey, f.b = f.a, f.pos = 0;
        return key_step(f, b);
      }
      if (!n.key) return Outcome::kReject;
      f.phase = kOInKey;
      *child = n.key;
      return Outcome::kPush;
    case kOKey:
      return key_step(f, b);
    case kOColon:
      if (take_ws(f, b, &ws)) return ws;
      if (b != ':') return Outcome::kReject;
      f.phase = kOValue;
      return Outcome::kOk;
    case kOValue:
      if (take_ws(f, b, &ws)) return ws;
      f.phase = kOInValue;
      *child = declared ? n.properties[f.a].value : n.extra;
      return Outcome::kPush;
    case kOAfter:
      if (take_ws(f, b, &ws)) return ws;
      if (b == ',') {
        if (declared) {
          if (f.a + 1 >= count) return Outcome::kReject;
          ++f.a;
        }
        f.phase = kOComma;
        return Outcome::kOk;
      }
      if (b == '}') {
        return !declared || n.next_required[f.a + 1] == count ? Outcome::kPopDone : Outcome::kReject;
      }
      return Outcome::kReject;
    default:
      return Outcome::kReject;
  }
}

Outcome array_step(Frame& f, uint8_t b, const SchemaNode** child) {
  const SchemaNode& n = *f.node;
  Outcome ws;
  switch (f.phase) {
    case kAStart:
      if (b != '[') return Outcome::kReject;
      f.phase = kAOpen;
      return Outcome::kOk;
    case kAOpen:
      if (take_ws(f, b, &ws)) return ws;
      if (b == ']') return n.min_items == 0 ? Outcome::kPopDone : Outcome::kReject;
      if (n.max_items == 0) return Outcome::kReject;
      f.phase = kAInItem;
      *child = n.items;
      return Outcome::kPush;
    case kAAfter:
      if (take_ws(f, b, &ws)) return ws;
      if (b == ',') {
        if (n.max_items >= 0 && static_cast<int64_t>(f.a) >= n.max_items) return Outcome::kReject;
        f.phase = kAComma;
        return Outcome::kOk;
      }
      if (b == ']') return static_cast<int64_t>(f.a) >= n.min_items ? Outcome::kPopDone : Outcome::kReject;
      return Outcome::kReject;
    case kAComma:
      if (take_ws(f, b, &ws)) return ws;
      f.phase = kAInItem;
      *child = n.items;
      return Outcome::kPush;
    default:
      return Outcome::kReject;
  }
}

void value_done(Frame& parent) {
  parent.ws = 0;
  if (!parent.node) {
    parent.phase = kRootDone;
  } else if (parent.node->kind == NodeKind::kObject) {
    parent.phase = parent.phase == kOInKey ? kOColon : kOAfter;
  } else {
    GB_CHECK(parent.node->kind == NodeKind::kArray);
    ++parent.a;
    parent.phase = kAAfter;
  }
}

}  // namespace

JsonRecognizer::JsonRecognizer(std::shared_ptr<const JsonSchema> schema) : schema_(std::move(schema)) {
  stacks_.resize(kMaxStacks);
  forks_.resize(kMaxStacks);
  stacks_[0].push_back(Frame{});
  n_stacks_ = 1;
}

bool JsonRecognizer::feed(Stack& s, uint8_t byte) {
  for (;;) {
    Frame& f = s.back();
    const SchemaNode* child = nullptr;
    Outcome o = Outcome::kReject;
    if (!f.node) {
      if (f.phase != kRootBefore) return false;
      f.phase = kRootIn;
      child = schema_->root();
      o = Outcome::kPush;
    } else {
      switch (f.node->kind) {
        case NodeKind::kObject: o = object_step(f, byte, &child); break;
        case NodeKind::kArray: o = array_step(f, byte, &child); break;
        case NodeKind::kString: o = string_step(f, byte); break;
        case NodeKind::kNumber:
        case NodeKind::kInteger: o = number_step(f, byte); break;
        case NodeKind::kLiteral: o = literal_step(f, byte); break;
        case NodeKind::kAnyOf: o = Outcome::kReject; break;  // never on a stack: expanded at push
      }
    }
    switch (o) {
      case Outcome::kReject: return false;
      case Outcome::kOk: return true;
      case Outcome::kPopDone:
        s.pop_back();
        value_done(s.back());
        return true;
      case Outcome::kPopReprocess:
        s.pop_back();
        value_done(s.back());
        continue;
      case Outcome::kPush:
        if (s.size() >= kMaxDepth) return false;
        if (child->kind == NodeKind::kAnyOf) {
          // One stack per alternative; forks_ never grows past kMaxStacks, so references into it stay valid
          // while a fork's own feed() forks again.
          const auto& alts = child->alternatives;
          if (alts.empty()) return false;
          for (size_t i = 1; i < alts.size() && n_stacks_ + n_forks_ < kMaxStacks; ++i) {
            Stack& copy = forks_[n_forks_++];
            copy = s;
            copy.push_back(start_frame(alts[i]));
            if (!feed(copy, byte)) copy.clear();
          }
          child = alts[0];
        }
        s.push_back(start_frame(child));
        continue;
    }
  }
}

bool JsonRecognizer::advance(uint8_t byte) {
  n_forks_ = 0;
  const size_t n = n_stacks_;
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!feed(stacks_[i], byte)) continue;
    if (i != out) std::swap(stacks_[out], stacks_[i]);
    ++out;
  }
  for (size_t k = 0; k < n_forks_ && out < kMaxStacks; ++k) {
    if (!forks_[k].empty()) std::swap(stacks_[out++], forks_[k]);
  }
  n_stacks_ = out;
  if (n_stacks_ > 1) dedup();
  return n_stacks_ > 0;
}

bool JsonRecognizer::advance(std::string_view bytes) {
  for (char c : bytes) {
    if (!advance(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

void JsonRecognizer::dedup() {
  for (size_t i = 0; i < n_stacks_; ++i) {
    for (size_t j = i + 1; j < n_stacks_;) {
      if (stacks_[j] == stacks_[i]) {
        std::swap(stacks_[j], stacks_[n_stacks_ - 1]);
        --n_stacks_;
      } else {
        ++j;
      }
    }
  }
}

bool JsonRecognizer::complete() const {
  for (size_t i = 0; i < n_stacks_; ++i) {
    const Stack& s = stacks_[i];
    if (s.size() == 1 && s[0].phase == kRootDone) return true;
    if (s.size() != 2) continue;
    const Frame& top = s[1];
    const NodeKind kind = top.node->kind;
    if ((kind == NodeKind::kNumber || kind == NodeKind::kInteger) && number_accepting(top)) return true;
    if (kind == NodeKind::kLiteral && literal_accepting(top)) return true;
  }
  return false;
}

bool JsonRecognizer::finished() const {
  if (n_stacks_ == 0) return false;
  for (size_t i = 0; i < n_stacks_; ++i) {
    if (stacks_[i].size() != 1 || stacks_[i][0].phase != kRootDone) return false;
  }
  return true;
}

bool JsonRecognizer::same_state(const JsonRecognizer& other) const {
  if (schema_ != other.schema_ || n_stacks_ != other.n_stacks_) return false;
  for (size_t i = 0; i < n_stacks_; ++i) {
    if (stacks_[i] != other.stacks_[i]) return false;
  }
  return true;
}

void JsonRecognizer::copy_from(const JsonRecognizer& other) {
  GB_CHECK(schema_ == other.schema_);
  n_stacks_ = other.n_stacks_;
  for (size_t i = 0; i < n_stacks_; ++i) stacks_[i] = other.stacks_[i];
}

}  // namespace glassbox::constrain
