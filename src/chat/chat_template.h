// ChatTemplate: renders a conversation (OpenAI-style JSON messages) into a prompt with a model's template.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
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
