// Glob: files under a directory whose relative path matches a glob, newest first (by modification
// time).
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/glob_match.h"
#include "agent/tool.h"
#include "base/status.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
constexpr size_t kMaxResults = 100;

class GlobTool : public Tool {
 public:
  std::string name() const override { return "Glob"; }
  std::string description() const override {
    return "Finds files by glob pattern (e.g. \"**/*.cc\", \"src/**/*.{h,cc}\") under `path` "
           "(default: the "
           "working directory). Returns absolute paths, most recently modified first.";
  }
  json input_schema() const override {
    return {{"type", "object"},
            {"properties",
             {{"pattern", {{"type", "string"}, {"description", "The glob pattern"}}},
              {"path",
               {{"type", "string"},
                {"description", "Directory to search (default: working directory)"}}}}},
            {"required", {"pattern"}},
            {"additionalProperties", false}};
  }
  bool read_only() const override { return true; }
  ToolOutput run(const json& input, ToolContext& ctx) const override {
    if (!input.contains("pattern") || !input["pattern"].is_string() ||
        input["pattern"].get<std::string>().empty()) {
      return {"Glob: 'pattern' is required and must be a non-empty string", true};
    }
    std::string root = ctx.get_cwd();
    if (input.contains("path") && input["path"].is_string() &&
        !input["path"].get<std::string>().empty()) {
      root = ctx.resolve(input["path"].get<std::string>());
    }
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return {"Glob: not a directory: " + root, true};
    std::string pattern = input["pattern"].get<std::string>();
    if (!pattern.empty() && pattern[0] == '/') {
      // An absolute pattern: make it relative to the search root when it lies under it.
      if (pattern.rfind(root + "/", 0) == 0) pattern = pattern.substr(root.size() + 1);
    }
    GlobMatcher matcher(pattern);
    std::vector<std::pair<fs::file_time_type, std::string>> hits;
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const auto& entry = *it;
      std::string fname = entry.path().filename().string();
      if (entry.is_directory(ec) && (fname == ".git" || fname == "node_modules")) {
        it.disable_recursion_pending();
        continue;
      }
      if (!entry.is_regular_file(ec)) continue;
      std::string rel = fs::relative(entry.path(), root, ec).generic_string();
      if (matcher.matches(rel)) hits.emplace_back(entry.last_write_time(ec), entry.path().string());
    }
    std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (hits.empty()) return {"No files found", false};
    std::string out;
    for (size_t i = 0; i < hits.size() && i < kMaxResults; ++i) out += hits[i].second + "\n";
    if (hits.size() > kMaxResults) {
      out += str_format("(%zu more files not shown; use a more specific pattern or path)\n",
                        hits.size() - kMaxResults);
    }
    return {out, false};
  }
};

}  // namespace

std::unique_ptr<Tool> make_glob_tool() { return std::make_unique<GlobTool>(); }

}  // namespace glassbox::agent
