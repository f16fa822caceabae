// GenerationQueue: the scheduler loop (admission into slots with prefix reuse, one batched forward per step,
// chunked prefill) and each job's sampling, stop sequences and cancellation.
#include "server/generation_queue.h"

#include <algorithm>

#include "base/check.h"
#include "server/metrics.h"

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

namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Length of the longest suffix of `text` that is a proper prefix of some stop sequence: text that must be held
// back because the next token may complete a stop sequence.
size_t held_back(const std::string& text, size_t from, const std::vector<std::string>& stops) {
  size_t best = 0;
  for (const std::string& stop : stops) {
    if (stop.empty()) continue;
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

// A job holding a slot: its prompt progress, sampler and text stream. Worker thread only.
struct GenerationQueue::Sequence {
  Sequence(std::shared_ptr<GenerationJob> j, int s, const tokenizer::Tokenizer& tokenizer)
      : job(std::move(j)), slot(s), sampler(job->request().sampling), decoder(tokenizer),
        history(job->request().prompt) {
    for (const auto& stop : job->request().stop_sequences) max_stop = std::max(max_stop, stop.size());
  }

  std::shared_ptr<GenerationJob> job;
  int slot;
  size_t prefilled = 0;     // prompt tokens in the slot's cache
  bool decoding = false;    // the prompt is done; `pending` is the sampled token to run next
  bool done = false;
  int32_t pending = 0;
  engine::Sampler sampler;
  tokenizer::StreamDecoder decoder;
  std::vector<int32_t> history;  // prompt + generated tokens (the sampler's penalty window)
  std::string text;              // everything decoded so far
  size_t emitted = 0;            // bytes of `text` handed to the job
  size_t scan_from = 0;          // stop sequences cannot start before this
  size_t max_stop = 0;
  bool stopped = false;          // a stop sequence matched
  Clock::time_point first_token;
  GenerationResult result;
};

GenerationQueue::GenerationQueue(std::shared_ptr<const model::Model> model, const tokenizer::Tokenizer& tokenizer,
                                 const model::ContextOptions& options, int max_waiting, Metrics* metrics,
                                 int64_t step_tokens)
    : tokenizer_(tokenizer), context_(std::move(model), options), metrics_(metrics), max_waiting_(max_waiting) {
  n_ctx_ = context_.n_ctx();
  n_slots_ = context_.n_seq();
  step_tokens_ = std::max<int64_t>(step_tokens, 1);
  slots_.resize(static_cast<size_t>(n_slots_));
  if (metrics_ != nullptr) metrics_->set_running(0, n_slots_);
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
    // Capacity: every slot plus max_waiting_ behind them, whether or not the worker has admitted them yet.
    const int held = static_cast<int>(waiting_.size()) + n_running_;
    if (stopping_ || held >= max_waiting_ + n_slots_) return nullptr;
    waiting_.push_back(job);
  }
  cv_.notify_all();
  return job;
}

int GenerationQueue::queue_depth() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(waiting_.size()) + n_running_;
}

int GenerationQueue::running() const {
  std::lock_guard lock(mutex_);
  return n_running_;
}

void GenerationQueue::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty() || !running_.empty(); });
      if (stopping_) break;
      // A waiting job whose client went away gives its place back now, not when a slot frees.
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (!(*it)->cancelled()) {
          ++it;
          continue;
        }
        GenerationResult r;
        r.finish = FinishReason::kCancelled;
        (*it)->finish(std::move(r));
        it = waiting_.erase(it);
      }
      while (!waiting_.empty() && n_running_ < n_slots_) {
        std::shared_ptr<GenerationJob> job = std::move(waiting_.front());
        waiting_.pop_front();
        admit(std::move(job));
      }
    }
    step();
  }
  for (auto& seq : running_) fail(*seq, internal_error("the server is shutting down"));
  running_.clear();
}

void GenerationQueue::admit(std::shared_ptr<GenerationJob> job) {
  const auto& prompt = job->request().prompt;
  if (job->cancelled()) {
    GenerationResult r;
    r.finish = FinishReason::kCancelled;
    job->finish(std::move(r));
    return;
  }
  if (prompt.empty() || static_cast<int64_t>(prompt.size()) >= n_ctx_) {
    GenerationResult r;
    r.finish = FinishReason::kError;
    r.error = out_of_range(str_format("prompt is too long: %zu tokens > %lld maximum", prompt.size(),
                                      static_cast<long long>(n_ctx_ - 1)));
    job->finish(std::move(r));
    return;
  }
  // The free slot whose cache shares the longest prefix with the prompt. A prefix under kMinReuse tokens (a
  // BOS, a template header) saves nothing worth keeping; among equals, the slot that discards the fewest
  // cached tokens (an empty one first), then the least recently used, so other conversations stay cached.
  constexpr size_t kMinReuse = 4;
  int best = -1;
  size_t best_common = 0, best_useful = 0, best_lost = 0;
  for (int i = 0; i < n_slots_; ++i) {
    const Slot& slot = slots_[static_cast<size_t>(i)];
    if (slot.busy) continue;
    size_t common = 0;
    while (common < slot.tokens.size() && common < prompt.size() && slot.tokens[common] == prompt[common]) ++common;
    const size_t useful = common >= kMinReuse ? common : 0;
    const size_t lost = slot.tokens.size() - common;
    const bool better =
        best < 0 || useful > best_useful ||
        (useful == best_useful &&
         (lost < best_lost || (lost == best_lost && slot.last_used < slots_[static_cast<size_t>(best)].last_used)));
    if (better) {
      best = i;
      best_common = common;
      best_useful = useful;
      best_lost = lost;
    }
  }
  GB_CHECK(best >= 0);
  // At least one prompt token is recomputed so that the forward pass yields the last position's logits.
  if (best_common == prompt.size()) --best_common;
  Slot& slot = slots_[static_cast<size_t>(best)];
  slot.busy = true;
  slot.tokens.resize(best_common);
  context_.truncate(best, static_cast<int64_t>(best_common));
  auto seq = std::make_unique<Sequence>(std::move(job), best, tokenizer_);
  seq->prefilled = best_common;
  seq->result.cached_tokens = static_cast<int64_t>(best_common);
  seq->result.input_tokens = static_cast<int64_t>(prompt.size() - best_common);
  running_.push_back(std::move(seq));
  ++n_running_;
}

void GenerationQueue::step() {
  for (auto& seq : running_) {
    if (seq->job->cancelled()) finish(*seq, FinishReason::kCancelled);
  }
  // One chunk per running job: the pending token of each decoding job, then prompt pieces of the others (in
  // admission order) within the step's token budget.
  std::vector<model::SeqChunk> chunks;
  std::vector<Sequence*> owners;
  int64_t budget = step_tokens_;
  for (auto& seq : running_) {
    if (seq->done || !seq->decoding) continue;
    chunks.push_back({seq->slot, std::span<const int32_t>(&seq->pending, 1), model::LogitsMode::kLast});
    owners.push_back(seq.get());
  }
  int64_t n_tokens = static_cast<int64_t>(chunks.size());
  for (auto& seq : running_) {
    if (seq->done || seq->decoding || budget <= 0) continue;
    const auto& prompt = seq->job->request().prompt;
    const size_t n = std::min<size_t>(prompt.size() - seq->prefilled, static_cast<size_t>(budget));
    const bool last = seq->prefilled + n == prompt.size();
    chunks.push_back({seq->slot, std::span<const int32_t>(prompt.data() + seq->prefilled, n),
                      last ? model::LogitsMode::kLast : model::LogitsMode::kNone});
    owners.push_back(seq.get());
    budget -= static_cast<int64_t>(n);
    n_tokens += static_cast<int64_t>(n);
  }
  if (!chunks.empty()) {
    if (Status s = context_.forward_batch(chunks, &logits_); !s.ok()) {
      for (Sequence* seq : owners) fail(*seq, s);
    } else {
      ++steps_;
      if (metrics_ != nullptr) metrics_->record_step(static_cast<int>(chunks.size()), n_tokens);
      const int64_t vocab = context_.model().config().vocab_size;
      int64_t row = 0;
      for (size_t i = 0; i < chunks.size(); ++i) {
        Sequence& seq = *owners[i];
        Slot& slot = slots_[static_cast<size_t>(seq.slot)];
        slot.tokens.insert(slot.tokens.end(), chunks[i].tokens.begin(), chunks[i].tokens.end());
        if (!seq.decoding) seq.prefilled += chunks[i].tokens.size();
        if (chunks[i].logits == model::LogitsMode::kLast) {
          on_logits(seq, std::span<float>(logits_.data() + row * vocab, static_cast<size_t>(vocab)));
          ++row;
        }
      }
    }
  }
  // Release the slots of finished jobs.
  int finished = 0;
  for (auto& seq : running_) {
    if (!seq->done) continue;
    Slot& slot = slots_[static_cast<size_t>(seq->slot)];
    GB_CHECK(context_.n_past(seq->slot) == static_cast<int64_t>(slot.tokens.size()));
    slot.busy = false;
    slot.last_used = steps_;
    ++finished;
  }
  std::erase_if(running_, [](const std::unique_ptr<Sequence>& seq) { return seq->done; });
  if (finished > 0) {
    std::lock_guard lock(mutex_);
    n_running_ -= finished;
  }
  if (metrics_ != nullptr) metrics_->set_running(static_cast<int>(running_.size()), n_slots_);
}

// The job's next token from its logits row [vocab] (ours to modify). One job's sampling lives here and only
// here, so a per-request hook (constrained decoding: mask the row before, accept the token after) is a few lines.
int32_t GenerationQueue::sample_next(Sequence& seq, std::span<float> logits) {
  const auto& constraint = seq.job->request().constraint;
  if (constraint) constraint->apply(logits);  // constrained decoding: disallowed tokens get -inf
  const int32_t next = seq.sampler.sample(logits, seq.history);
  if (constraint && !tokenizer_.is_end_of_generation(next)) constraint->accept(next);
  return next;
}

void GenerationQueue::on_logits(Sequence& seq, std::span<float> logits) {
  const GenerationRequest& req = seq.job->request();
  GenerationResult& result = seq.result;
  if (!seq.decoding) {
    seq.decoding = true;
    seq.first_token = Clock::now();
    result.time_to_first_token_s = seconds_between(seq.job->created_, seq.first_token);
  }
  if (result.output_tokens >= req.max_tokens) return finish(seq, FinishReason::kMaxTokens);
  if (context_.n_past(seq.slot) >= n_ctx_) return finish(seq, FinishReason::kContextFull);
  const int32_t next = sample_next(seq, logits);
  if (tokenizer_.is_end_of_generation(next)) return finish(seq, FinishReason::kEndTurn);
  seq.history.push_back(next);
  ++result.output_tokens;
  seq.text += seq.decoder.push(next);
  if (result.output_tokens == req.max_tokens) seq.text += seq.decoder.flush();
  for (const auto& stop : req.stop_sequences) {
    if (stop.empty()) continue;
    size_t pos = seq.text.find(stop, seq.scan_from);
    if (pos != std::string::npos) {
      seq.text.resize(pos);
      result.stop_sequence = stop;
      seq.stopped = true;
      return finish(seq, FinishReason::kStopSequence);
    }
  }
  if (seq.text.size() >= seq.max_stop) seq.scan_from = std::max(seq.scan_from, seq.text.size() - seq.max_stop);
  size_t keep = held_back(seq.text, seq.emitted, req.stop_sequences);
  if (seq.text.size() - keep > seq.emitted) {
    seq.job->push_piece(seq.text.substr(seq.emitted, seq.text.size() - keep - seq.emitted));
    seq.emitted = seq.text.size() - keep;
  }
  if (result.output_tokens == req.max_tokens) return finish(seq, FinishReason::kMaxTokens);
  if (req.constraint && req.constraint->finished()) return finish(seq, FinishReason::kEndTurn);
  seq.pending = next;  // runs in the next step
}

void GenerationQueue::finish(Sequence& seq, FinishReason reason) {
  if (seq.done) return;
  seq.done = true;
  GenerationResult& result = seq.result;
  result.finish = reason;
  // max_tokens flushed the decoder with the last token; a stop sequence drops what follows it.
  if (!seq.stopped && reason != FinishReason::kMaxTokens) seq.text += seq.decoder.flush();
  if (seq.text.size() > seq.emitted) seq.job->push_piece(seq.text.substr(seq.emitted));
  result.text = std::move(seq.text);
  if (seq.decoding) result.generation_s = seconds_between(seq.first_token, Clock::now());
  seq.job->finish(std::move(result));
}

void GenerationQueue::fail(Sequence& seq, const Status& error) {
  // The slot's cache may hold part of a step: forget it.
  context_.truncate(seq.slot, 0);
  slots_[static_cast<size_t>(seq.slot)].tokens.clear();
  seq.result.error = error;
  finish(seq, FinishReason::kError);
}

}  // namespace glassbox::server
