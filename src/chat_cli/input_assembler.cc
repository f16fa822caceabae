// InputAssembler: backslash continuation and """ blocks.
#include "chat_cli/input_assembler.h"

namespace glassbox::chat_cli {
namespace {

constexpr char kFence[] = "\"\"\"";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<std::string> InputAssembler::feed(const std::string& raw) {
  std::string line = raw;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (mode_ == Mode::kBlock) {
    if (ends_with(line, kFence)) {
      text_ += line.substr(0, line.size() - 3);
      mode_ = Mode::kIdle;
      return take_partial();
    }
    text_ += line + "\n";
    return std::nullopt;
  }
  if (mode_ == Mode::kIdle && line.rfind(kFence, 0) == 0) {
    std::string rest = line.substr(3);
    if (rest.size() >= 3 && ends_with(rest, kFence)) return rest.substr(0, rest.size() - 3);
    mode_ = Mode::kBlock;
    text_ = rest.empty() ? "" : rest + "\n";
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\\') {
    text_ += line.substr(0, line.size() - 1) + "\n";
    mode_ = Mode::kContinued;
    return std::nullopt;
  }
  text_ += line;
  mode_ = Mode::kIdle;
  return take_partial();
}

std::string InputAssembler::take_partial() {
  std::string out = std::move(text_);
  text_.clear();
  mode_ = Mode::kIdle;
  // A block's last newline belongs to the closing fence's line, not to the message.
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace glassbox::chat_cli
