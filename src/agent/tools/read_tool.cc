// Read: a text file's lines numbered like `cat -n`, from an optional 1-based offset, at most
// `limit` lines.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/tool.h"
#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;
constexpr int64_t kDefaultLimit = 2000;
constexpr size_t kMaxLineChars = 2000;
constexpr size_t kMaxOutputChars = 120000;  // about 30k tokens: one Read must not flood the context

class ReadTool : public Tool {
 public:
  std::string name() const override { return "Read"; }
  std::string description() const override {
    return "Reads a text file and returns its lines numbered like `cat -n`. file_path should be "
           "absolute. "
           "Reads up to 2000 lines from `offset` (1-based line number); lines over 2000 characters "
           "are cut. "
           "Binary files are refused.";
  }
  json input_schema() const override {
    return {
        {"type", "object"},
        {"properties",
         {{"file_path", {{"type", "string"}, {"description", "Absolute path of the file to read"}}},
          {"offset", {{"type", "number"}, {"description", "Line number to start from (1-based)"}}},
          {"limit", {{"type", "number"}, {"description", "Number of lines to read"}}}}},
        {"required", {"file_path"}},
        {"additionalProperties", false}};
  }
  bool read_only() const override { return true; }
  ToolOutput run(const json& input, ToolContext& ctx) const override {
    if (!input.contains("file_path") || !input["file_path"].is_string()) {
      return {"Read: 'file_path' is required and must be a string (an absolute path)", true};
    }
    std::string path = ctx.resolve(input["file_path"].get<std::string>());
    int64_t offset = 1, limit = kDefaultLimit;
    for (auto [key, out] :
         {std::pair<const char*, int64_t*>{"offset", &offset}, {"limit", &limit}}) {
      if (input.contains(key) && !input[key].is_null()) {
        if (!input[key].is_number())
          return {std::string("Read: '") + key + "' must be a number", true};
        *out = static_cast<int64_t>(input[key].get<double>());
      }
    }
    if (offset < 1) offset = 1;
    if (limit < 1) return {"Read: 'limit' must be at least 1", true};
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return {
          "Read: " + path + " is a directory, not a file; list it with Bash `ls` or the Glob tool",
          true};
    }
    auto text = read_file_to_string(path);
    if (!text.ok()) {
      if (!std::filesystem::exists(path, ec)) return {"Read: file does not exist: " + path, true};
      return {"Read: " + text.status().message(), true};
    }
    const std::string& s = *text;
    if (s.find('\0') != std::string::npos) {
      return {
          str_format(
              "Read: %s is a binary file (%zu bytes); Read shows text files only. Inspect it with "
              "Bash (e.g. `file`, `xxd | head`).",
              path.c_str(), s.size()),
          true};
    }
    if (s.empty()) return {"(the file " + path + " exists but is empty)", false};
    std::string out;
    int64_t line_no = 1, shown = 0;
    size_t pos = 0;
    bool capped = false;
    while (pos < s.size() && shown < limit) {
      if (out.size() > kMaxOutputChars) {
        capped = true;
        break;
      }
      size_t end = s.find('\n', pos);
      size_t line_end = end == std::string::npos ? s.size() : end;
      if (line_no >= offset) {
        std::string line = s.substr(pos, line_end - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() > kMaxLineChars)
          line = line.substr(0, kMaxLineChars) + "... [line truncated]";
        out += str_format("%6lld\t", static_cast<long long>(line_no)) + line + "\n";
        ++shown;
      }
      if (end == std::string::npos) break;
      pos = end + 1;
      ++line_no;
    }
    if (shown == 0) {
      return {
          str_format("Read: offset %lld is past the end of %s (%lld lines)",
                     static_cast<long long>(offset), path.c_str(), static_cast<long long>(line_no)),
          true};
    }
    if (capped) {
      out += str_format("... (output capped at %zu characters; read on with offset %lld)\n",
                        kMaxOutputChars, static_cast<long long>(offset + shown));
    } else if (pos < s.size() && shown == limit) {
      out += str_format("... (file continues; read more with offset %lld)\n",
                        static_cast<long long>(offset + limit));
    }
    return {out, false};
  }
};

}  // namespace

std::unique_ptr<Tool> make_read_tool() { return std::make_unique<ReadTool>(); }

}  // namespace glassbox::agent
