// Documents: listing folders and archives, text checks, FNV-1a.
#include "data/documents.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/mapped_file.h"
#include "tokenizer/utf8.h"

namespace glassbox::data {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_archive(const std::string& path) {
  for (const char* ext : {".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz"})
    if (ends_with(path, ext)) return true;
  return false;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

Status add_folder(const fs::path& root, std::vector<Document>* docs) {
  std::vector<Document> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string base = it->path().filename().string();
    if (!base.empty() && base[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    found.push_back({fs::relative(it->path(), root).generic_string(), it->path().string()});
  }
  if (ec) return io_error("data: cannot list '" + root.string() + "': " + ec.message());
  std::sort(found.begin(), found.end(),
            [](const Document& a, const Document& b) { return a.name < b.name; });
  docs->insert(docs->end(), found.begin(), found.end());
  return ok_status();
}

}  // namespace

Result<std::vector<Document>> list_documents(const std::vector<std::string>& inputs,
                                             const std::string& scratch_dir) {
  std::vector<Document> docs;
  int archive_idx = 0;
  for (const std::string& input : inputs) {
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st)) return not_found("data: input '" + input + "' does not exist");
    if (fs::is_directory(st)) {
      GB_RETURN_IF_ERROR(add_folder(input, &docs));
    } else if (is_archive(input)) {
      const fs::path dest = fs::path(scratch_dir) / ("archive" + std::to_string(archive_idx++));
      fs::remove_all(dest, ec);
      fs::create_directories(dest, ec);
      if (ec) return io_error("data: cannot create '" + dest.string() + "': " + ec.message());
      const std::string cmd =
          "tar -xf " + shell_quote(input) + " -C " + shell_quote(dest.string()) + " 2>&1";
      FILE* pipe = popen(cmd.c_str(), "r");
      if (!pipe) return io_error("data: cannot run tar for '" + input + "'");
      std::string out;
      char buf[512];
      while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
      const int rc = pclose(pipe);
      if (rc != 0) return invalid_argument("data: tar could not unpack '" + input + "': " + out);
      GB_RETURN_IF_ERROR(add_folder(dest, &docs));
    } else if (fs::is_regular_file(st)) {
      docs.push_back({fs::path(input).filename().string(), input});
    } else {
      return invalid_argument("data: input '" + input + "' is not a file or folder");
    }
  }
  if (docs.empty()) return invalid_argument("data: the inputs hold no files");
  return docs;
}

Result<std::string> read_text_document(const Document& doc) {
  GB_ASSIGN_OR_RETURN(std::string text, read_file_to_string(doc.path));
  if (text.empty()) return invalid_argument("'" + doc.path + "' is empty");
  if (const void* nul = std::memchr(text.data(), 0, text.size()))
    return invalid_argument(str_format("'%s' looks binary: a NUL byte at offset %zu",
                                       doc.path.c_str(),
                                       static_cast<const char*>(nul) - text.data()));
  if (!tokenizer::utf8::is_valid(text))
    return invalid_argument("'" + doc.path + "' is not valid UTF-8 (binary, or another encoding)");
  return text;
}

uint64_t fnv1a64(const void* data, size_t size, uint64_t seed) {
  uint64_t h = seed;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hex64(uint64_t v) { return str_format("%016llx", (unsigned long long)v); }

}  // namespace glassbox::data
