// InputAssembler: joins typed lines into one message: a line ending in `\` continues on the next line, and
// a `"""` line opens a block that runs to the next line ending in `"""`.
#pragma once

#include <optional>
#include <string>

namespace glassbox::chat_cli {

// Feed lines (without their newline) one at a time. Not thread-safe.
class InputAssembler {
 public:
  // The finished message when `line` completes one, else nullopt (more lines are needed).
  //   hello\          -> continues: "hello\n..."
  //   """             -> a block; every line is kept verbatim until a line ending in """
  //   """one line"""  -> "one line"
  std::optional<std::string> feed(const std::string& line);
  // Whether a message has begun and awaits more lines (the prompt shows "..." then).
  bool pending() const { return mode_ != Mode::kIdle; }
  // What has been typed so far (end of input in the middle of a message sends it as it is).
  std::string take_partial();

 private:
  enum class Mode { kIdle, kContinued, kBlock };
  Mode mode_ = Mode::kIdle;
  std::string text_;
};

}  // namespace glassbox::chat_cli
