// Anthropic Messages ↔ chat template: request bodies into OpenAI-style messages and tools, generated text into
// content blocks and their SSE events. Pure functions (no HTTP, no model), so they are unit-tested directly.
#pragma once

#include <functional>
#include <string>

#include "chat/tool_call_parser.h"
#include "server/server_state.h"

namespace glassbox::server {

struct Conversation {
  Json messages = Json::array();  // OpenAI-style [{role, content, tool_calls?, tool_call_id?, reasoning_content?}]
  Json tools;                     // [{type:"function", function:{name, description?, parameters}}] or null
};

// `body`: a Messages request (create or count_tokens). Throws ApiError 400 naming the field on malformed input.
// system → a system message (Claude Code's x-anthropic-billing-header block dropped); tool_use → tool_calls with
// object arguments; each tool_result → a `tool` message before the turn's text; thinking → reasoning_content;
// roles ctx/msg → user; tool_choice none drops the tools, tool keeps the named one.
Conversation anthropic_to_chat(const Json& body);

// Content blocks of generated `text`. parse=false: one text block. parse=true: the template family's tool-call
// and <think> markup become tool_use (ids from new_tool_id, input an object) and thinking blocks.
Json content_blocks(const std::string& text, bool parse, const chat::TemplateTraits& traits,
                    const std::function<std::string()>& new_tool_id, bool* has_tool_use);

// One SSE event: `event: TYPE\ndata: JSON\n\n`.
std::string sse(const Json& event);
// content_block_start / _delta / _stop events for finished blocks (index = position), as the API streams them:
// text_delta, thinking_delta + signature_delta, one input_json_delta with the whole input.
std::string block_events(const Json& blocks);

}  // namespace glassbox::server
