// Anthropic Messages ↔ chat template conversions (see anthropic_convert.h).
#include "server/anthropic_convert.h"

#include "base/status.h"

namespace glassbox::server {

namespace {

using Type = Json::value_t;

// Text of a string or of an array of {type:"text", text} blocks (other block types are skipped).
std::string text_of(const Json& content, const char* where) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) throw_invalid(std::string(where) + ": expected a string or an array of blocks");
  std::string out;
  for (const Json& block : content) {
    if (!block.is_object()) throw_invalid(std::string(where) + ": each block must be an object");
    if (block.value("type", "") == "text") {
      const Json* text = optional_field(block, "text", Type::string, "a string");
      if (!text) throw_invalid(std::string(where) + ": a text block needs `text`");
      if (!out.empty()) out += "\n";
      out += text->get<std::string>();
    }
  }
  return out;
}

}  // namespace

// Anthropic request → the OpenAI-style message list chat templates are written for.
Conversation anthropic_to_chat(const Json& body) {
  Conversation conv;
  if (const Json* system = optional_field(body, "system", Type::array, "an array")) {
    std::string text;
    for (const Json& block : *system) {
      if (!block.is_object()) throw_invalid("system: each block must be an object");
      std::string t = block.value("text", "");
      // Claude Code's first system block carries a per-request nonce; dropping it keeps the prefix cacheable.
      if (t.rfind("x-anthropic-billing-header", 0) == 0) continue;
      if (!text.empty()) text += "\n";
      text += t;
    }
    if (!text.empty()) conv.messages.push_back({{"role", "system"}, {"content", text}});
  } else if (body.contains("system") && body["system"].is_string()) {
    conv.messages.push_back({{"role", "system"}, {"content", body["system"]}});
  }
  auto it = body.find("messages");
  if (it == body.end()) throw_invalid("messages: Field required");
  if (!it->is_array()) throw_invalid("messages: expected an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& msg = (*it)[i];
    std::string where = str_format("messages.%zu", i);
    if (!msg.is_object()) throw_invalid(where + ": expected an object");
    const Json* role_v = optional_field(msg, "role", Type::string, "a string");
    if (!role_v) throw_invalid(where + ".role: Field required");
    std::string role = role_v->get<std::string>();
    if (role == "ctx" || role == "msg") role = "user";
    if (role != "user" && role != "assistant" && role != "system") {
      throw_invalid(where + ".role: expected user, assistant or system, got '" + role + "'");
    }
    auto content = msg.find("content");
    if (content == msg.end()) throw_invalid(where + ".content: Field required");
    if (content->is_string()) {
      conv.messages.push_back({{"role", role}, {"content", *content}});
      continue;
    }
    if (!content->is_array()) throw_invalid(where + ".content: expected a string or an array of blocks");
    std::string text, reasoning;
    Json tool_calls = Json::array();
    for (const Json& block : *content) {
      if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
        throw_invalid(where + ".content: each block must be an object with a string `type`");
      }
      std::string type = block["type"];
      if (type == "text") {
        if (!block.contains("text") || !block["text"].is_string()) throw_invalid(where + ": text block needs `text`");
        if (!text.empty()) text += "\n";
        text += block["text"].get<std::string>();
      } else if (type == "thinking") {
        reasoning += block.value("thinking", "");
      } else if (type == "tool_use") {
        Json input = block.contains("input") ? block["input"] : Json::object();
        tool_calls.push_back({{"id", block.value("id", "")},
                              {"type", "function"},
                              {"function", {{"name", block.value("name", "")}, {"arguments", input}}}});
      } else if (type == "tool_result") {
        std::string result = block.contains("content") ? text_of(block["content"], (where + ".tool_result").c_str())
                                                       : "";
        conv.messages.push_back(
            {{"role", "tool"}, {"tool_call_id", block.value("tool_use_id", "")}, {"content", result}});
      } else if (type == "image" || type == "document") {
        throw_invalid(where + ": " + type + " blocks are not supported by this model");
      }
      // redacted_thinking, tool_reference, search_result, ...: nothing a local text model can use.
    }
    if (!text.empty() || !tool_calls.empty() || !reasoning.empty()) {
      Json m = {{"role", role}, {"content", text}};
      if (!reasoning.empty()) m["reasoning_content"] = reasoning;
      if (!tool_calls.empty()) m["tool_calls"] = tool_calls;
      conv.messages.push_back(std::move(m));
    }
  }
  std::string choice = "auto";
  std::string forced;
  if (const Json* tc = optional_field(body, "tool_choice", Type::object, "an object")) {
    choice = tc->value("type", "auto");
    forced = tc->value("name", "");
  }
  if (const Json* tools = optional_field(body, "tools", Type::array, "an array"); tools && choice != "none") {
    conv.tools = Json::array();
    for (const Json& tool : *tools) {
      if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) {
        throw_invalid("tools: each tool must be an object with a string `name`");
      }
      if (choice == "tool" && tool["name"] != forced) continue;
      Json fn = {{"name", tool["name"]}};
      if (tool.contains("description")) fn["description"] = tool["description"];
      fn["parameters"] = tool.contains("input_schema") ? tool["input_schema"] : Json{{"type", "object"}};
      conv.tools.push_back({{"type", "function"}, {"function", fn}});
    }
  }
  return conv;
}

Json content_blocks(const std::string& text, bool parse, const chat::TemplateTraits& traits,
                    const std::function<std::string()>& new_tool_id, bool* has_tool_use) {
  Json content = Json::array();
  *has_tool_use = false;
  if (!parse) {
    content.push_back({{"type", "text"}, {"text", text}, {"citations", nullptr}});
    return content;
  }
  chat::ParsedOutput out = chat::parse_model_output(text, traits);
  if (!out.reasoning.empty()) {
    content.push_back({{"type", "thinking"}, {"thinking", out.reasoning}, {"signature", ""}});
  }
  if (!out.content.empty() || out.tool_calls.empty()) {
    content.push_back({{"type", "text"}, {"text", out.content}, {"citations", nullptr}});
  }
  for (const chat::ToolCall& call : out.tool_calls) {
    Json input = Json::parse(call.arguments, nullptr, false);
    if (!input.is_object()) input = Json::object();
    content.push_back({{"type", "tool_use"}, {"id", new_tool_id()}, {"name", call.name}, {"input", input}});
    *has_tool_use = true;
  }
  return content;
}

std::string sse(const Json& event) {
  return "event: " + event["type"].get<std::string>() + "\ndata: " + event.dump() + "\n\n";
}

std::string block_events(const Json& blocks) {
  std::string out;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Json& b = blocks[i];
    const std::string type = b["type"];
    Json empty = b;
    Json delta;
    if (type == "text") {
      empty = {{"type", "text"}, {"text", ""}};
      delta = {{"type", "text_delta"}, {"text", b["text"]}};
    } else if (type == "thinking") {
      empty = {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}};
      delta = {{"type", "thinking_delta"}, {"thinking", b["thinking"]}};
    } else {
      empty["input"] = Json::object();
      delta = {{"type", "input_json_delta"}, {"partial_json", b["input"].dump()}};
    }
    out += sse({{"type", "content_block_start"}, {"index", i}, {"content_block", empty}});
    out += sse({{"type", "content_block_delta"}, {"index", i}, {"delta", delta}});
    if (type == "thinking") {
      out += sse({{"type", "content_block_delta"},
            {"index", i},
            {"delta", {{"type", "signature_delta"}, {"signature", ""}}}});
    }
    out += sse({{"type", "content_block_stop"}, {"index", i}});
  }
  return out;
}

}  // namespace glassbox::server
