// Documents: the text files a corpus is made of, found in folders, single files or tar archives,
// and checked to be text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace glassbox::data {

struct Document {
  std::string name;  // relative to the folder or archive it came from ("books/16982.txt")
  std::string path;  // where to read it
};

// Expands `inputs`: a folder gives every regular file under it (recursively, sorted by name, hidden
// files skipped); a .tar, .tar.gz, .tgz or .tar.xz archive is unpacked with the system `tar` into
// `scratch_dir` (created) and gives its files; any other file is one document named by its
// basename. Errors: an input that does not exist, tar failing, no documents at all.
Result<std::vector<Document>> list_documents(const std::vector<std::string>& inputs,
                                             const std::string& scratch_dir);

// Reads a document and checks it is text: non-empty, no NUL byte, valid UTF-8. A failed check is
// kInvalidArgument naming the file and the reason (the caller may skip it with a warning).
Result<std::string> read_text_document(const Document& doc);

// FNV-1a 64-bit of bytes (checksums in manifests; not cryptographic).
uint64_t fnv1a64(const void* data, size_t size, uint64_t seed = 0xcbf29ce484222325ull);
std::string hex64(uint64_t v);

}  // namespace glassbox::data
