// ChatSession: a multi-turn conversation with a model in-process, rendered with the model's chat template,
// keeping the KV cache across turns so each turn computes only what changed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/chat_template.h"
#include "engine/sampler.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::chat_cli {

struct ChatMessage {
  std::string role;      // "user" or "assistant"
  std::string content;
  bool interrupted = false;  // an assistant reply stopped by the user (Ctrl-C) or by a full context
};

// What the next reply is generated with; changed between turns by slash commands.
struct ChatSettings {
  engine::SamplingParams sampling;  // temperature, top_k, top_p, min_p, penalties
  int64_t max_tokens = 512;         // per reply
  bool fixed_seed = false;          // when true, reply k of the session samples with seed + k
  uint64_t seed = 0;
  std::string system;               // system prompt; "" = none
};

enum class TurnFinish { kEndTurn, kMaxTokens, kStopped, kContextFull };

struct TurnStats {
  TurnFinish finish = TurnFinish::kEndTurn;
  int64_t prompt_tokens = 0;     // the whole rendered conversation
  int64_t reused_tokens = 0;     // of those, kept from the KV cache of the previous turns
  int64_t generated_tokens = 0;
  int dropped_messages = 0;      // oldest messages left out so the conversation fits the context
  double prefill_s = 0;
  double generation_s = 0;
};

struct ChatSessionOptions {
  int64_t n_ctx = 0;                 // 0: min(trained, 4096)
  int n_threads = 0;                 // 0: all cores
  std::string chat_template_source;  // "" = the model's own template (ChatML when it has none)
};

// Not thread-safe, except `stop`, which another thread or a signal handler may set during send().
class ChatSession {
 public:
  // Errors: the tokenizer, or a chat template that does not parse.
  static Result<std::unique_ptr<ChatSession>> create(std::shared_ptr<const model::Model> model,
                                                     const ChatSessionOptions& options);

  // Appends the user's message, generates the reply and appends it. `on_piece` receives the reply as it is
  // decoded (whole UTF-8 characters). When `*stop` becomes true the reply ends at the next token (kStopped) and
  // what was generated so far stays in the conversation, marked interrupted. Errors (the message alone does
  // not fit the context, a template error) leave the conversation unchanged.
  Result<TurnStats> send(const std::string& user_text, const std::function<void(std::string_view)>& on_piece,
                         const std::atomic<bool>* stop);

  // Forgets the conversation (the system prompt and settings stay).
  void reset() { messages_.clear(); }

  ChatSettings& settings() { return settings_; }
  const ChatSettings& settings() const { return settings_; }
  const std::vector<ChatMessage>& messages() const { return messages_; }
  int64_t n_ctx() const { return context_.n_ctx(); }
  // Tokens of the conversation that the KV cache holds now.
  int64_t cached_tokens() const { return static_cast<int64_t>(cached_.size()); }
  // Whether the model brings its own chat template (false: the ChatML default).
  bool has_own_template() const { return own_template_; }

 private:
  ChatSession(std::shared_ptr<const model::Model> model, std::unique_ptr<tokenizer::Tokenizer> tokenizer,
              chat::ChatTemplate chat_template, bool own_template, const model::ContextOptions& options);
  // The conversation from message `first` on (plus the system prompt), rendered with the generation prompt.
  Result<std::vector<int32_t>> render(size_t first) const;

  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  chat::ChatTemplate template_;
  bool own_template_;
  std::vector<std::string> stop_strings_;
  model::Context context_;
  std::vector<int32_t> cached_;  // the tokens whose KV entries the context holds, in order
  ChatSettings settings_;
  std::vector<ChatMessage> messages_;
  uint64_t turn_index_ = 0;
};

}  // namespace glassbox::chat_cli
