// ggml vocabulary-test files.
#include "tokenizer/vocab_test_format.h"

#include <fstream>
#include <sstream>

namespace glassbox::tokenizer {

std::vector<std::string> split_vocab_test_inputs(std::string_view content) {
  std::vector<std::string> inputs;
  size_t pos = 0;
  while (pos < content.size()) {
    const size_t next = content.find(kVocabTestSeparator, pos);
    if (next == std::string_view::npos) {
      inputs.emplace_back(content.substr(pos));
      break;
    }
    inputs.emplace_back(content.substr(pos, next - pos));
    pos = next + kVocabTestSeparator.size();
  }
  return inputs;
}

Result<std::vector<std::string>> read_vocab_test_inputs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("vocab test: cannot open '" + path + "'");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return io_error("vocab test: cannot read '" + path + "'");
  return split_vocab_test_inputs(content.str());
}

std::string format_vocab_test_ids(const std::vector<int32_t>& ids) {
  std::string line;
  for (int32_t id : ids) line += " " + std::to_string(id);
  return line;
}

}  // namespace glassbox::tokenizer
