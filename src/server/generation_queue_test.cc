// Tests for the continuous-batching scheduler on a small random model (glassbox synth's "tiny" shape): jobs
// that share steps produce what they produce alone, cancellation frees slots, a full queue refuses.
#include "server/generation_queue.h"

#include <filesystem>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "model/synth/synth_model.h"
#include "server/metrics.h"

namespace glassbox::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Fixture {
  std::shared_ptr<const model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
};

const Fixture& tiny() {
  static const Fixture fixture = [] {
    model::synth::SynthOptions o;
    o.shape = "tiny";
    o.type = "q8_0";
    o.seed = 3;
    auto plan = model::synth::plan_synth(o);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    ThreadPool pool(2);
    auto writer = model::synth::make_synth_writer(*plan, pool);
    EXPECT_TRUE(writer.ok()) << writer.status().message();
    const fs::path path = fs::temp_directory_path() / ("gb_queue_test_" + std::to_string(getpid()) + ".gguf");
    EXPECT_TRUE(writer->write(path.string()).ok());
    Fixture f;
    auto model = model::Model::load(path.string());
    EXPECT_TRUE(model.ok()) << model.status().message();
    f.model = *model;
    auto tok = tokenizer::Tokenizer::from_gguf(f.model->gguf());
    EXPECT_TRUE(tok.ok()) << tok.status().message();
    f.tokenizer = std::move(*tok);
    fs::remove(path);
    return f;
  }();
  return fixture;
}

std::unique_ptr<GenerationQueue> make_queue(int n_slots, int max_waiting, Metrics* metrics = nullptr,
                                            int64_t step_tokens = GenerationQueue::kDefaultStepTokens) {
  model::ContextOptions co;
  co.n_ctx = 256;
  co.n_threads = 2;
  co.n_seq = n_slots;
  return std::make_unique<GenerationQueue>(tiny().model, *tiny().tokenizer, co, max_waiting, metrics, step_tokens);
}

GenerationRequest greedy_request(int seed, int n_prompt, int64_t max_tokens) {
  GenerationRequest r;
  r.prompt.push_back(1);  // BOS: every prompt shares it, so slots see a one-token common prefix
  for (int i = 1; i < n_prompt; ++i) r.prompt.push_back(static_cast<int32_t>(10 + (seed * 53 + i * 31) % 480));
  r.sampling.temperature = 0;
  r.max_tokens = max_tokens;
  return r;
}

// Reads every piece of a job, returns the concatenation (what a streaming client sees).
std::string drain(GenerationJob& job) {
  std::string text, piece;
  for (;;) {
    auto e = job.next(&piece, 10s);
    if (e == GenerationJob::Event::kDone) return text;
    if (e == GenerationJob::Event::kPiece) text += piece;
  }
}

int64_t metric(const std::string& text, const std::string& name) {
  size_t pos = text.find("\n" + name + " ");
  if (pos == std::string::npos) return -1;
  return std::stoll(text.substr(pos + name.size() + 2));
}

TEST(GenerationQueueTest, ConcurrentGreedyJobsProduceTheirSoloTexts) {
  constexpr int kJobs = 4;
  std::vector<GenerationResult> solo;
  {
    auto queue = make_queue(kJobs, 8);
    for (int i = 0; i < kJobs; ++i) {
      auto job = queue->submit(greedy_request(i, 6 + 5 * i, 12 + 4 * i));
      ASSERT_NE(job, nullptr);
      solo.push_back(job->wait());
    }
  }
  Metrics metrics;
  auto queue = make_queue(kJobs, 8, &metrics);
  std::vector<std::thread> threads;
  std::vector<GenerationResult> together(kJobs);
  std::vector<std::string> streamed(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    threads.emplace_back([&, i] {
      auto job = queue->submit(greedy_request(i, 6 + 5 * i, 12 + 4 * i));
      ASSERT_NE(job, nullptr);
      streamed[i] = drain(*job);
      together[i] = job->result();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kJobs; ++i) {
    EXPECT_EQ(together[i].finish, solo[i].finish) << i;
    EXPECT_EQ(together[i].output_tokens, solo[i].output_tokens) << i;
    EXPECT_EQ(together[i].text, solo[i].text) << i;
    EXPECT_EQ(streamed[i], solo[i].text) << i;
    EXPECT_EQ(together[i].input_tokens + together[i].cached_tokens, 6 + 5 * i) << i;
  }
  // Some steps ran several sequences at once. (The queue joins its worker first: it updates the gauges at the
  // end of the step in which the last job finished.)
  queue.reset();
  const std::string text = metrics.render(0);
  const int64_t steps = metric(text, "glassbox_batch_sequences_count");
  const int64_t sequences = metric(text, "glassbox_batch_sequences_sum");
  EXPECT_GT(steps, 0);
  EXPECT_GT(sequences, steps) << text;
  EXPECT_EQ(metric(text, "glassbox_running_sequences"), 0);
  EXPECT_EQ(metric(text, "glassbox_sequence_slots"), kJobs);
}

TEST(GenerationQueueTest, NextJobReusesTheSlotWithTheLongestCommonPrefix) {
  auto queue = make_queue(2, 4);
  GenerationRequest a = greedy_request(1, 20, 2), b = greedy_request(2, 20, 2);
  ASSERT_EQ(queue->submit(a)->wait().cached_tokens, 0);
  ASSERT_EQ(queue->submit(b)->wait().cached_tokens, 0);  // sharing only BOS, b takes the empty slot, a's stays
  GenerationRequest a2 = a;
  a2.prompt.resize(15);
  a2.prompt.push_back(7);
  const GenerationResult r = queue->submit(a2)->wait();
  EXPECT_EQ(r.cached_tokens, 15);
  EXPECT_EQ(r.input_tokens, 1);
  const GenerationResult again = queue->submit(b)->wait();
  EXPECT_EQ(again.cached_tokens, 19);  // all but the last prompt token
}

TEST(GenerationQueueTest, LongPromptIsPrefilledInBoundedSteps) {
  Metrics metrics;
  auto queue = make_queue(2, 4, &metrics, /*step_tokens=*/8);
  const GenerationResult r = queue->submit(greedy_request(5, 60, 3))->wait();
  ASSERT_EQ(r.finish, FinishReason::kMaxTokens) << "the random model ended early; pick another seed";
  const std::string text = metrics.render(0);
  // 60 prompt tokens in steps of at most 8 (8 steps, the last one yielding the first token), then one step
  // for each further token.
  EXPECT_EQ(metric(text, "glassbox_batch_sequences_count"), 8 + 2) << text;
  EXPECT_EQ(metric(text, "glassbox_batch_tokens_total"), 60 + 2) << text;
}

TEST(GenerationQueueTest, CancelledJobFreesItsSlot) {
  auto queue = make_queue(1, 1);
  auto running = queue->submit(greedy_request(1, 8, 200));
  ASSERT_NE(running, nullptr);
  auto waiting = queue->submit(greedy_request(2, 8, 2));
  ASSERT_NE(waiting, nullptr);
  std::string piece;
  while (running->next(&piece, 10s) == GenerationJob::Event::kTimeout) {
  }
  running->cancel();
  const GenerationResult& r = waiting->wait();  // gets the slot once the cancelled job leaves it
  EXPECT_NE(r.finish, FinishReason::kError) << r.error.message();
  EXPECT_EQ(running->wait().finish, FinishReason::kCancelled);
  EXPECT_LT(running->result().output_tokens, 200);
  // The scheduler releases a slot at the end of the step in which its job finished.
  for (int i = 0; i < 1000 && queue->queue_depth() > 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(queue->queue_depth(), 0);
  EXPECT_EQ(queue->running(), 0);
}

TEST(GenerationQueueTest, FullQueueRefusesAndNeverHangs) {
  auto queue = make_queue(2, 1);
  std::vector<std::shared_ptr<GenerationJob>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(queue->submit(greedy_request(i, 8, 250)));
    ASSERT_NE(held.back(), nullptr) << i;
  }
  EXPECT_EQ(queue->submit(greedy_request(9, 8, 1)), nullptr);  // two slots busy, one waiting: full
  held[2]->cancel();  // the waiting one gives its place back while both slots stay busy
  EXPECT_EQ(held[2]->wait().finish, FinishReason::kCancelled);
  auto replacement = queue->submit(greedy_request(8, 8, 1));
  ASSERT_NE(replacement, nullptr);
  held.push_back(replacement);
  for (auto it = held.rbegin(); it != held.rend(); ++it) (*it)->cancel();  // waiting one first: never admitted
  for (auto& job : held) EXPECT_EQ(job->wait().finish, FinishReason::kCancelled);
  for (int i = 0; i < 1000 && queue->queue_depth() > 0; ++i) std::this_thread::sleep_for(5ms);
  auto after = queue->submit(greedy_request(9, 8, 1));
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->wait().output_tokens, 1);
}

TEST(GenerationQueueTest, PromptLongerThanASlotIsAnError) {
  auto queue = make_queue(2, 1);
  const GenerationResult r = queue->submit(greedy_request(1, 300, 1))->wait();
  EXPECT_EQ(r.finish, FinishReason::kError);
  EXPECT_NE(r.error.message().find("prompt is too long"), std::string::npos) << r.error.message();
}

}  // namespace
}  // namespace glassbox::server
