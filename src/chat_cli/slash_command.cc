// SlashCommand: parsing and applying the chat's slash commands.
#include "chat_cli/slash_command.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "chat_cli/transcript.h"

namespace glassbox::chat_cli {
namespace {

constexpr const char kHelp[] =
    "commands:\n"
    "  /system TEXT   set the system prompt (/system alone shows it, /system - clears it)\n"
    "  /temp X        temperature, 0..2 (0 = greedy)\n"
    "  /top_p X       nucleus sampling, 0 < X <= 1 (1 = off)\n"
    "  /top_k N       keep the N most likely tokens (0 = off)\n"
    "  /max N         at most N tokens per reply\n"
    "  /seed N        sample reproducibly from seed N (/seed random: a fresh seed each reply)\n"
    "  /reset         forget the conversation (the system prompt and settings stay)\n"
    "  /save FILE     write the transcript: FILE.md as Markdown, any other name as JSON\n"
    "  /settings      show the current settings\n"
    "  /help          this list\n"
    "  /exit          leave (also /quit, Ctrl-D, or Ctrl-C at the prompt)\n"
    "input: end a line with \\ to continue on the next; \"\"\" opens a block closed by \"\"\".\n"
    "Ctrl-C during a reply stops the reply.\n";

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Result<double> parse_number(const std::string& command, const std::string& arg) {
  if (arg.empty()) return invalid_argument(command + ": expected a number");
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(arg.c_str(), &end);
  if (errno != 0 || end != arg.c_str() + arg.size() || !std::isfinite(v)) {
    return invalid_argument(command + ": '" + arg + "' is not a number");
  }
  return v;
}

Result<int64_t> parse_integer(const std::string& command, const std::string& arg) {
  if (arg.empty()) return invalid_argument(command + ": expected an integer");
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(arg.c_str(), &end, 10);
  if (errno != 0 || end != arg.c_str() + arg.size()) {
    return invalid_argument(command + ": '" + arg + "' is not an integer");
  }
  return static_cast<int64_t>(v);
}

std::string settings_text(const ChatSession& session) {
  const ChatSettings& s = session.settings();
  return str_format("temperature %g, top_p %g, top_k %d, max %lld tokens per reply, seed %s; context %lld tokens; "
                    "system prompt: %s",
                    s.sampling.temperature, s.sampling.top_p, s.sampling.top_k, static_cast<long long>(s.max_tokens),
                    s.fixed_seed ? std::to_string(s.seed).c_str() : "random",
                    static_cast<long long>(session.n_ctx()), s.system.empty() ? "(none)" : s.system.c_str());
}

}  // namespace

const char* slash_command_help() { return kHelp; }

bool is_slash_command(const std::string& line) {
  return line.size() >= 2 && line[0] == '/' && std::isalpha(static_cast<unsigned char>(line[1]));
}

Result<CommandOutcome> apply_slash_command(ChatSession& session, const std::string& model_name,
                                           const std::string& line, std::string* reply) {
  const std::string text = trim(line);
  const size_t space = text.find_first_of(" \t");
  const std::string command = text.substr(0, space);
  const std::string arg = space == std::string::npos ? "" : trim(text.substr(space));
  ChatSettings& s = session.settings();

  if (command == "/exit" || command == "/quit" || command == "/bye") return CommandOutcome::kExit;
  if (command == "/help" || command == "/?") {
    *reply = kHelp;
  } else if (command == "/system") {
    if (arg.empty()) {
      *reply = s.system.empty() ? "no system prompt" : "system prompt: " + s.system;
    } else if (arg == "-") {
      s.system.clear();
      *reply = "system prompt cleared";
    } else {
      s.system = arg;
      *reply = "system prompt set";
    }
  } else if (command == "/temp" || command == "/temperature") {
    GB_ASSIGN_OR_RETURN(double v, parse_number("/temp", arg));
    if (v < 0 || v > 2) return invalid_argument("/temp: must be between 0 and 2, got " + arg);
    s.sampling.temperature = static_cast<float>(v);
    *reply = "temperature " + arg;
  } else if (command == "/top_p") {
    GB_ASSIGN_OR_RETURN(double v, parse_number("/top_p", arg));
    if (v <= 0 || v > 1) return invalid_argument("/top_p: must be in (0, 1], got " + arg);
    s.sampling.top_p = static_cast<float>(v);
    *reply = "top_p " + arg;
  } else if (command == "/top_k") {
    GB_ASSIGN_OR_RETURN(int64_t v, parse_integer("/top_k", arg));
    if (v < 0 || v > 1'000'000) return invalid_argument("/top_k: must be between 0 and 1000000, got " + arg);
    s.sampling.top_k = static_cast<int32_t>(v);
    *reply = "top_k " + arg;
  } else if (command == "/max" || command == "/max_tokens") {
    GB_ASSIGN_OR_RETURN(int64_t v, parse_integer("/max", arg));
    if (v < 1) return invalid_argument("/max: must be at least 1, got " + arg);
    s.max_tokens = v;
    *reply = "at most " + arg + " tokens per reply";
  } else if (command == "/seed") {
    if (arg == "random") {
      s.fixed_seed = false;
      *reply = "a fresh random seed for each reply";
    } else {
      GB_ASSIGN_OR_RETURN(int64_t v, parse_integer("/seed", arg));
      if (v < 0) return invalid_argument("/seed: must be >= 0, got " + arg);
      s.fixed_seed = true;
      s.seed = static_cast<uint64_t>(v);
      *reply = "seed " + arg;
    }
  } else if (command == "/reset" || command == "/clear") {
    session.reset();
    *reply = "conversation cleared";
  } else if (command == "/save") {
    if (arg.empty()) return invalid_argument("/save: expected a file name (FILE.md for Markdown, else JSON)");
    GB_RETURN_IF_ERROR(save_transcript(session, model_name, arg));
    *reply = str_format("saved %zu messages to %s", session.messages().size(), arg.c_str());
  } else if (command == "/settings") {
    *reply = settings_text(session);
  } else {
    return invalid_argument("unknown command " + command + " (/help lists the commands)");
  }
  return CommandOutcome::kContinue;
}

}  // namespace glassbox::chat_cli
