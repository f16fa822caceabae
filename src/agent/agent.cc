// Agent: the tool-use loop (Anthropic tool-use semantics).
#include "agent/agent.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/checkpoint_store.h"
#include "agent/compaction.h"

namespace glassbox::agent {

using nlohmann::json;

Agent::Agent(MessagesClient* client, std::vector<std::unique_ptr<Tool>> tools,
             PermissionPolicy* policy, ToolContext* ctx, SessionStore* store, AgentOptions options,
             AgentEvents events, ApproveFn approve)
    : client_(client),
      tools_(std::move(tools)),
      policy_(policy),
      ctx_(ctx),
      store_(store),
      options_(std::move(options)),
      events_(std::move(events)),
      approve_(std::move(approve)) {}
Agent::~Agent() = default;

std::vector<std::string> Agent::tool_names() const {
  std::vector<std::string> names;
  for (const auto& t : tools_) names.push_back(t->name());
  return names;
}

json Agent::tool_definitions() const {
  json defs = json::array();
  for (const auto& t : tools_) {
    defs.push_back({{"name", t->name()},
                    {"description", t->description()},
                    {"input_schema", t->input_schema()}});
  }
  return defs;
}

void Agent::record(const std::string& type, const json& message) {
  if (!store_) return;
  Status s = store_->append(type, message, ctx_->get_cwd());
  if (!s.ok() && events_.on_notice) events_.on_notice(s.message());
}

json Agent::run_tools(RunResult* out, const json& assistant_message,
                      const std::map<std::string, std::string>& input_errors) {
  struct Call {
    std::string id;
    const Tool* tool = nullptr;
    json input;
    ToolOutput output;
    bool ready = false;  // output already decided (error, denial)
  };
  std::vector<Call> calls;
  for (const auto& block : assistant_message.at("content")) {
    if (block.value("type", "") != "tool_use") continue;
    Call call;
    call.id = block.value("id", "");
    call.input = block.value("input", json::object());
    std::string name = block.value("name", "");
    for (const auto& t : tools_) {
      if (t->name() == name) call.tool = t.get();
    }
    auto bad_input = input_errors.find(call.id);
    if (bad_input != input_errors.end()) {
      call.output = {
          "Invalid input for tool " + name + ": " + bad_input->second +
              ". Call the tool again with a complete JSON object matching its input_schema.",
          true};
      call.ready = true;
    } else if (!call.tool) {
      std::string names;
      for (const auto& n : tool_names()) names += (names.empty() ? "" : ", ") + n;
      call.output = {"No tool named '" + name + "'. Available tools: " + names + ".", true};
      call.ready = true;
    } else {
      std::string subject = call.tool->permission_subject(call.input, *ctx_);
      PermissionVerdict verdict =
          policy_->check(name, subject, call.tool->read_only(), call.tool->edits_files());
      if (verdict.decision == Decision::kAsk) {
        bool approved = approve_ && approve_(*call.tool, subject, call.input);
        if (!approved) {
          verdict = {
              Decision::kDeny,
              approve_
                  ? "the user declined it"
                  : "it needs approval and this non-interactive session cannot ask. It can be "
                    "allowed "
                    "with --allowed-tools or a permissions.allow rule in .glassbox/settings.json"};
        } else {
          verdict.decision = Decision::kAllow;
        }
      }
      if (verdict.decision == Decision::kDeny) {
        std::string what = subject.empty() ? name : name + "(" + subject + ")";
        call.output = {
            "Permission denied: " + what + " was not permitted: " + verdict.reason +
                ". Do not retry the same call; continue without it or explain what is needed.",
            true};
        call.ready = true;
        out->permission_denials.push_back({name, call.id, call.input.dump()});
      }
    }
    calls.push_back(std::move(call));
  }

  auto run_one = [this](Call* call) {
    if (events_.on_tool_start) events_.on_tool_start(call->tool->name(), call->input);
    try {
      call->output = call->tool->run(call->input, *ctx_);
    } catch (const std::exception& e) {
      call->output = {call->tool->name() + ": internal error: " + e.what(), true};
    }
    if (call->output.content.empty()) call->output.content = "(no output)";
  };
  std::vector<Call*> pending;
  for (auto& c : calls) {
    if (!c.ready) pending.push_back(&c);
  }
  if (pending.size() == 1) {
    run_one(pending[0]);
  } else if (pending.size() > 1) {
    std::vector<std::thread> threads;
    for (Call* c : pending) threads.emplace_back(run_one, c);
    for (auto& t : threads) t.join();
  }

  json results = json::array();
  for (const auto& c : calls) {
    json r = {{"type", "tool_result"}, {"tool_use_id", c.id}, {"content", c.output.content}};
    if (c.output.is_error) r["is_error"] = true;
    results.push_back(std::move(r));
  }
  return json{{"role", "user"}, {"content", std::move(results)}};
}

namespace {

// The blocks of an assistant message as they are sent back: only the fields the API defines for
// input blocks, and no empty text blocks (which the API rejects).
json history_content(const json& content) {
  json out = json::array();
  for (const auto& block : content) {
    std::string type = block.value("type", "");
    if (type == "text") {
      std::string text = block.value("text", "");
      if (!text.empty()) out.push_back({{"type", "text"}, {"text", text}});
    } else if (type == "tool_use") {
      out.push_back({{"type", "tool_use"},
                     {"id", block.value("id", "")},
                     {"name", block.value("name", "")},
                     {"input", block.value("input", json::object())}});
    } else if (type == "thinking") {
      out.push_back({{"type", "thinking"},
                     {"thinking", block.value("thinking", "")},
                     {"signature", block.value("signature", "")}});
    } else {
      out.push_back(block);
    }
  }
  return out;
}

}  // namespace

Result<CompactResult> Agent::compact(json* messages, const std::string& focus,
                                     int64_t keep_tokens) {
  CompactResult out;
  out.messages_before = messages->size();
  size_t split = choose_compaction_split(*messages, keep_tokens);
  if (split == 0) return invalid_argument("compact: the conversation is too short to summarise");
  json request = compaction_request(*messages, split, focus);
  std::atomic<bool> never{false};
  auto turn = client_->create_message(request, nullptr, events_.on_notice,
                                      ctx_->interrupted ? ctx_->interrupted : &never);
  if (!turn.ok()) return internal_error("compact: the summary call failed: " + turn.status().message());
  for (const auto& block : (*turn->message)["content"]) {
    if (block.value("type", "") == "text") out.summary += block.value("text", "");
  }
  if (out.summary.empty()) return data_loss("compact: the model returned an empty summary");
  out.usage = turn->usage;
  *messages = compacted_messages(out.summary, *messages, split);
  out.messages_after = messages->size();
  last_context_tokens_ = estimate_tokens(*messages) + estimate_tokens(options_.system_prompt);
  record("compact", {{"messages", *messages}});
  if (ctx_->checkpoints) {
    Status s = ctx_->checkpoints->conversation_compacted();
    if (!s.ok() && events_.on_notice) events_.on_notice(s.message());
  }
  if (events_.on_compact) events_.on_compact(out);
  return out;
}

RunResult Agent::run(const std::string& prompt, json* messages) {
  RunResult out;
  json user_msg = {{"role", "user"},
                   {"content", json::array({{{"type", "text"}, {"text", prompt}}})}};
  if (ctx_->checkpoints) {
    bool merges = !messages->empty() && messages->back().value("role", "") == "user";
    Status s = ctx_->checkpoints->begin_turn(prompt, messages->size() - (merges ? 1 : 0));
    if (!s.ok() && events_.on_notice) events_.on_notice(s.message());
  }
  if (!messages->empty() && messages->back().value("role", "") == "user") {
    json& prev = messages->back()["content"];
    if (prev.is_string()) prev = json::array({{{"type", "text"}, {"text", prev}}});
    prev.push_back(user_msg["content"][0]);
  } else {
    messages->push_back(user_msg);
  }
  record("user", user_msg);

  const json tools = tool_definitions();
  auto interrupted = [this] { return ctx_->interrupted && ctx_->interrupted->load(); };
  bool just_compacted = false;
  while (true) {
    if (interrupted()) {
      out.stop = StopKind::kInterrupted;
      out.result = "interrupted by the user";
      return out;
    }
    if (options_.max_turns > 0 && out.num_turns >= options_.max_turns) {
      out.stop = StopKind::kMaxTurns;
      out.result = str_format("stopped after reaching the turn limit (%d)", options_.max_turns);
      return out;
    }
    if (options_.context_window > 0 && !just_compacted) {
      int64_t context = std::max(last_context_tokens_, estimate_tokens(*messages) +
                                                           estimate_tokens(options_.system_prompt));
      if (context >= static_cast<int64_t>(options_.compact_threshold *
                                          static_cast<double>(options_.context_window))) {
        if (events_.on_notice) {
          events_.on_notice(str_format("compacting the conversation (%lld of %lld context tokens)",
                                       static_cast<long long>(context),
                                       static_cast<long long>(options_.context_window)));
        }
        auto c = compact(messages, "", options_.context_window / 4);
        just_compacted = true;  // at most once between two model turns
        if (c.ok()) {
          out.usage.add(c->usage);
        } else if (events_.on_notice) {
          events_.on_notice(c.status().message());
        }
      }
    }
    json request = {{"messages", *messages}, {"tools", tools}};
    if (!options_.system_prompt.empty()) request["system"] = options_.system_prompt;
    auto t0 = std::chrono::steady_clock::now();
    auto turn =
        client_->create_message(request, events_.on_text, events_.on_notice, ctx_->interrupted);
    out.api_ms +=
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (!turn.ok()) {
      out.stop = interrupted() ? StopKind::kInterrupted : StopKind::kError;
      out.result = interrupted() ? "interrupted by the user" : turn.status().message();
      return out;
    }
    ++out.num_turns;
    just_compacted = false;
    out.usage.add(turn->usage);
    last_context_tokens_ = turn->usage.input_tokens + turn->usage.cache_read_input_tokens +
                           turn->usage.cache_creation_input_tokens + turn->usage.output_tokens;
    json& full = *turn->message;
    json assistant = {{"role", "assistant"}, {"content", history_content(full["content"])}};
    if (!assistant["content"].empty()) {
      // An empty assistant turn is not sent back (the API rejects empty content); the next user
      // text then joins the previous user turn.
      messages->push_back(assistant);
      json recorded = full;  // id, model, usage and stop_reason, with the content as sent back
      recorded["content"] = assistant["content"];
      record("assistant", recorded);
    }
    if (events_.on_assistant_message) events_.on_assistant_message(full);

    bool has_tool_use = false;
    std::string text;
    for (const auto& block : full["content"]) {
      std::string type = block.value("type", "");
      if (type == "tool_use") has_tool_use = true;
      if (type == "text") text += block.value("text", "");
    }
    if (!has_tool_use) {
      out.stop = StopKind::kEndTurn;
      out.result = text;
      if (turn->stop_reason == "max_tokens" && events_.on_notice) {
        events_.on_notice("the model stopped at max_tokens; the answer may be cut short");
      }
      return out;
    }
    json results = run_tools(&out, full, turn->tool_input_errors);
    messages->push_back(results);
    record("user", results);
    if (events_.on_tool_results) events_.on_tool_results(results);
    if (options_.token_budget > 0 &&
        out.usage.input_tokens + out.usage.output_tokens >= options_.token_budget) {
      out.stop = StopKind::kTokenBudget;
      out.result = str_format("stopped after using the token budget (%lld tokens)",
                              static_cast<long long>(options_.token_budget));
      return out;
    }
  }
}

}  // namespace glassbox::agent
