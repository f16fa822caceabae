// ChatSession: template rendering, context fitting, prefix reuse and the sampling loop of one reply.
#include "chat_cli/chat_session.h"

#include <algorithm>
#include <chrono>
#include <random>

#include <nlohmann/json.hpp>

#include "chat_cli/stop_scanner.h"

namespace glassbox::chat_cli {

using Json = nlohmann::ordered_json;

Result<std::unique_ptr<ChatSession>> ChatSession::create(std::shared_ptr<const model::Model> model,
                                                         const ChatSessionOptions& options) {
  GB_ASSIGN_OR_RETURN(auto tok, tokenizer::Tokenizer::from_gguf(model->gguf()));
  std::string source = options.chat_template_source;
  if (source.empty()) source = tok->chat_template().value_or("");
  const bool own = !source.empty();
  auto tmpl = chat::ChatTemplate::parse(source);
  if (!tmpl.ok()) return invalid_argument("chat template: " + tmpl.status().message());
  model::ContextOptions co;
  co.n_ctx = options.n_ctx;
  co.n_threads = options.n_threads;
  return std::unique_ptr<ChatSession>(
      new ChatSession(std::move(model), std::move(tok), std::move(*tmpl), own, co));
}

ChatSession::ChatSession(std::shared_ptr<const model::Model> model, std::unique_ptr<tokenizer::Tokenizer> tokenizer,
                         chat::ChatTemplate chat_template, bool own_template, const model::ContextOptions& options)
    : tokenizer_(std::move(tokenizer)),
      template_(std::move(chat_template)),
      own_template_(own_template),
      context_(std::move(model), options) {
  // The ChatML default's turn markers are plain text to a model that was not trained on them: stop on them
  // as strings. Models with their own template end turns with end-of-generation tokens.
  if (!own_template_) stop_strings_ = {"<|im_end|>", "<|im_start|>"};
}

Result<std::vector<int32_t>> ChatSession::render(size_t first) const {
  Json messages = Json::array();
  if (!settings_.system.empty()) messages.push_back({{"role", "system"}, {"content", settings_.system}});
  for (size_t i = first; i < messages_.size(); ++i) {
    messages.push_back({{"role", messages_[i].role}, {"content", messages_[i].content}});
  }
  const tokenizer::Tokenizer& tk = *tokenizer_;
  std::string bos = tk.bos_id() >= 0 ? tk.token_text(tk.bos_id()) : "";
  std::string eos = tk.eos_id() >= 0 ? tk.token_text(tk.eos_id()) : "";
  GB_ASSIGN_OR_RETURN(std::string text, template_.render(messages, Json(), true, bos, eos, Json::object()));
  // The template writes BOS itself when the model wants it; add one only when it did not.
  const bool has_bos = !bos.empty() && text.rfind(bos, 0) == 0;
  std::vector<int32_t> tokens = tk.encode(text, tk.add_bos_default() && !has_bos, true);
  if (tokens.empty() && tk.bos_id() >= 0) tokens.push_back(tk.bos_id());
  if (tokens.empty()) return invalid_argument("the rendered conversation is empty");
  return tokens;
}

Result<TurnStats> ChatSession::send(const std::string& user_text,
                                    const std::function<void(std::string_view)>& on_piece,
                                    const std::atomic<bool>* stop) {
  using Clock = std::chrono::steady_clock;
  TurnStats stats;
  messages_.push_back({"user", user_text, false});
  auto undo = [&](Status s) -> Result<TurnStats> {
    messages_.pop_back();
    return s;
  };

  // Fit the context: leave out the oldest messages (a whole user turn at a time) until the prompt leaves room
  // for a reply of min(max_tokens, n_ctx / 4) tokens.
  const int64_t n_ctx = context_.n_ctx();
  const int64_t room = std::max<int64_t>(1, std::min<int64_t>(settings_.max_tokens, n_ctx / 4));
  size_t first = 0;
  std::vector<int32_t> prompt;
  for (;;) {
    auto tokens = render(first);
    if (!tokens.ok()) return undo(tokens.status());
    if (static_cast<int64_t>(tokens->size()) + room <= n_ctx) {
      prompt = std::move(*tokens);
      break;
    }
    if (first + 1 >= messages_.size()) {
      return undo(out_of_range(str_format(
          "the message is too long: with the system prompt it is %zu tokens, and the context holds %lld with "
          "%lld kept for the reply (shorten it or raise --ctx)",
          tokens->size(), static_cast<long long>(n_ctx), static_cast<long long>(room))));
    }
    ++first;
    while (first + 1 < messages_.size() && messages_[first].role != "user") ++first;
  }
  stats.dropped_messages = static_cast<int>(first);
  stats.prompt_tokens = static_cast<int64_t>(prompt.size());

  // Prefix reuse: keep the KV entries of the longest common prefix; recompute at least the last token so the
  // forward pass yields its logits.
  size_t common = 0;
  while (common < cached_.size() && common < prompt.size() && cached_[common] == prompt[common]) ++common;
  if (common == prompt.size()) --common;
  context_.truncate(static_cast<int64_t>(common));
  cached_.resize(common);
  stats.reused_tokens = static_cast<int64_t>(common);

  const auto t0 = Clock::now();
  std::vector<float> logits;
  std::span<const int32_t> rest(prompt.data() + common, prompt.size() - common);
  if (Status s = context_.forward(rest, model::LogitsMode::kLast, &logits); !s.ok()) {
    context_.reset();
    cached_.clear();
    return undo(s);
  }
  cached_ = prompt;
  const auto t1 = Clock::now();
  stats.prefill_s = std::chrono::duration<double>(t1 - t0).count();

  engine::SamplingParams sp = settings_.sampling;
  size_t n_replies = 0;
  for (const auto& m : messages_) n_replies += m.role == "assistant";
  sp.seed = settings_.fixed_seed ? settings_.seed + n_replies : std::random_device{}();
  engine::Sampler sampler(sp);
  tokenizer::StreamDecoder decoder(*tokenizer_);
  StopScanner scanner(stop_strings_);
  std::vector<int32_t> history = prompt;
  std::string reply;
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return;
    reply += piece;
    if (on_piece) on_piece(piece);
  };
  stats.finish = TurnFinish::kMaxTokens;
  Status error;
  for (int64_t i = 0; i < settings_.max_tokens; ++i) {
    if (stop && stop->load()) {
      stats.finish = TurnFinish::kStopped;
      break;
    }
    if (context_.n_past() >= n_ctx) {
      stats.finish = TurnFinish::kContextFull;
      break;
    }
    const int32_t next = sampler.sample(logits, history);
    if (tokenizer_->is_end_of_generation(next)) {
      stats.finish = TurnFinish::kEndTurn;
      break;
    }
    history.push_back(next);
    ++stats.generated_tokens;
    emit(scanner.push(decoder.push(next)));
    if (scanner.stopped()) {
      stats.finish = TurnFinish::kEndTurn;
      break;
    }
    if (i + 1 < settings_.max_tokens) {
      if (Status s = context_.forward(std::span<const int32_t>(&next, 1), model::LogitsMode::kLast, &logits);
          !s.ok()) {
        error = s;
        break;
      }
      cached_.push_back(next);
    }
  }
  if (!scanner.stopped()) emit(scanner.push(decoder.flush()) + scanner.flush());
  // cached_ must mirror the context: after a failed forward the context state is unknown.
  if (!error.ok() || context_.n_past() != static_cast<int64_t>(cached_.size())) {
    context_.reset();
    cached_.clear();
  }
  stats.generation_s = std::chrono::duration<double>(Clock::now() - t1).count();
  if (!error.ok()) {
    messages_.pop_back();
    return error;
  }
  const bool interrupted = stats.finish == TurnFinish::kStopped || stats.finish == TurnFinish::kContextFull;
  messages_.push_back({"assistant", reply, interrupted});
  return stats;
}

}  // namespace glassbox::chat_cli
