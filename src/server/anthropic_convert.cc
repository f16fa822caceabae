// Anthropic Messages ↔ chat template conversions (see anthropic_convert.h).
#include "server/anthropic_convert.h"

#include <algorithm>
#include <cstring>

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
  if (body.contains("system") && body["system"].is_string()) {
    // `system` may be a plain string or an array of text blocks.
    conv.messages.push_back({{"role", "system"}, {"content", body["system"]}});
  } else if (const Json* system = optional_field(body, "system", Type::array, "a string or an array of blocks")) {
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
    const Json* type = optional_field(*tc, "type", Type::string, "a string");
    if (!type) throw_invalid("tool_choice.type: Field required");
    choice = type->get<std::string>();
    if (choice != "auto" && choice != "any" && choice != "tool" && choice != "none") {
      throw_invalid("tool_choice.type: expected auto, any, tool or none, got '" + choice + "'");
    }
    if (choice == "tool") {
      const Json* name = optional_field(*tc, "name", Type::string, "a string");
      if (!name) throw_invalid("tool_choice.name: Field required when type is tool");
      forced = name->get<std::string>();
    }
  }
  conv.tool_choice = choice;
  conv.forced_tool = forced;
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
  if ((choice == "any" || choice == "tool") && (!conv.tools.is_array() || conv.tools.empty())) {
    throw_invalid(choice == "tool" ? "tool_choice.name: no tool named '" + forced + "' in tools"
                                   : "tool_choice: type any needs at least one tool in tools");
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
  return "event: " + event["type"].get<std::string>() + "\ndata: " + json_text(event) + "\n\n";
}

namespace {

constexpr const char* kThinkOpen = "<think>";
constexpr const char* kThinkClose = "</think>";

std::vector<std::string> tool_markers(chat::ToolCallFormat format) {
  using F = chat::ToolCallFormat;
  switch (format) {
    case F::kHermes: return {"<tool_call>"};
    case F::kLlama3: return {"<|python_tag|>"};
    case F::kMistral: return {"[TOOL_CALLS]"};
    case F::kDeepSeekR1: return {"<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>"};
    case F::kFunctionaryV31: return {"<function=", "<|python_tag|>"};
    case F::kFirefunction: return {"functools["};
    case F::kCommandR: return {"Action:"};
    default: return {};
  }
}

// Length of the longest suffix of `text` that is a proper prefix of one of `markers`.
size_t partial_marker(const std::string& text, const std::vector<std::string>& markers) {
  size_t best = 0;
  for (const std::string& m : markers) {
    for (size_t len = std::min(m.size() - 1, text.size()); len > best; --len) {
      if (text.compare(text.size() - len, len, m, 0, len) == 0) {
        best = len;
        break;
      }
    }
  }
  return best;
}

size_t first_non_space(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  return i;
}

}  // namespace

BlockStreamer::BlockStreamer(const chat::TemplateTraits& traits, std::function<std::string()> new_tool_id)
    : traits_(traits), new_tool_id_(std::move(new_tool_id)), markers_(tool_markers(traits.format)) {
  using F = chat::ToolCallFormat;
  if (traits.format == F::kFunctionaryV32 || traits.format == F::kCommandR7B) state_ = State::kHoldAll;
}

std::string BlockStreamer::close_block() {
  if (open_.empty()) return "";
  std::string out;
  if (open_ == "thinking") {
    out += sse({{"type", "content_block_delta"},
                {"index", next_index_ - 1},
                {"delta", {{"type", "signature_delta"}, {"signature", ""}}}});
  }
  out += sse({{"type", "content_block_stop"}, {"index", next_index_ - 1}});
  open_.clear();
  return out;
}

std::string BlockStreamer::emit_text(const std::string& text) {
  if (text.empty()) return "";
  std::string out;
  if (open_ != "text") {
    out += close_block();
    out += sse({{"type", "content_block_start"},
                {"index", next_index_},
                {"content_block", {{"type", "text"}, {"text", ""}}}});
    ++next_index_;
    open_ = "text";
    any_block_ = true;
  }
  out += sse({{"type", "content_block_delta"},
              {"index", next_index_ - 1},
              {"delta", {{"type", "text_delta"}, {"text", text}}}});
  return out;
}

std::string BlockStreamer::emit_thinking(const std::string& text) {
  std::string out;
  if (open_ != "thinking") {
    out += close_block();
    out += sse({{"type", "content_block_start"},
                {"index", next_index_},
                {"content_block", {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}}});
    ++next_index_;
    open_ = "thinking";
    any_block_ = true;
  }
  if (!text.empty()) {
    out += sse({{"type", "content_block_delta"},
                {"index", next_index_ - 1},
                {"delta", {{"type", "thinking_delta"}, {"thinking", text}}}});
  }
  return out;
}

std::string BlockStreamer::step() {
  std::string out;
  for (;;) {
    if (state_ == State::kStart) {
      size_t i = first_non_space(pending_);
      if (i == pending_.size()) return out;  // only whitespace so far
      std::string rest = pending_.substr(i);
      if (traits_.reasoning) {
        if (rest.size() < std::strlen(kThinkOpen) && std::string(kThinkOpen).rfind(rest, 0) == 0) return out;
        if (rest.rfind(kThinkOpen, 0) == 0) {
          pending_ = rest.substr(std::strlen(kThinkOpen));
          state_ = State::kThinking;
          out += emit_thinking("");
          continue;
        }
      }
      if (traits_.format == chat::ToolCallFormat::kLlama3 && rest[0] == '{') {
        state_ = State::kTool;
        return out;
      }
      pending_ = rest;
      state_ = State::kText;
      continue;
    }
    if (state_ == State::kThinking) {
      size_t pos = pending_.find(kThinkClose);
      if (pos != std::string::npos) {
        out += emit_thinking(pending_.substr(0, pos));
        out += close_block();
        pending_ = pending_.substr(pos + std::strlen(kThinkClose));
        state_ = State::kStart;
        continue;
      }
      size_t keep = partial_marker(pending_, {kThinkClose});
      out += emit_thinking(pending_.substr(0, pending_.size() - keep));
      pending_.erase(0, pending_.size() - keep);
      return out;
    }
    if (state_ == State::kText) {
      size_t first = std::string::npos;
      for (const std::string& m : markers_) first = std::min(first, pending_.find(m));
      if (first != std::string::npos) {
        out += emit_text(pending_.substr(0, first));
        pending_.erase(0, first);
        state_ = State::kTool;
        return out;
      }
      size_t keep = partial_marker(pending_, markers_);
      out += emit_text(pending_.substr(0, pending_.size() - keep));
      pending_.erase(0, pending_.size() - keep);
      return out;
    }
    return out;  // kTool, kHoldAll: everything waits for finish()
  }
}

std::string BlockStreamer::push(const std::string& piece) {
  pending_ += piece;
  return step();
}

std::string BlockStreamer::finish(bool* has_tool_use) {
  *has_tool_use = false;
  std::string out;
  if (state_ == State::kThinking) {
    out += emit_thinking(pending_);
    pending_.clear();
  } else if (state_ == State::kText || state_ == State::kStart) {
    out += emit_text(state_ == State::kText ? pending_ : "");
    pending_.clear();
  } else {
    // kTool / kHoldAll: the held text is parsed; words that are not a valid call stay text.
    chat::ParsedOutput parsed = chat::parse_model_output(pending_, traits_);
    if (parsed.tool_calls.empty()) {
      if (state_ == State::kHoldAll && !parsed.reasoning.empty()) {
        out += emit_thinking(parsed.reasoning);
        out += close_block();
      }
      out += emit_text(state_ == State::kHoldAll ? parsed.content : pending_);
    } else {
      if (!parsed.reasoning.empty()) {
        out += emit_thinking(parsed.reasoning);
        out += close_block();
      }
      out += emit_text(parsed.content);
      out += close_block();
      Json blocks = Json::array();
      for (const chat::ToolCall& call : parsed.tool_calls) {
        Json input = Json::parse(call.arguments, nullptr, false);
        if (!input.is_object()) input = Json::object();
        Json block = {{"type", "tool_use"}, {"id", new_tool_id_()}, {"name", call.name}, {"input", input}};
        out += sse({{"type", "content_block_start"},
                    {"index", next_index_},
                    {"content_block", {{"type", "tool_use"}, {"id", block["id"]}, {"name", call.name},
                                       {"input", Json::object()}}}});
        out += sse({{"type", "content_block_delta"},
                    {"index", next_index_},
                    {"delta", {{"type", "input_json_delta"}, {"partial_json", json_text(input)}}}});
        out += sse({{"type", "content_block_stop"}, {"index", next_index_}});
        ++next_index_;
        any_block_ = true;
      }
      *has_tool_use = true;
    }
    pending_.clear();
  }
  if (!any_block_) {
    // Always at least one block, as the API does for an empty answer.
    out += sse({{"type", "content_block_start"},
                {"index", next_index_},
                {"content_block", {{"type", "text"}, {"text", ""}}}});
    out += sse({{"type", "content_block_stop"}, {"index", next_index_}});
    ++next_index_;
    return out;
  }
  out += close_block();
  return out;
}

}  // namespace glassbox::server
