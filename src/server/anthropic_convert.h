// Anthropic Messages ↔ chat template: request bodies into OpenAI-style messages and tools, generated text into
// content blocks and their SSE events. Pure functions (no HTTP, no model), so they are unit-tested directly.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "chat/tool_call_parser.h"
#include "server/server_state.h"

namespace glassbox::server {

struct Conversation {
  Json messages = Json::array();  // OpenAI-style [{role, content, tool_calls?, tool_call_id?, reasoning_content?}]
  Json tools;                     // [{type:"function", function:{name, description?, parameters}}] or null
  std::string tool_choice = "auto";  // tool_choice.type: auto, any, tool, none
  std::string forced_tool;           // tool_choice.name when tool_choice is "tool"
};

// `body`: a Messages request (create or count_tokens). Throws ApiError 400 naming the field on malformed input.
// system → a system message (Claude Code's x-anthropic-billing-header block dropped); tool_use → tool_calls with
// object arguments; each tool_result → a `tool` message before the turn's text; thinking → reasoning_content;
// roles ctx/msg → user; tool_choice none drops the tools, tool keeps the named one (which must exist), any and
// tool need tools.
Conversation anthropic_to_chat(const Json& body);

// Content blocks of generated `text`. parse=false: one text block. parse=true: the template family's tool-call
// and <think> markup become tool_use (ids from new_tool_id, input an object) and thinking blocks.
Json content_blocks(const std::string& text, bool parse, const chat::TemplateTraits& traits,
                    const std::function<std::string()>& new_tool_id, bool* has_tool_use);

// One SSE event: `event: TYPE\ndata: JSON\n\n`.
std::string sse(const Json& event);


// Turns generated text pieces into Anthropic content-block SSE events as they arrive: <think> reasoning streams
// as a thinking block, text as a text block, and from the template's tool-call marker on (Hermes <tool_call>,
// Mistral [TOOL_CALLS], ...) the rest is held and parsed at the end into tool_use blocks. Text that may be the
// start of a marker is held back until it is known not to be. Formats without an opening marker (a Llama 3 JSON
// call, Functionary v3.2, Command R7B) are held whole and parsed at the end. Not thread-safe.
class BlockStreamer {
 public:
  BlockStreamer(const chat::TemplateTraits& traits, std::function<std::string()> new_tool_id);

  // Events for the certain part of the text so far (often "").
  std::string push(const std::string& piece);
  // Events closing the content: held text, tool_use blocks. *has_tool_use says whether any call was made.
  std::string finish(bool* has_tool_use);

 private:
  enum class State { kStart, kThinking, kText, kTool, kHoldAll };
  std::string emit_text(const std::string& text);
  std::string emit_thinking(const std::string& text);
  std::string close_block();
  std::string step();

  chat::TemplateTraits traits_;
  std::function<std::string()> new_tool_id_;
  std::vector<std::string> markers_;  // tool-call openers of the template's format
  State state_ = State::kStart;
  std::string pending_;               // text not yet emitted
  std::string open_;                  // type of the open block ("" = none)
  int next_index_ = 0;
  bool any_block_ = false;
};

}  // namespace glassbox::server
