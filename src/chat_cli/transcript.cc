// Transcript: JSON and Markdown renderings of a ChatSession.
#include "chat_cli/transcript.h"

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"

namespace glassbox::chat_cli {

std::string transcript_json(const ChatSession& session, const std::string& model_name) {
  const ChatSettings& s = session.settings();
  nlohmann::ordered_json settings = {{"temperature", s.sampling.temperature},
                                     {"top_p", s.sampling.top_p},
                                     {"top_k", s.sampling.top_k},
                                     {"max_tokens", s.max_tokens}};
  if (s.fixed_seed) settings["seed"] = s.seed;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const ChatMessage& m : session.messages()) {
    nlohmann::ordered_json entry = {{"role", m.role}, {"content", m.content}};
    if (m.interrupted) entry["interrupted"] = true;
    messages.push_back(std::move(entry));
  }
  nlohmann::ordered_json doc = {{"model", model_name},
                                {"system", s.system},
                                {"settings", settings},
                                {"messages", messages}};
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string transcript_markdown(const ChatSession& session, const std::string& model_name) {
  std::string out = "# Chat with " + model_name + "\n\n";
  if (!session.settings().system.empty()) out += "**System:** " + session.settings().system + "\n\n";
  for (const ChatMessage& m : session.messages()) {
    out += m.role == "user" ? "## User\n\n" : "## Assistant\n\n";
    out += m.content;
    if (m.interrupted) out += m.content.empty() ? "*[interrupted]*" : " *[interrupted]*";
    out += "\n\n";
  }
  return out;
}

Status save_transcript(const ChatSession& session, const std::string& model_name, const std::string& path) {
  auto ends_with = [&](const char* suffix) {
    std::string s = suffix;
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  const std::string text = ends_with(".md") || ends_with(".markdown") ? transcript_markdown(session, model_name)
                                                                       : transcript_json(session, model_name);
  return write_file_atomic(path, text.data(), text.size());
}

}  // namespace glassbox::chat_cli
