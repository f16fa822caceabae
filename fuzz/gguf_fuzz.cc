// libFuzzer target for the GGUF reader: parse arbitrary bytes, then read everything the parse claims to own.
//
// Built with clang -fsanitize=fuzzer,address,undefined (fuzz/CMakeLists.txt). A parse error is a
// normal outcome; a crash, a sanitizer report, a broken invariant (gguf/gguf_invariants.h) or a
// writer/reader round trip that changes the file is a finding: it aborts so libFuzzer saves the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "gguf/gguf_file.h"
#include "gguf/gguf_invariants.h"

namespace {

[[noreturn]] void finding(const char* kind, const std::string& message) {
  std::fprintf(stderr, "gguf_fuzz: %s: %s\n", kind, message.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = glassbox::gguf::GgufFile::parse(data, size, "fuzz");
  if (!file.ok()) {
    // Touch the message too: an error built from out-of-range bytes would show up here.
    volatile size_t n = file.status().message().size();
    (void)n;
    return 0;
  }
  // Typed getters on keys every model file has, whatever their stored type.
  (void)file->get_string("general.architecture");
  (void)file->get_int("general.alignment");
  (void)file->get_float("general.alignment");
  (void)file->get_bool("tokenizer.ggml.add_bos_token");
  if (std::string e = glassbox::gguf::check_invariants(*file, data, size); !e.empty()) finding("invariant", e);
  if (std::string e = glassbox::gguf::check_round_trip(*file); !e.empty()) finding("round trip", e);
  return 0;
}
