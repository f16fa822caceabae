#include "default_model.h"

#include <filesystem>
#include <system_error>

namespace glassbox::app {

std::string default_model_path() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::canonical("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path candidates[] = {fs::path("models") / "house.gguf",
                                 fs::path("..") / "shared" / "reference" / "storyteller-16m-q8_0.gguf"};
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (!fs::exists(dir / "CMakeLists.txt", ec)) continue;
    for (const auto& c : candidates) {
      const fs::path p = (dir / c).lexically_normal();
      if (fs::exists(p, ec)) return p.string();
    }
  }
  return "";
}

}  // namespace glassbox::app
