// StopScanner: finds stop strings in streamed text and holds back the bytes that may be the start of one.
#pragma once

#include <string>
#include <vector>

namespace glassbox::chat_cli {

// Feed decoded text with push(); it returns the text that is safe to show now. Text that could be the
// beginning of a stop string ("<|im_" of "<|im_end|>") is held until the next push decides it. Once a stop
// string is found, stopped() is true and nothing after it is ever returned. Not thread-safe.
class StopScanner {
 public:
  explicit StopScanner(std::vector<std::string> stops);

  std::string push(const std::string& text);
  // The held-back tail (at the end of a reply that did not stop on a stop string).
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;  // non-empty strings only
  std::string pending_;             // held back: a proper prefix of some stop string
  bool stopped_ = false;
};

}  // namespace glassbox::chat_cli
