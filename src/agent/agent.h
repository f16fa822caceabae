// Agent: the tool-use loop. Streams a turn, runs the tool_use blocks it asked for (in parallel
// threads), answers every one with a tool_result (is_error on failure) in the next user turn, and
// stops on end_turn, the turn limit, the token budget, an API error or the user's interrupt.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "agent/message_stream.h"
#include "agent/messages_client.h"
#include "agent/permissions.h"
#include "agent/session_store.h"
#include "agent/tool.h"

namespace glassbox::agent {

struct AgentOptions {
  int max_turns = 0;         // model calls per run(); 0 = unlimited
  int64_t token_budget = 0;  // input + output tokens per run(); 0 = unlimited
  std::string system_prompt;
  // Automatic compaction: before a request, when the last turn's context (input + cache + output
  // tokens from the server's usage, else an estimate) reaches compact_threshold * context_window,
  // the older turns are summarised (compaction.h). 0 = never automatically.
  int64_t context_window = 0;
  double compact_threshold = 0.8;
};

struct CompactResult {
  size_t messages_before = 0, messages_after = 0;
  std::string summary;
  Usage usage;  // of the summary call
};

enum class StopKind { kEndTurn, kMaxTurns, kTokenBudget, kInterrupted, kError };

// A call the permission policy refused (reported like Claude Code's `permission_denials`).
struct PermissionDenial {
  std::string tool_name;
  std::string tool_use_id;
  std::string input_json;  // the call's input, serialized
};

struct RunResult {
  StopKind stop = StopKind::kEndTurn;
  std::string result;  // the final assistant text (or the error message for kError)
  int num_turns = 0;
  Usage usage;
  int64_t api_ms = 0;
  std::vector<PermissionDenial> permission_denials;
};

struct AgentEvents {
  std::function<void(std::string_view)> on_text;  // streamed text deltas
  std::function<void(const nlohmann::json&)>
      on_assistant_message;  // each complete assistant message
  std::function<void(const nlohmann::json&)>
      on_tool_results;  // each user message of tool_result blocks
  std::function<void(const std::string& name, const nlohmann::json& input)> on_tool_start;
  std::function<void(const std::string&)> on_notice;  // retries and other status lines
  std::function<void(const CompactResult&)> on_compact;  // after each compaction
};

// Interactive approval of a call that needs it; absent in headless mode, where such calls are
// denied.
using ApproveFn =
    std::function<bool(const Tool& tool, const std::string& subject, const nlohmann::json& input)>;

// Not thread-safe: one run() at a time. Pointers are borrowed and must outlive the Agent.
class Agent {
 public:
  Agent(MessagesClient* client, std::vector<std::unique_ptr<Tool>> tools, PermissionPolicy* policy,
        ToolContext* ctx, SessionStore* store, AgentOptions options, AgentEvents events,
        ApproveFn approve);
  ~Agent();

  // Appends the prompt and the turns that follow to `messages` (a JSON array of {role, content}).
  RunResult run(const std::string& prompt, nlohmann::json* messages);

  // Replaces messages before the latest turns by a summary the model writes (one extra call);
  // `focus` (optional) says what the summary should stress; about `keep_tokens` of the latest
  // messages stay word for word (at least the latest exchange). Fails without changing `messages`
  // when there is nothing to summarise or the call fails.
  Result<CompactResult> compact(nlohmann::json* messages, const std::string& focus = "",
                                int64_t keep_tokens = 0);

  std::vector<std::string> tool_names() const;
  nlohmann::json tool_definitions() const;

 private:
  nlohmann::json run_tools(RunResult* out, const nlohmann::json& assistant_message,
                           const std::map<std::string, std::string>& input_errors);
  void record(const std::string& type, const nlohmann::json& message);
  MessagesClient* client_;
  std::vector<std::unique_ptr<Tool>> tools_;
  PermissionPolicy* policy_;
  ToolContext* ctx_;
  SessionStore* store_;
  AgentOptions options_;
  AgentEvents events_;
  ApproveFn approve_;
  int64_t last_context_tokens_ = 0;  // the context size of the latest turn, from its usage
};

}  // namespace glassbox::agent
