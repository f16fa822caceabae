// The built-in tools, one registration line each, and helpers every tool shares.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/tool.h"
#include "base/status.h"

namespace glassbox::agent {

std::vector<std::unique_ptr<Tool>> make_builtin_tools() {
  std::vector<std::unique_ptr<Tool>> tools;
  tools.push_back(make_bash_tool());
  tools.push_back(make_read_tool());
  tools.push_back(make_write_tool());
  tools.push_back(make_edit_tool());
  tools.push_back(make_glob_tool());
  tools.push_back(make_grep_tool());
  tools.push_back(make_todo_write_tool());
  return tools;
}

std::string ToolContext::resolve(const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(get_cwd()) / p;
  return p.lexically_normal().string();
}

std::string Tool::permission_subject(const nlohmann::json& input, ToolContext& ctx) const {
  if (input.is_object() && input.contains("file_path") && input["file_path"].is_string()) {
    return ctx.resolve(input["file_path"].get<std::string>());
  }
  if (input.is_object() && input.contains("path") && input["path"].is_string()) {
    return ctx.resolve(input["path"].get<std::string>());
  }
  return "";
}

std::string truncate_middle(const std::string& text, size_t max_chars) {
  if (text.size() <= max_chars) return text;
  size_t head = max_chars / 2, tail = max_chars - head;
  // Cut on line boundaries when one is near, so lines are not split.
  size_t head_cut = text.rfind('\n', head);
  if (head_cut != std::string::npos && head_cut > head / 2) head = head_cut + 1;
  size_t tail_start = text.size() - tail;
  size_t tail_cut = text.find('\n', tail_start);
  if (tail_cut != std::string::npos && tail_cut < tail_start + tail / 2) tail_start = tail_cut + 1;
  size_t dropped = tail_start - head;
  size_t dropped_lines = 0;
  for (size_t i = head; i < tail_start; ++i) dropped_lines += text[i] == '\n';
  return text.substr(0, head) +
         str_format("\n... [%zu characters, %zu lines truncated] ...\n", dropped, dropped_lines) +
         text.substr(tail_start);
}

}  // namespace glassbox::agent
