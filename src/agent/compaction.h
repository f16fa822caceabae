// Compaction: when a conversation nears the model's context window, the older turns are replaced
// by a summary the model writes in one extra call; the system prompt (with the AGENTS.md /
// CLAUDE.md instructions) is sent on every request and so always survives, and the latest turns
// are kept word for word.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace glassbox::agent {

// A rough token count of any JSON value (its text length / 4): used when the server's usage is
// not known yet, and to size the kept tail.
int64_t estimate_tokens(const nlohmann::json& value);

// Where the kept tail of `messages` starts: the tail holds about `keep_tokens` (estimated) and
// always at least the latest exchange; it starts at an assistant message or at a user message
// that is not tool results, so no tool_result loses its tool_use. 0 when nothing can be
// summarised.
size_t choose_compaction_split(const nlohmann::json& messages, int64_t keep_tokens);

// The one request that asks for the summary of messages[0, split): the earlier conversation
// rendered as a transcript (long tool results clipped) in a single user message; no tools.
nlohmann::json compaction_request(const nlohmann::json& messages, size_t split,
                                  const std::string& focus);

// The conversation after compaction: the summary as the first user message (merged into the
// tail's first user message when the tail starts with one), then messages[split, end).
nlohmann::json compacted_messages(const std::string& summary, const nlohmann::json& messages,
                                  size_t split);

// The marker the summary message starts with (tests and the resume path look for it).
inline constexpr const char* kCompactionSummaryHeader =
    "[Summary of the earlier conversation, written when it was compacted to fit the context "
    "window]";

}  // namespace glassbox::agent
