// Transcript: a conversation written out as JSON (machine-readable) or Markdown (for reading).
#pragma once

#include <string>

#include "base/status.h"
#include "chat_cli/chat_session.h"

namespace glassbox::chat_cli {

// {"model": ..., "system": ..., "settings": {...}, "messages": [{"role", "content", "interrupted"?}]}
std::string transcript_json(const ChatSession& session, const std::string& model_name);
// "# Chat with MODEL", the system prompt, then one "## User" / "## Assistant" section per message.
std::string transcript_markdown(const ChatSession& session, const std::string& model_name);

// Writes the transcript to `path` (temp file, then rename): Markdown when the name ends in .md or .markdown,
// else JSON. Errors name the path.
Status save_transcript(const ChatSession& session, const std::string& model_name, const std::string& path);

}  // namespace glassbox::chat_cli
