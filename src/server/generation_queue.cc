// GenerationQueue: the worker loop (prefix reuse, sampling, stop sequences, cancellation).
#include "server/generation_queue.h"

#include <algorithm>

namespace glassbox::server {

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEndTurn: return "end_turn";
    case FinishReason::kMaxTokens: return "max_tokens";
    case FinishReason::kStopSequence: return "stop_sequence";
    case FinishReason::kContextFull: return "model_context_window_exceeded";
    case FinishReason::kCancelled: return "end_turn";
    case FinishReason::kError: return "end_turn";
  }
  return "end_turn";
}

GenerationJob::Event GenerationJob::next(std::string* piece, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !pieces_.empty() || done_; });
  if (!pieces_.empty()) {
    *piece = std::move(pieces_.front());
    pieces_.pop_front();
    return Event::kPiece;
  }
  return done_ ? Event::kDone : Event::kTimeout;
}

const GenerationResult& GenerationJob::wait() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return done_; });
  return result_;
}

void GenerationJob::push_piece(std::string piece) {
  if (piece.empty()) return;
  {
    std::lock_guard lock(mutex_);
    pieces_.push_back(std::move(piece));
  }
  cv_.notify_all();
}

void GenerationJob::finish(GenerationResult result) {
  {
    std::lock_guard lock(mutex_);
    result_ = std::move(result);
    done_ = true;
  }
  cv_.notify_all();
}

GenerationQueue::GenerationQueue(std::shared_ptr<const model::Model> model, const tokenizer::Tokenizer& tokenizer,
                                 const model::ContextOptions& options, int max_waiting)
    : tokenizer_(tokenizer), context_(std::move(model), options), max_waiting_(max_waiting) {
  n_ctx_ = context_.n_ctx();
  worker_ = std::thread([this] { run(); });
}

GenerationQueue::~GenerationQueue() {
  std::deque<std::shared_ptr<GenerationJob>> left;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    left.swap(waiting_);
  }
  cv_.notify_all();
  for (auto& job : left) {
    GenerationResult r;
    r.finish = FinishReason::kError;
    r.error = internal_error("the server is shutting down");
    job->finish(std::move(r));
  }
  worker_.join();
}

std::shared_ptr<GenerationJob> GenerationQueue::submit(GenerationRequest request) {
  auto job = std::make_shared<GenerationJob>(std::move(request));
  {
    std::lock_guard lock(mutex_);
    // Capacity is one running job plus max_waiting_ behind it, whether or not the worker has picked one up yet.
    const int held = static_cast<int>(waiting_.size()) + (running_job_ ? 1 : 0);
    if (stopping_ || held >= max_waiting_ + 1) return nullptr;
    waiting_.push_back(job);
  }
  cv_.notify_all();
  return job;
}

int GenerationQueue::queue_depth() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(waiting_.size()) + (running_job_ ? 1 : 0);
}

void GenerationQueue::run() {
  for (;;) {
    std::shared_ptr<GenerationJob> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      job = std::move(waiting_.front());
      waiting_.pop_front();
      running_job_ = true;
    }
    generate(*job);
    std::lock_guard lock(mutex_);
    running_job_ = false;
  }
}

namespace {

// Length of the longest suffix of `text` that is a proper prefix of some stop sequence: text that must be held
// back because the next token may complete a stop sequence.
size_t held_back(const std::string& text, size_t from, const std::vector<std::string>& stops) {
  size_t best = 0;
  for (const std::string& stop : stops) {
    size_t max_len = std::min(stop.size() - 1, text.size() - from);
    for (size_t len = max_len; len > best; --len) {
      if (text.compare(text.size() - len, len, stop, 0, len) == 0) {
        best = len;
        break;
      }
    }
  }
  return best;
}

}  // namespace

void GenerationQueue::generate(GenerationJob& job) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const GenerationRequest& req = job.request();
  GenerationResult result;
  const auto& prompt = req.prompt;
  if (prompt.empty() || static_cast<int64_t>(prompt.size()) >= n_ctx_) {
    result.finish = FinishReason::kError;
    result.error = out_of_range(str_format("prompt is too long: %zu tokens > %lld maximum", prompt.size(),
                                           static_cast<long long>(n_ctx_ - 1)));
    job.finish(std::move(result));
    return;
  }
  // Prefix reuse: keep the KV entries of the longest common prefix; at least one token is recomputed so the
  // forward pass yields the last position's logits.
  size_t common = 0;
  while (common < cached_.size() && common < prompt.size() && cached_[common] == prompt[common]) ++common;
  if (common == prompt.size()) --common;
  context_.truncate(static_cast<int64_t>(common));
  cached_.resize(common);
  result.cached_tokens = static_cast<int64_t>(common);
  result.input_tokens = static_cast<int64_t>(prompt.size() - common);

  std::vector<float> logits;
  std::span<const int32_t> rest(prompt.data() + common, prompt.size() - common);
  if (Status s = context_.forward(rest, model::LogitsMode::kLast, &logits); !s.ok()) {
    context_.reset();
    cached_.clear();
    result.finish = FinishReason::kError;
    result.error = s;
    job.finish(std::move(result));
    return;
  }
  cached_.assign(prompt.begin(), prompt.end());
  auto t1 = Clock::now();
  result.time_to_first_token_s = std::chrono::duration<double>(t1 - t0).count();

  engine::Sampler sampler(req.sampling);
  tokenizer::StreamDecoder decoder(tokenizer_);
  std::vector<int32_t> history = prompt;
  std::string text;     // everything decoded so far
  size_t emitted = 0;   // bytes of `text` handed to the job
  size_t scan_from = 0; // stop sequences cannot start before this
  size_t max_stop = 0;
  for (const auto& s : req.stop_sequences) max_stop = std::max(max_stop, s.size());
  result.finish = FinishReason::kMaxTokens;
  bool stopped = false;
  for (int64_t i = 0; i < req.max_tokens && !stopped; ++i) {
    if (job.cancelled()) {
      result.finish = FinishReason::kCancelled;
      break;
    }
    if (context_.n_past() >= n_ctx_) {
      result.finish = FinishReason::kContextFull;
      break;
    }
    if (req.constraint) req.constraint->apply(logits);
    int32_t next = sampler.sample(logits, history);
    if (tokenizer_.is_end_of_generation(next)) {
      result.finish = FinishReason::kEndTurn;
      break;
    }
    if (req.constraint) req.constraint->accept(next);
    history.push_back(next);
    ++result.output_tokens;
    text += decoder.push(next);
    if (i + 1 == req.max_tokens) text += decoder.flush();
    for (const auto& stop : req.stop_sequences) {
      if (stop.empty()) continue;
      size_t pos = text.find(stop, scan_from);
      if (pos != std::string::npos) {
        text.resize(pos);
        result.finish = FinishReason::kStopSequence;
        result.stop_sequence = stop;
        stopped = true;
        break;
      }
    }
    if (stopped) break;
    if (text.size() >= max_stop) scan_from = std::max(scan_from, text.size() - max_stop);
    size_t keep = held_back(text, emitted, req.stop_sequences);
    if (text.size() - keep > emitted) {
      job.push_piece(text.substr(emitted, text.size() - keep - emitted));
      emitted = text.size() - keep;
    }
    if (req.constraint && req.constraint->finished()) {
      result.finish = FinishReason::kEndTurn;
      break;
    }
    if (i + 1 < req.max_tokens) {
      if (Status s = context_.forward(std::span<const int32_t>(&next, 1), model::LogitsMode::kLast, &logits);
          !s.ok()) {
        result.finish = FinishReason::kError;
        result.error = s;
        break;
      }
      cached_.push_back(next);
    }
  }
  if (!stopped && result.finish != FinishReason::kMaxTokens) text += decoder.flush();  // max_tokens flushed above
  if (text.size() > emitted) job.push_piece(text.substr(emitted));
  // The sampled-but-not-forwarded last token is not in the cache: cached_ mirrors what the context holds.
  if (context_.n_past() != static_cast<int64_t>(cached_.size())) {
    context_.reset();
    cached_.clear();
  }
  result.text = std::move(text);
  result.generation_s = std::chrono::duration<double>(Clock::now() - t1).count();
  job.finish(std::move(result));
}

}  // namespace glassbox::server
