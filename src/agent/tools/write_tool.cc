// Write: creates or replaces a file atomically, creating its parent directories.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/checkpoint_store.h"
#include "agent/tool.h"
#include "base/mapped_file.h"
#include "base/status.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;

class WriteTool : public Tool {
 public:
  std::string name() const override { return "Write"; }
  std::string description() const override {
    return "Writes a file (creating parent directories), replacing it if it exists. Prefer Edit "
           "for changes to "
           "existing files.";
  }
  json input_schema() const override {
    return {{"type", "object"},
            {"properties",
             {{"file_path",
               {{"type", "string"}, {"description", "Absolute path of the file to write"}}},
              {"content", {{"type", "string"}, {"description", "The full content of the file"}}}}},
            {"required", {"file_path", "content"}},
            {"additionalProperties", false}};
  }
  bool read_only() const override { return false; }
  bool edits_files() const override { return true; }
  ToolOutput run(const json& input, ToolContext& ctx) const override {
    if (!input.contains("file_path") || !input["file_path"].is_string()) {
      return {"Write: 'file_path' is required and must be a string (an absolute path)", true};
    }
    if (!input.contains("content") || !input["content"].is_string()) {
      return {"Write: 'content' is required and must be a string", true};
    }
    std::string path = ctx.resolve(input["file_path"].get<std::string>());
    const std::string& content = input["content"].get_ref<const std::string&>();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return {"Write: " + path + " is a directory", true};
    if (ctx.checkpoints) {
      Status saved = ctx.checkpoints->snapshot(path);
      if (!saved.ok()) return {"Write: " + saved.message() + "; the file was not changed", true};
    }
    bool existed = std::filesystem::exists(path, ec);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) return {"Write: cannot create the directory of " + path + ": " + ec.message(), true};
    auto perms =
        existed ? std::filesystem::status(path, ec).permissions() : std::filesystem::perms::unknown;
    Status s = write_file_atomic(path, content.data(), content.size());
    if (!s.ok()) return {"Write: " + s.message(), true};
    if (existed) std::filesystem::permissions(path, perms, ec);
    return {str_format("%s %s (%zu bytes)", existed ? "Updated" : "Created", path.c_str(),
                       content.size()),
            false};
  }
};

}  // namespace

std::unique_ptr<Tool> make_write_tool() { return std::make_unique<WriteTool>(); }

}  // namespace glassbox::agent
