// Grep: PCRE2 search over a file or a directory tree, with ripgrep-like output modes and context
// lines.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "agent/glob_match.h"
#include "agent/tool.h"
#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class Regex {
 public:
  Regex(const std::string& pattern, bool ignore_case, bool multiline) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (ignore_case ? PCRE2_CASELESS : 0) |
                     (multiline ? PCRE2_MULTILINE | PCRE2_DOTALL : 0);
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), flags,
                          &err, &offset, nullptr);
    if (!code_) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof(buf));
      error_ =
          str_format("%s at offset %zu", reinterpret_cast<char*>(buf), static_cast<size_t>(offset));
      return;
    }
    data_ = pcre2_match_data_create_from_pattern(code_, nullptr);
  }
  ~Regex() {
    if (data_) pcre2_match_data_free(data_);
    if (code_) pcre2_code_free(code_);
  }
  const std::string& error() const { return error_; }
  bool search(const char* s, size_t n) const {
    return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s), n, 0, 0, data_, nullptr) >= 0;
  }
  // Every match in `s` as [begin, end) byte offsets.
  std::vector<std::pair<size_t, size_t>> all_matches(const std::string& s) const {
    std::vector<std::pair<size_t, size_t>> out;
    size_t start = 0;
    while (start <= s.size()) {
      int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, data_,
                           nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_);
      out.emplace_back(ov[0], ov[1]);
      start = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
    return out;
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* data_ = nullptr;
  std::string error_;
};

int64_t get_int(const json& input, const char* key, int64_t fallback) {
  auto it = input.find(key);
  return it != input.end() && it->is_number() ? static_cast<int64_t>(it->get<double>()) : fallback;
}

class GrepTool : public Tool {
 public:
  std::string name() const override { return "Grep"; }
  std::string description() const override {
    return "Searches file contents with a PCRE2 regular expression. output_mode: "
           "\"files_with_matches\" (default; "
           "paths, newest first), \"content\" (matching lines, with -n line numbers and -A/-B/-C "
           "context), or "
           "\"count\". Filter files with `glob` (e.g. \"*.cc\"); limit output with head_limit.";
  }
  json input_schema() const override {
    return {{"type", "object"},
            {"properties",
             {{"pattern", {{"type", "string"}, {"description", "The regular expression (PCRE2)"}}},
              {"path",
               {{"type", "string"},
                {"description", "File or directory to search (default: working directory)"}}},
              {"glob",
               {{"type", "string"},
                {"description", "Glob that file paths must match, e.g. \"*.{h,cc}\""}}},
              {"output_mode",
               {{"type", "string"}, {"enum", {"content", "files_with_matches", "count"}}}},
              {"-i", {{"type", "boolean"}, {"description", "Case insensitive"}}},
              {"-n", {{"type", "boolean"}, {"description", "Show line numbers (content mode)"}}},
              {"-A", {{"type", "number"}, {"description", "Lines of context after each match"}}},
              {"-B", {{"type", "number"}, {"description", "Lines of context before each match"}}},
              {"-C", {{"type", "number"}, {"description", "Lines of context before and after"}}},
              {"type",
               {{"type", "string"},
                {"description", "File type: c, cpp, py, js, ts, go, rust, java, sh, md, ..."}}},
              {"multiline",
               {{"type", "boolean"}, {"description", "Let . and patterns match across lines"}}},
              {"head_limit",
               {{"type", "number"}, {"description", "Only the first N lines/entries of output"}}}}},
            {"required", {"pattern"}},
            {"additionalProperties", false}};
  }
  bool read_only() const override { return true; }
  ToolOutput run(const json& input, ToolContext& ctx) const override;
};

ToolOutput GrepTool::run(const json& input, ToolContext& ctx) const {
  if (!input.contains("pattern") || !input["pattern"].is_string()) {
    return {"Grep: 'pattern' is required and must be a string", true};
  }
  std::string mode = input.value("output_mode", std::string("files_with_matches"));
  if (mode != "content" && mode != "files_with_matches" && mode != "count") {
    return {
        "Grep: output_mode must be one of content, files_with_matches, count (got '" + mode + "')",
        true};
  }
  bool multiline = input.value("multiline", false);
  Regex re(input["pattern"].get<std::string>(), input.value("-i", false), multiline);
  if (!re.error().empty()) return {"Grep: invalid regular expression: " + re.error(), true};
  bool line_numbers = input.value("-n", true);
  int64_t ctx_lines = get_int(input, "-C", 0);
  int64_t after = get_int(input, "-A", ctx_lines), before = get_int(input, "-B", ctx_lines);
  int64_t head_limit = get_int(input, "head_limit", 0);
  std::string root = ctx.get_cwd();
  if (input.contains("path") && input["path"].is_string() &&
      !input["path"].get<std::string>().empty()) {
    root = ctx.resolve(input["path"].get<std::string>());
  }
  std::error_code ec;
  if (!fs::exists(root, ec)) return {"Grep: path does not exist: " + root, true};
  std::unique_ptr<GlobMatcher> glob;
  bool glob_has_slash = false;
  if (input.contains("glob") && input["glob"].is_string() &&
      !input["glob"].get<std::string>().empty()) {
    std::string g = input["glob"].get<std::string>();
    glob_has_slash = g.find('/') != std::string::npos;
    glob = std::make_unique<GlobMatcher>(g);
  }

  std::vector<std::string> type_exts;
  if (input.contains("type") && input["type"].is_string()) {
    static const std::map<std::string, std::vector<std::string>> kTypes = {
        {"c", {".c", ".h"}},
        {"cpp", {".cc", ".cpp", ".cxx", ".hpp", ".hh", ".h", ".hxx"}},
        {"py", {".py", ".pyi"}},
        {"js", {".js", ".mjs", ".cjs", ".jsx"}},
        {"ts", {".ts", ".tsx", ".mts", ".cts"}},
        {"go", {".go"}},
        {"rust", {".rs"}},
        {"java", {".java"}},
        {"sh", {".sh", ".bash"}},
        {"md", {".md", ".markdown"}},
        {"json", {".json"}},
        {"yaml", {".yaml", ".yml"}},
        {"cmake", {".cmake", "CMakeLists.txt"}},
        {"html", {".html", ".htm"}},
        {"css", {".css"}},
    };
    auto it = kTypes.find(input["type"].get<std::string>());
    if (it == kTypes.end()) {
      std::string names;
      for (const auto& [k, v] : kTypes) names += (names.empty() ? "" : ", ") + k;
      return {"Grep: unknown type '" + input["type"].get<std::string>() + "'; known: " + names +
                  " (or use glob)",
              true};
    }
    type_exts = it->second;
  }
  std::vector<std::pair<fs::file_time_type, std::string>> files;
  auto consider = [&](const fs::path& p) {
    if (!type_exts.empty()) {
      std::string name = p.filename().string();
      bool ok = false;
      for (const auto& ext : type_exts) {
        ok |= name.size() >= ext.size() &&
              name.compare(name.size() - ext.size(), ext.size(), ext) == 0;
      }
      if (!ok) return;
    }
    if (glob) {
      std::string subject =
          glob_has_slash ? fs::relative(p, root, ec).generic_string() : p.filename().string();
      if (!glob->matches(subject)) return;
    }
    files.emplace_back(fs::last_write_time(p, ec), p.string());
  };
  if (fs::is_regular_file(root, ec)) {
    files.emplace_back(fs::last_write_time(root, ec), root);
  } else {
    for (auto it = fs::recursive_directory_iterator(
             root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::string fname = it->path().filename().string();
      if (it->is_directory(ec) && (fname == ".git" || fname == "node_modules")) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec)) consider(it->path());
    }
  }
  std::sort(files.begin(), files.end(), [&](const auto& a, const auto& b) {
    if (mode == "files_with_matches" && a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  });

  std::vector<std::string> out_lines;
  bool single_file = fs::is_regular_file(root, ec);
  for (const auto& [mtime, path] : files) {
    auto text = read_file_to_string(path);
    if (!text.ok()) continue;
    const std::string& s = *text;
    if (s.find('\0', 0) != std::string::npos && s.find('\0') < 8192) continue;  // binary
    std::vector<std::pair<size_t, size_t>> lines;                               // [start, end)
    for (size_t pos = 0; pos < s.size();) {
      size_t end = s.find('\n', pos);
      if (end == std::string::npos) end = s.size();
      lines.emplace_back(pos, end);
      pos = end + 1;
    }
    std::vector<size_t> matched;
    if (multiline) {
      // A match may span lines: every line it touches counts as matching.
      std::vector<char> hit(lines.size(), 0);
      for (auto [b, e] : re.all_matches(s)) {
        for (size_t i = 0; i < lines.size(); ++i) {
          if (lines[i].second >= b && lines[i].first <= (e > b ? e - 1 : b)) hit[i] = 1;
        }
      }
      for (size_t i = 0; i < lines.size(); ++i) {
        if (hit[i]) matched.push_back(i);
      }
    } else {
      for (size_t i = 0; i < lines.size(); ++i) {
        if (re.search(s.data() + lines[i].first, lines[i].second - lines[i].first))
          matched.push_back(i);
      }
    }
    if (matched.empty()) continue;
    if (mode == "files_with_matches") {
      out_lines.push_back(path);
    } else if (mode == "count") {
      out_lines.push_back(path + ":" + std::to_string(matched.size()));
    } else {
      std::vector<char> show(lines.size(), 0);  // 1 = context, 2 = match
      for (size_t m : matched) {
        size_t lo = m >= static_cast<size_t>(std::max<int64_t>(before, 0)) ? m - before : 0;
        size_t hi =
            std::min(lines.size() - 1, m + static_cast<size_t>(std::max<int64_t>(after, 0)));
        for (size_t i = lo; i <= hi; ++i) show[i] = std::max<char>(show[i], 1);
        show[m] = 2;
      }
      size_t last = SIZE_MAX;
      for (size_t i = 0; i < lines.size(); ++i) {
        if (!show[i]) continue;
        if (last != SIZE_MAX && i > last + 1 && (before > 0 || after > 0))
          out_lines.push_back("--");
        std::string prefix = single_file ? "" : path + (show[i] == 2 ? ":" : "-");
        if (line_numbers) prefix += std::to_string(i + 1) + (show[i] == 2 ? ":" : "-");
        std::string line = s.substr(lines[i].first, lines[i].second - lines[i].first);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > 500) line = line.substr(0, 500) + "... [line truncated]";
        out_lines.push_back(prefix + line);
        last = i;
      }
    }
  }
  if (out_lines.empty()) return {mode == "count" ? "0 matches" : "No matches found", false};
  size_t total = out_lines.size();
  if (head_limit > 0 && total > static_cast<size_t>(head_limit))
    out_lines.resize(static_cast<size_t>(head_limit));
  std::string out;
  if (mode == "files_with_matches")
    out = str_format("Found %zu file%s\n", total, total == 1 ? "" : "s");
  for (const auto& l : out_lines) out += l + "\n";
  if (out_lines.size() < total)
    out += str_format("(%zu more not shown: head_limit %lld)\n", total - out_lines.size(),
                      static_cast<long long>(head_limit));
  return {truncate_middle(out, ctx.max_output_chars), false};
}

}  // namespace

std::unique_ptr<Tool> make_grep_tool() { return std::make_unique<GrepTool>(); }

}  // namespace glassbox::agent
