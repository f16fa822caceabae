// GenerationQueue: one worker thread owning the model Context, serving generation jobs one at a time from a
// bounded queue, with prefix reuse between consecutive jobs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
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
  int64_t cached_tokens = 0;   // prompt tokens reused from the previous job's KV cache
  int64_t output_tokens = 0;
  double time_to_first_token_s = 0;
  double generation_s = 0;     // from first token to the end
  Status error;                // set when finish == kError
};

// One job: the worker produces text pieces, one consumer (the HTTP handler) reads them. Thread-safe.
class GenerationJob {
 public:
  enum class Event { kPiece, kDone, kTimeout };

  explicit GenerationJob(GenerationRequest request) : request_(std::move(request)) {}

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
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> pieces_;
  bool done_ = false;
  GenerationResult result_;
  std::atomic<bool> cancelled_{false};
};

class GenerationQueue {
 public:
  // `max_waiting`: jobs that may wait behind the running one before submit() refuses.
  GenerationQueue(std::shared_ptr<const model::Model> model, const tokenizer::Tokenizer& tokenizer,
                  const model::ContextOptions& options, int max_waiting);
  ~GenerationQueue();  // cancels waiting jobs and joins the worker

  // Queues a job; nullptr when the queue is full.
  std::shared_ptr<GenerationJob> submit(GenerationRequest request);
  int64_t n_ctx() const { return n_ctx_; }
  int queue_depth() const;  // waiting + running

 private:
  void run();
  void generate(GenerationJob& job);

  const tokenizer::Tokenizer& tokenizer_;
  model::Context context_;
  int64_t n_ctx_;
  int max_waiting_;
  std::vector<int32_t> cached_;  // the tokens whose KV entries the context holds
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<GenerationJob>> waiting_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

const char* finish_reason_name(FinishReason reason);  // Anthropic's stop_reason spelling

}  // namespace glassbox::server
