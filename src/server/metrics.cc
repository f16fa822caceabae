// Metrics: Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "server/metrics.h"

#include "base/status.h"

namespace glassbox::server {

void Metrics::record_request(const std::string& route, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
}

void Metrics::record_generation(int64_t input_tokens, int64_t cached_tokens, int64_t output_tokens,
                                double ttft_s, double generation_s) {
  std::lock_guard lock(mutex_);
  input_tokens_ += input_tokens;
  cached_tokens_ += cached_tokens;
  output_tokens_ += output_tokens;
  ++generations_;
  ttft_sum_ += ttft_s;
  generation_s_ += generation_s;
  for (size_t i = 0; i < std::size(kTtftBuckets); ++i) {
    if (ttft_s <= kTtftBuckets[i]) ++ttft_counts_[i];
  }
}

void Metrics::record_step(int n_sequences, int64_t n_tokens) {
  std::lock_guard lock(mutex_);
  ++steps_;
  step_sequences_ += n_sequences;
  step_tokens_ += n_tokens;
  for (size_t i = 0; i < std::size(kBatchBuckets); ++i) {
    if (n_sequences <= kBatchBuckets[i]) ++batch_counts_[i];
  }
}

void Metrics::set_running(int running, int n_slots) {
  std::lock_guard lock(mutex_);
  running_ = running;
  slots_ = n_slots;
}

std::string Metrics::render(int queue_depth) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP glassbox_requests_total HTTP requests by route and status.\n";
  out += "# TYPE glassbox_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += str_format("glassbox_requests_total{route=\"%s\",status=\"%d\"} %lld\n", key.first.c_str(), key.second,
                      static_cast<long long>(n));
  }
  out += "# HELP glassbox_prompt_tokens_total Prompt tokens computed (not reused from the cache).\n";
  out += "# TYPE glassbox_prompt_tokens_total counter\n";
  out += str_format("glassbox_prompt_tokens_total %lld\n", static_cast<long long>(input_tokens_));
  out += "# HELP glassbox_cached_prompt_tokens_total Prompt tokens reused from a slot's KV cache (earlier requests).\n";
  out += "# TYPE glassbox_cached_prompt_tokens_total counter\n";
  out += str_format("glassbox_cached_prompt_tokens_total %lld\n", static_cast<long long>(cached_tokens_));
  out += "# HELP glassbox_generated_tokens_total Tokens generated.\n";
  out += "# TYPE glassbox_generated_tokens_total counter\n";
  out += str_format("glassbox_generated_tokens_total %lld\n", static_cast<long long>(output_tokens_));
  out += "# HELP glassbox_queue_depth Generation requests waiting or running.\n";
  out += "# TYPE glassbox_queue_depth gauge\n";
  out += str_format("glassbox_queue_depth %d\n", queue_depth);
  out += "# HELP glassbox_running_sequences Generation requests holding a sequence slot.\n";
  out += "# TYPE glassbox_running_sequences gauge\n";
  out += str_format("glassbox_running_sequences %d\n", running_);
  out += "# HELP glassbox_sequence_slots Sequence slots (--parallel): requests that generate at once.\n";
  out += "# TYPE glassbox_sequence_slots gauge\n";
  out += str_format("glassbox_sequence_slots %d\n", slots_);
  out += "# HELP glassbox_batch_sequences Sequences per batched forward step (continuous batching).\n";
  out += "# TYPE glassbox_batch_sequences histogram\n";
  for (size_t i = 0; i < std::size(kBatchBuckets); ++i) {
    out += str_format("glassbox_batch_sequences_bucket{le=\"%d\"} %lld\n", kBatchBuckets[i],
                      static_cast<long long>(batch_counts_[i]));
  }
  out += str_format("glassbox_batch_sequences_bucket{le=\"+Inf\"} %lld\n", static_cast<long long>(steps_));
  out += str_format("glassbox_batch_sequences_sum %lld\n", static_cast<long long>(step_sequences_));
  out += str_format("glassbox_batch_sequences_count %lld\n", static_cast<long long>(steps_));
  out += "# HELP glassbox_batch_tokens_total Tokens (prompt and generated) run through batched forward steps.\n";
  out += "# TYPE glassbox_batch_tokens_total counter\n";
  out += str_format("glassbox_batch_tokens_total %lld\n", static_cast<long long>(step_tokens_));
  out += "# HELP glassbox_time_to_first_token_seconds Queue-to-first-token latency (prefill).\n";
  out += "# TYPE glassbox_time_to_first_token_seconds histogram\n";
  for (size_t i = 0; i < std::size(kTtftBuckets); ++i) {
    out += str_format("glassbox_time_to_first_token_seconds_bucket{le=\"%g\"} %lld\n", kTtftBuckets[i],
                      static_cast<long long>(ttft_counts_[i]));
  }
  out += str_format("glassbox_time_to_first_token_seconds_bucket{le=\"+Inf\"} %lld\n",
                    static_cast<long long>(generations_));
  out += str_format("glassbox_time_to_first_token_seconds_sum %g\n", ttft_sum_);
  out += str_format("glassbox_time_to_first_token_seconds_count %lld\n", static_cast<long long>(generations_));
  out += "# HELP glassbox_generation_tokens_per_second Generated tokens over the summed generation time of all requests (a per-stream rate).\n";
  out += "# TYPE glassbox_generation_tokens_per_second gauge\n";
  out += str_format("glassbox_generation_tokens_per_second %g\n",
                    generation_s_ > 0 ? static_cast<double>(output_tokens_) / generation_s_ : 0.0);
  return out;
}

}  // namespace glassbox::server
