#include "default_model.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#if GLASSBOX_EMBEDDED_HOUSE_MODEL
extern "C" const unsigned char glassbox_house_model_begin[];
extern "C" const unsigned char glassbox_house_model_end[];
#endif

namespace glassbox::app {
namespace {

namespace fs = std::filesystem;

// The source checkout the executable was built in (<repo>/build*/bin/glassbox), or "".
fs::path checkout_dir() {
  std::error_code ec;
  const fs::path exe = fs::canonical("/proc/self/exe", ec);
  if (ec) return {};
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
    if (fs::exists(dir / "CMakeLists.txt", ec) && fs::exists(dir / "src", ec)) return dir;
  return {};
}

#if GLASSBOX_EMBEDDED_HOUSE_MODEL
// Writes the linked-in copy to the cache folder (temp name, then rename) unless an identical-size file is
// there already; the name carries a content hash so a new build never reuses an old model.
std::string extract_embedded() {
  const unsigned char* begin = glassbox_house_model_begin;
  const size_t size = static_cast<size_t>(glassbox_house_model_end - glassbox_house_model_begin);
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (size_t i = 0; i < size; ++i) h = (h ^ begin[i]) * 1099511628211ull;
  fs::path dir;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "glassbox";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = fs::path(home) / ".cache" / "glassbox";
  } else {
    dir = fs::temp_directory_path() / "glassbox";
  }
  char name[64];
  std::snprintf(name, sizeof name, "house-%016llx.gguf", static_cast<unsigned long long>(h));
  const fs::path path = dir / name;
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) == size) return path.string();
  fs::create_directories(dir, ec);
  const fs::path tmp = dir / (std::string(name) + ".tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(begin), static_cast<std::streamsize>(size));
    if (!out.good()) {
      fs::remove(tmp, ec);
      return "";
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return "";
  }
  return path.string();
}
#endif

}  // namespace

std::string default_model_path() {
  std::error_code ec;
  const fs::path repo = checkout_dir();
  if (!repo.empty() && fs::exists(repo / "models" / "house.gguf", ec))
    return (repo / "models" / "house.gguf").string();
#if GLASSBOX_EMBEDDED_HOUSE_MODEL
  if (std::string p = extract_embedded(); !p.empty()) return p;
#endif
  if (!repo.empty()) {
    const fs::path shared = (repo / ".." / "shared" / "reference" / "storyteller-16m-q8_0.gguf").lexically_normal();
    if (fs::exists(shared, ec)) return shared.string();
  }
  return "";
}

}  // namespace glassbox::app
