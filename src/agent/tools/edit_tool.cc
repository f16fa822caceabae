// Edit: exact string replacement in a file; refuses missing or ambiguous matches, keeps CRLF
// endings.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/checkpoint_store.h"
#include "agent/tool.h"
#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;

size_t count_occurrences(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos;
       pos = hay.find(needle, pos + needle.size()))
    ++n;
  return n;
}

std::string to_crlf(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

class EditTool : public Tool {
 public:
  std::string name() const override { return "Edit"; }
  std::string description() const override {
    return "Replaces old_string with new_string in a file. old_string must match exactly "
           "(whitespace and "
           "indentation included) and be unique unless replace_all is true. An empty old_string "
           "creates a new file.";
  }
  json input_schema() const override {
    return {
        {"type", "object"},
        {"properties",
         {{"file_path", {{"type", "string"}, {"description", "Absolute path of the file to edit"}}},
          {"old_string", {{"type", "string"}, {"description", "The exact text to replace"}}},
          {"new_string", {{"type", "string"}, {"description", "The replacement text"}}},
          {"replace_all",
           {{"type", "boolean"}, {"description", "Replace every occurrence (default false)"}}}}},
        {"required", {"file_path", "old_string", "new_string"}},
        {"additionalProperties", false}};
  }
  bool read_only() const override { return false; }
  bool edits_files() const override { return true; }
  ToolOutput run(const json& input, ToolContext& ctx) const override {
    for (const char* key : {"file_path", "old_string", "new_string"}) {
      if (!input.contains(key) || !input[key].is_string()) {
        return {std::string("Edit: '") + key + "' is required and must be a string", true};
      }
    }
    if (input.contains("replace_all") && !input["replace_all"].is_null() &&
        !input["replace_all"].is_boolean()) {
      return {"Edit: 'replace_all' must be a boolean", true};
    }
    std::string path = ctx.resolve(input["file_path"].get<std::string>());
    std::string old_s = input["old_string"].get<std::string>();
    std::string new_s = input["new_string"].get<std::string>();
    bool replace_all = input.value("replace_all", false);
    std::error_code ec;
    if (old_s.empty()) {
      if (std::filesystem::exists(path, ec)) {
        return {"Edit: old_string is empty but " + path +
                    " already exists; give the text to replace, or use Write",
                true};
      }
      if (ctx.checkpoints) {
        Status saved = ctx.checkpoints->snapshot(path);
        if (!saved.ok()) return {"Edit: " + saved.message() + "; nothing was written", true};
      }
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
      Status s = write_file_atomic(path, new_s.data(), new_s.size());
      if (!s.ok()) return {"Edit: " + s.message(), true};
      return {"Created " + path, false};
    }
    if (old_s == new_s)
      return {"Edit: old_string and new_string are identical; nothing to change", true};
    if (!std::filesystem::exists(path, ec)) {
      return {"Edit: file does not exist: " + path +
                  " (was it moved or deleted? check with Glob or Bash `ls`)",
              true};
    }
    auto text = read_file_to_string(path);
    if (!text.ok()) return {"Edit: " + text.status().message(), true};
    std::string content = std::move(*text);
    size_t n = count_occurrences(content, old_s);
    if (n == 0 && content.find("\r\n") != std::string::npos &&
        old_s.find('\n') != std::string::npos) {
      // The model usually writes '\n'; the file uses CRLF. Match and write in the file's
      // convention.
      std::string old_crlf = to_crlf(old_s);
      size_t n_crlf = count_occurrences(content, old_crlf);
      if (n_crlf > 0) {
        old_s = old_crlf;
        new_s = to_crlf(new_s);
        n = n_crlf;
      }
    }
    if (n == 0) {
      return {"Edit: old_string was not found in " + path +
                  ". It must match exactly, including whitespace and indentation (tabs vs spaces); "
                  "Read the file "
                  "and copy the text.",
              true};
    }
    if (n > 1 && !replace_all) {
      return {str_format("Edit: old_string matches %zu places in %s; include more surrounding "
                         "lines to make it "
                         "unique, or set replace_all to true",
                         n, path.c_str()),
              true};
    }
    std::string out;
    out.reserve(content.size());
    size_t pos = 0, replaced = 0;
    while (true) {
      size_t hit = content.find(old_s, pos);
      if (hit == std::string::npos || (replaced == 1 && !replace_all)) break;
      out.append(content, pos, hit - pos);
      out += new_s;
      pos = hit + old_s.size();
      ++replaced;
    }
    out.append(content, pos, std::string::npos);
    if (!std::filesystem::exists(path, ec)) {
      return {"Edit: " + path + " disappeared while it was being edited; nothing was written",
              true};
    }
    if (ctx.checkpoints) {
      Status saved = ctx.checkpoints->snapshot(path);
      if (!saved.ok()) return {"Edit: " + saved.message() + "; nothing was written", true};
    }
    auto perms = std::filesystem::status(path, ec).permissions();
    Status s = write_file_atomic(path, out.data(), out.size());
    if (!s.ok()) return {"Edit: " + s.message(), true};
    std::filesystem::permissions(path, perms, ec);  // keep an executable script executable
    return {str_format("Edited %s: %zu replacement%s", path.c_str(), replaced,
                       replaced == 1 ? "" : "s"),
            false};
  }
};

}  // namespace

std::unique_ptr<Tool> make_edit_tool() { return std::make_unique<EditTool>(); }

}  // namespace glassbox::agent
