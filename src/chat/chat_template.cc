// ChatTemplate: JSON to values, the variables transformers passes, and the default ChatML template.
#include "chat/chat_template.h"

#include <nlohmann/json.hpp>

#include "chat/template.h"

namespace glassbox::chat {

const char kDefaultChatTemplate[] =
    "{%- for message in messages -%}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}\n"
    "{%- if message['content'] is string -%}\n"
    "{{- message['content'] -}}\n"
    "{%- elif message['content'] is iterable -%}\n"
    "{%- for part in message['content'] if part['type'] == 'text' -%}{{- part['text'] -}}{%- endfor -%}\n"
    "{%- endif -%}\n"
    "{{- '<|im_end|>\\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}\n";

namespace {

constexpr int kMaxJsonDepth = 256;

template <typename Json>
bool depth_ok(const Json& json, int depth) {
  if (depth > kMaxJsonDepth) return false;
  if (!json.is_structured()) return true;
  for (const auto& item : json) {
    if (!depth_ok(item, depth + 1)) return false;
  }
  return true;
}

// Callers check depth_ok first.
template <typename Json>
Value from_json_impl(const Json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value(json.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value(json.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return Value(static_cast<int64_t>(json.template get<uint64_t>()));
    case nlohmann::json::value_t::number_float:
      return Value(json.template get<double>());
    case nlohmann::json::value_t::string:
      return Value(json.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json_impl(item));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value d = Value::dict();
      for (auto it = json.begin(); it != json.end(); ++it) {
        d.dict_data().items.emplace_back(Value(it.key()), from_json_impl(it.value()));
      }
      return d;
    }
    default:
      return Value::none();
  }
}

}  // namespace

Value value_from_json(const nlohmann::ordered_json& json) {
  return depth_ok(json, 0) ? from_json_impl(json) : Value::none();
}
Value value_from_json(const nlohmann::json& json) { return depth_ok(json, 0) ? from_json_impl(json) : Value::none(); }

namespace {

template <typename Json>
Result<std::string> render_with(const Template& tmpl, const Json& messages, const Json& tools,
                                bool add_generation_prompt, const std::string& bos_token,
                                const std::string& eos_token, const Json& extra) {
  if (!depth_ok(messages, 0) || !depth_ok(tools, 0) || !depth_ok(extra, 0)) {
    return invalid_argument(str_format("chat: messages, tools or extra nest deeper than %d levels", kMaxJsonDepth));
  }
  Value context = Value::dict();
  DictData& d = context.dict_data();
  d.set(Value("messages"), value_from_json(messages));
  // transformers passes tools=None and documents=None when absent: `tools is defined` is always true.
  d.set(Value("tools"), value_from_json(tools));
  d.set(Value("documents"), Value::none());
  d.set(Value("add_generation_prompt"), Value(add_generation_prompt));
  d.set(Value("bos_token"), Value(bos_token));
  d.set(Value("eos_token"), Value(eos_token));
  if (extra.is_object()) {
    for (auto it = extra.begin(); it != extra.end(); ++it) d.set(Value(it.key()), from_json_impl(it.value()));
  }
  return tmpl.render(context);
}

template <typename Json>
Result<std::string> render_chat_impl(const std::string& template_source, const Json& messages, const Json& tools,
                                     bool add_generation_prompt, const std::string& bos_token,
                                     const std::string& eos_token, const Json& extra) {
  GB_ASSIGN_OR_RETURN(Template tmpl,
                      Template::parse(template_source.empty() ? kDefaultChatTemplate : template_source));
  return render_with(tmpl, messages, tools, add_generation_prompt, bos_token, eos_token, extra);
}

}  // namespace

Result<ChatTemplate> ChatTemplate::parse(const std::string& source) {
  const std::string& text = source.empty() ? std::string(kDefaultChatTemplate) : source;
  GB_ASSIGN_OR_RETURN(Template tmpl, Template::parse(text));
  ChatTemplate chat;
  chat.template_ = std::move(tmpl);
  chat.traits_ = detect_template_traits(text);
  return chat;
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                         bool add_generation_prompt, const std::string& bos_token,
                                         const std::string& eos_token, const nlohmann::ordered_json& extra) const {
  return render_with(template_, messages, tools, add_generation_prompt, bos_token, eos_token, extra);
}

Result<std::string> render_chat(const std::string& template_source, const nlohmann::ordered_json& messages,
                                const nlohmann::ordered_json& tools, bool add_generation_prompt,
                                const std::string& bos_token, const std::string& eos_token,
                                const nlohmann::ordered_json& extra) {
  return render_chat_impl(template_source, messages, tools, add_generation_prompt, bos_token, eos_token, extra);
}

Result<std::string> render_chat(const std::string& template_source, const nlohmann::json& messages,
                                const nlohmann::json& tools, bool add_generation_prompt,
                                const std::string& bos_token, const std::string& eos_token,
                                const nlohmann::json& extra) {
  return render_chat_impl(template_source, messages, tools, add_generation_prompt, bos_token, eos_token, extra);
}

}  // namespace glassbox::chat
