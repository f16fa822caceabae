// ChatTemplate: renders a conversation (OpenAI-style JSON messages) into a prompt with a model's template.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "chat/template.h"
#include "chat/tool_call_parser.h"
#include "chat/value.h"

namespace glassbox::chat {

// ChatML, for models whose metadata has no chat template (see README.md).
extern const char kDefaultChatTemplate[];

// Converts parsed JSON to interpreter values: integers stay integers, objects keep the JSON library's key
// order. Parse requests with nlohmann::ordered_json: templates print tools and arguments in their given
// order (`tools|tojson`), and nlohmann::json sorts keys, which Python's json would not. JSON nested deeper
// than 256 levels converts to None (render_chat refuses it with an error).
Value value_from_json(const nlohmann::ordered_json& json);
Value value_from_json(const nlohmann::json& json);

// A model's chat template, parsed once (at model load) and rendered per request; thread-safe to render
// concurrently. Also knows the model's tool-call format, read from the same source.
class ChatTemplate {
 public:
  // An empty source selects kDefaultChatTemplate. Errors are template syntax errors with line:column.
  static Result<ChatTemplate> parse(const std::string& source);

  // See render_chat below.
  Result<std::string> render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                             bool add_generation_prompt, const std::string& bos_token,
                             const std::string& eos_token, const nlohmann::ordered_json& extra) const;

  const TemplateTraits& traits() const { return traits_; }

 private:
  Template template_;
  TemplateTraits traits_;
};

// Renders `messages` (a JSON array) with `template_source` as transformers' apply_chat_template does:
// variables messages, tools (None when null), documents (None), add_generation_prompt, bos_token, eos_token, plus each
// entry of `extra` (an object; e.g. documents, date_string). An empty template uses kDefaultChatTemplate.
// Errors: template syntax errors, and the template's own raise_exception(msg) with exactly msg.
Result<std::string> render_chat(const std::string& template_source, const nlohmann::ordered_json& messages,
                                const nlohmann::ordered_json& tools, bool add_generation_prompt,
                                const std::string& bos_token, const std::string& eos_token,
                                const nlohmann::ordered_json& extra);
// The same with nlohmann::json (object keys arrive sorted).
Result<std::string> render_chat(const std::string& template_source, const nlohmann::json& messages,
                                const nlohmann::json& tools, bool add_generation_prompt,
                                const std::string& bos_token, const std::string& eos_token,
                                const nlohmann::json& extra);

}  // namespace glassbox::chat
