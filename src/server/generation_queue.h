// GenerationQueue: the continuous-batching scheduler. One worker thread owns a model Context with N sequence
// slots; each step it decodes one token for every running job and advances the prompts of newly admitted
// jobs, all in one batched forward pass. Jobs wait in a bounded queue for a free slot; a job takes the free
// slot whose cached tokens share the longest prefix with its prompt (prefix reuse).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/sampler.h"
#include "engine/token_constraint.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::server {

struct GenerationRequest {
  std::vector<int32_t> prompt;  // non-empty token ids, already templated
  engine::SamplingParams sampling;
  int64_t max_tokens = 0;       // 0: prefill only
  std::vector<std::string> stop_sequences;
  // Optional constrained decoding: masks the logits before each sample; the job ends once it is finished().
  std::shared_ptr<engine::TokenConstraint> constraint;
};

enum class FinishReason { kEndTurn, kMaxTokens, kStopSequence, kContextFull, kCancelled, kError };

struct GenerationResult {
  FinishReason finish = FinishReason::kEndTurn;
  std::string stop_sequence;   // the matched one when finish == kStopSequence
  std::string text;            // everything emitted (stop sequence excluded)
  int64_t input_tokens = 0;    // prompt tokens that were computed (not reused)
  int64_t cached_tokens = 0;   // prompt tokens reused from the KV cache its slot held (an earlier job's)
  int64_t output_tokens = 0;
  double time_to_first_token_s = 0;  // from submit() to the first token's logits (queue wait + prefill)
  double generation_s = 0;     // from first token to the end
  Status error;                // set when finish == kError
};

// One job: the worker produces text pieces, one consumer (the HTTP handler) reads them. Thread-safe.
class GenerationJob {
 public:
  enum class Event { kPiece, kDone, kTimeout };

  explicit GenerationJob(GenerationRequest request)
      : request_(std::move(request)), created_(std::chrono::steady_clock::now()) {}

  // Waits up to `timeout` for the next piece (kPiece, *piece set) or the end (kDone, result() is final).
  Event next(std::string* piece, std::chrono::milliseconds timeout);
  // Blocks until the job has finished; returns the result.
  const GenerationResult& wait();
  // Asks the worker to stop at the next token (the client went away). The result becomes kCancelled.
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  const GenerationRequest& request() const { return request_; }
  const GenerationResult& result() const { return result_; }

 private:
  friend class GenerationQueue;
  void push_piece(std::string piece);
  void finish(GenerationResult result);

  GenerationRequest request_;
  std::chrono::steady_clock::time_point created_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> pieces_;
  bool done_ = false;
  GenerationResult result_;
  std::atomic<bool> cancelled_{false};
};

class Metrics;

class GenerationQueue {
 public:
  // Prompt tokens one step may compute, beside one token per running job: bounds how long a long prompt
  // holds the running streams back (one step of this many rows), while keeping prefill batched.
  static constexpr int64_t kDefaultStepTokens = 256;

  // options.n_seq: slots (jobs generating at once); options.n_ctx: context per slot. `max_waiting`: jobs
  // that may wait for a slot before submit() refuses. `metrics` (may be null, must outlive the queue)
  // receives the scheduler's gauges and per-step batch sizes.
  GenerationQueue(std::shared_ptr<const model::Model> model, const tokenizer::Tokenizer& tokenizer,
                  const model::ContextOptions& options, int max_waiting, Metrics* metrics = nullptr,
                  int64_t step_tokens = kDefaultStepTokens);
  ~GenerationQueue();  // ends waiting and running jobs with an error and joins the worker

  // Queues a job; nullptr when all slots are busy and max_waiting jobs already wait.
  std::shared_ptr<GenerationJob> submit(GenerationRequest request);
  int64_t n_ctx() const { return n_ctx_; }  // per slot
  int n_slots() const { return n_slots_; }
  int queue_depth() const;  // waiting + running
  int running() const;      // jobs holding a slot

 private:
  struct Sequence;
  struct Slot {
    std::vector<int32_t> tokens;  // what the slot's KV cache holds (context_.n_past(slot) of them)
    bool busy = false;
    uint64_t last_used = 0;       // step counter at release: ties in prefix length go to the oldest
  };

  void run();
  void admit(std::shared_ptr<GenerationJob> job);  // worker thread, mutex_ held
  void step();
  int32_t sample_next(Sequence& seq, std::span<float> logits);
  void on_logits(Sequence& seq, std::span<float> logits);
  void finish(Sequence& seq, FinishReason reason);
  void fail(Sequence& seq, const Status& error);

  const tokenizer::Tokenizer& tokenizer_;
  model::Context context_;
  Metrics* metrics_;
  int64_t n_ctx_;
  int n_slots_;
  int max_waiting_;
  int64_t step_tokens_;
  uint64_t steps_ = 0;
  std::vector<Slot> slots_;                         // worker thread only
  std::vector<std::unique_ptr<Sequence>> running_;  // worker thread only, in admission order
  std::vector<float> logits_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<GenerationJob>> waiting_;  // guarded by mutex_
  int n_running_ = 0;                                   // guarded by mutex_
  bool stopping_ = false;                               // guarded by mutex_
  std::thread worker_;
};

const char* finish_reason_name(FinishReason reason);  // Anthropic's stop_reason spelling

}  // namespace glassbox::server
