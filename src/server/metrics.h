// Metrics: request, token and latency counters, rendered in Prometheus text format. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace glassbox::server {

class Metrics {
 public:
  void record_request(const std::string& route, int status);
  // One finished generation: prompt tokens computed and reused, tokens generated, latencies.
  void record_generation(int64_t input_tokens, int64_t cached_tokens, int64_t output_tokens, double ttft_s,
                         double generation_s);
  // One scheduler step: sequences in the batch and tokens (rows) they ran.
  void record_step(int n_sequences, int64_t n_tokens);
  // Jobs holding a slot, out of n_slots.
  void set_running(int running, int n_slots);
  std::string render(int queue_depth) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  int64_t input_tokens_ = 0, cached_tokens_ = 0, output_tokens_ = 0;
  int64_t generations_ = 0;
  double ttft_sum_ = 0, generation_s_ = 0;
  // Cumulative histogram of time to first token (seconds).
  static constexpr double kTtftBuckets[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  int64_t ttft_counts_[std::size(kTtftBuckets)] = {};
  int running_ = 0, slots_ = 0;
  int64_t steps_ = 0, step_sequences_ = 0, step_tokens_ = 0;
  // Cumulative histogram of sequences per batched step.
  static constexpr int kBatchBuckets[] = {1, 2, 4, 8, 16, 32, 64};
  int64_t batch_counts_[std::size(kBatchBuckets)] = {};
};

}  // namespace glassbox::server
