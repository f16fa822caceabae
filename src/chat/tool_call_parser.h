// ToolCallParser: splits a model's generated text into content, reasoning and tool calls, per template family.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace glassbox::chat {

// How a model family writes tool calls. Detected from its chat template (the template teaches the format).
enum class ToolCallFormat {
  kNone,           // plain content (reasoning is still split when the template uses <think>)
  kLlama3,         // {"name": ..., "parameters": {...}} or <|python_tag|>{...} / <|python_tag|>tool.call(k="v")
  kHermes,         // Hermes 2/3, Qwen 2.5/3: <tool_call>{"name": ..., "arguments": {...}}</tool_call>
  kMistral,        // [TOOL_CALLS][{"name": ..., "arguments": {...}, "id": "..."}] or [TOOL_CALLS]name[ARGS]{...}
  kDeepSeekR1,     // <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>name\n```json\n{...}\n```...
  kFunctionaryV31, // <function=name>{...}</function>, <|python_tag|>code for the python tool
  kFunctionaryV32, // [>>>]name\n{...} repeated; `all` is the plain-content channel
  kFirefunction,   // functools[{"name": ..., "arguments": {...}}]
  kCommandR,       // Command R+: Action: ```json [{"tool_name": ..., "parameters": {...}}] ```
  kCommandR7B,     // <|START_THINKING|>..<|END_THINKING|><|START_ACTION|>[...]<|END_ACTION|><|START_RESPONSE|>..
};

const char* tool_call_format_name(ToolCallFormat format);

struct TemplateTraits {
  ToolCallFormat format = ToolCallFormat::kNone;
  bool reasoning = false;  // the template knows <think>...</think> (DeepSeek R1, Qwen3, QwQ)
};

// Reads the format from markers in a chat template's source.
TemplateTraits detect_template_traits(std::string_view template_source);

struct ToolCall {
  std::string id;         // from the model when it writes one (Mistral, Command R7B), else "call_<n>_<hash>"
  std::string name;
  std::string arguments;  // a JSON object as compact text, key order as generated
};

struct ParsedOutput {
  std::string content;    // what the user sees, markers removed and trimmed
  std::string reasoning;  // the <think> part, trimmed; empty when none
  std::vector<ToolCall> tool_calls;
};

// Parses finished generated text (special tokens rendered as text). Text that only looks like a tool call
// but is not valid JSON stays in `content`: the model's words are never dropped.
ParsedOutput parse_model_output(std::string_view text, const TemplateTraits& traits);

}  // namespace glassbox::chat
