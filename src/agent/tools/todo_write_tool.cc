// TodoWrite: replaces the session's task list and returns it rendered.
#include <nlohmann/json.hpp>

#include "agent/tool.h"

namespace glassbox::agent {
namespace {

using nlohmann::json;

class TodoWriteTool : public Tool {
 public:
  std::string name() const override { return "TodoWrite"; }
  std::string description() const override {
    return "Replaces the session's todo list. Each item has content, status (pending | in_progress "
           "| completed) "
           "and activeForm (the present-continuous form shown while in progress). Keep exactly one "
           "item "
           "in_progress while working.";
  }
  json input_schema() const override {
    json item = {
        {"type", "object"},
        {"properties",
         {{"content", {{"type", "string"}, {"minLength", 1}}},
          {"status", {{"type", "string"}, {"enum", {"pending", "in_progress", "completed"}}}},
          {"activeForm", {{"type", "string"}, {"minLength", 1}}},
          {"id", {{"type", "string"}}}}},
        {"required", {"content", "status"}}};
    return {{"type", "object"},
            {"properties", {{"todos", {{"type", "array"}, {"items", item}}}}},
            {"required", {"todos"}},
            {"additionalProperties", false}};
  }
  bool read_only() const override {
    return true;
  }  // changes only the session's list, not the workspace
  ToolOutput run(const json& input, ToolContext& ctx) const override {
    if (!input.contains("todos") || !input["todos"].is_array()) {
      return {
          "TodoWrite: 'todos' is required and must be an array of {content, status, activeForm}",
          true};
    }
    std::vector<TodoItem> items;
    for (size_t i = 0; i < input["todos"].size(); ++i) {
      const json& t = input["todos"][i];
      if (!t.is_object() || !t.contains("content") || !t["content"].is_string() ||
          !t.contains("status") || !t["status"].is_string()) {
        return {
            "TodoWrite: item " + std::to_string(i) + " needs string fields 'content' and 'status'",
            true};
      }
      TodoItem item;
      item.content = t["content"].get<std::string>();
      item.status = t["status"].get<std::string>();
      if (item.status != "pending" && item.status != "in_progress" && item.status != "completed") {
        return {"TodoWrite: item " + std::to_string(i) + " has status '" + item.status +
                    "'; use pending, in_progress or completed",
                true};
      }
      if (t.contains("activeForm") && t["activeForm"].is_string())
        item.active_form = t["activeForm"].get<std::string>();
      if (t.contains("id") && t["id"].is_string()) item.id = t["id"].get<std::string>();
      items.push_back(std::move(item));
    }
    std::string out = "Todos have been modified successfully. Current list:\n";
    for (const auto& item : items) {
      const char* mark = item.status == "completed"     ? "[x]"
                         : item.status == "in_progress" ? "[~]"
                                                        : "[ ]";
      out += std::string(mark) + " " + item.content + "\n";
    }
    {
      std::lock_guard<std::mutex> lock(ctx.mu);
      ctx.todos = std::move(items);
    }
    return {out, false};
  }
};

}  // namespace

std::unique_ptr<Tool> make_todo_write_tool() { return std::make_unique<TodoWriteTool>(); }

}  // namespace glassbox::agent
