// Test support: the shared ggml vocabulary-test fixtures (../shared/fixtures/tokenizer).
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace glassbox::tokenizer::testing {

inline std::string fixture_dir() { return GLASSBOX_SHARED_DIR "/fixtures/tokenizer"; }

inline bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// The lines of a .out file, without their newlines.
inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace glassbox::tokenizer::testing
