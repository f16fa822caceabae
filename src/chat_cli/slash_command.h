// SlashCommand: the chat's commands (/system, /temp, /save, ...): parsing a line and applying it to a session.
#pragma once

#include <string>

#include "base/status.h"
#include "chat_cli/chat_session.h"

namespace glassbox::chat_cli {

// Whether a typed line is a command rather than a message ("/" then a letter; "//x" and "/ x" are messages).
bool is_slash_command(const std::string& line);

enum class CommandOutcome { kContinue, kExit };

// Applies one command line to `session`. `*reply` receives what to show the user (a confirmation, the help
// text, or the error). Bad input (unknown command, a value out of range) is an error Status and changes nothing.
//   /system TEXT   set the system prompt (no TEXT: show it; "/system -" clears it)
//   /temp X  /top_p X  /top_k N  /max N  /seed N     sampling settings for the next replies
//   /reset         forget the conversation        /save FILE   transcript (.md: Markdown, else JSON)
//   /help          the list of commands            /exit        leave (also /quit)
Result<CommandOutcome> apply_slash_command(ChatSession& session, const std::string& model_name,
                                           const std::string& line, std::string* reply);

// The /help text.
const char* slash_command_help();

}  // namespace glassbox::chat_cli
