// Compaction: choosing what to summarise, the summary request, and the rebuilt conversation.
#include "agent/compaction.h"

namespace glassbox::agent {

using nlohmann::json;

int64_t estimate_tokens(const json& value) {
  return static_cast<int64_t>(value.dump(-1, ' ', false, json::error_handler_t::replace).size()) /
             4 +
         1;
}

namespace {

bool is_tool_results(const json& msg) {
  if (!msg.contains("content") || !msg["content"].is_array()) return false;
  for (const auto& b : msg["content"]) {
    if (b.is_object() && b.value("type", "") == "tool_result") return true;
  }
  return false;
}

bool starts_tail(const json& msg) {
  std::string role = msg.value("role", "");
  return role == "assistant" || (role == "user" && !is_tool_results(msg));
}

std::string clip(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  return s.substr(0, n / 2) + "\n...[" + std::to_string(s.size() - n) +
         " characters omitted]...\n" + s.substr(s.size() - n / 2);
}

std::string block_text(const json& block) {
  std::string type = block.value("type", "");
  if (type == "text") return block.value("text", "");
  if (type == "tool_use") {
    return "[tool call " + block.value("name", "") + " " +
           clip(block.value("input", json::object()).dump(), 2000) + "]";
  }
  if (type == "tool_result") {
    std::string content;
    if (block.contains("content") && block["content"].is_string()) {
      content = block["content"].get<std::string>();
    } else if (block.contains("content") && block["content"].is_array()) {
      for (const auto& b : block["content"]) content += block_text(b);
    }
    return std::string("[tool result") + (block.value("is_error", false) ? " (error)" : "") +
           "]\n" + clip(content, 2000);
  }
  if (type == "thinking") return "";
  return "[" + type + " block]";
}

}  // namespace

size_t choose_compaction_split(const json& messages, int64_t keep_tokens) {
  size_t split = 0;
  int64_t kept = 0;
  for (size_t i = messages.size(); i-- > 1;) {
    kept += estimate_tokens(messages[i]);
    if (split != 0 && kept > keep_tokens) break;
    if (starts_tail(messages[i])) split = i;
  }
  return split;
}

json compaction_request(const json& messages, size_t split, const std::string& focus) {
  std::string transcript;
  for (size_t i = 0; i < split && i < messages.size(); ++i) {
    const json& m = messages[i];
    transcript += m.value("role", "") == "assistant" ? "\n## Assistant\n" : "\n## User\n";
    if (m.contains("content") && m["content"].is_string()) {
      transcript += m["content"].get<std::string>() + "\n";
    } else if (m.contains("content") && m["content"].is_array()) {
      for (const auto& b : m["content"]) {
        std::string t = block_text(b);
        if (!t.empty()) transcript += t + "\n";
      }
    }
  }
  std::string ask =
      "Below is the transcript of a coding session between a user and you, a coding agent that "
      "uses tools in the user's repository. It is about to be replaced by your summary to fit the "
      "context window, so the summary must let you continue the work without the transcript.\n\n"
      "Write the summary with these parts: 1. The user's requests and intent, in their words "
      "where it matters. 2. Key decisions and constraints. 3. Files read, created or changed "
      "(paths, and what changed). 4. Commands run and their outcomes, especially errors and "
      "test results. 5. Current state and what remains to be done next. Be concise and "
      "specific; do not call tools.\n";
  if (!focus.empty()) ask += "\nPay particular attention to: " + focus + "\n";
  ask += "\n<transcript>" + transcript + "</transcript>";
  return {{"system",
           "You summarise coding sessions precisely so that the work can continue from the "
           "summary alone."},
          {"messages", json::array({{{"role", "user"}, {"content", ask}}})}};
}

json compacted_messages(const std::string& summary, const json& messages, size_t split) {
  json summary_block = {{"type", "text"},
                        {"text", std::string(kCompactionSummaryHeader) + "\n\n" + summary}};
  json out = json::array();
  if (split < messages.size() && messages[split].value("role", "") == "user") {
    json first = messages[split];
    json content = json::array({summary_block});
    if (first["content"].is_string()) {
      content.push_back({{"type", "text"}, {"text", first["content"]}});
    } else {
      for (const auto& b : first["content"]) content.push_back(b);
    }
    out.push_back({{"role", "user"}, {"content", content}});
    for (size_t i = split + 1; i < messages.size(); ++i) out.push_back(messages[i]);
    return out;
  }
  out.push_back({{"role", "user"}, {"content", json::array({summary_block})}});
  for (size_t i = split; i < messages.size(); ++i) out.push_back(messages[i]);
  return out;
}

}  // namespace glassbox::agent
