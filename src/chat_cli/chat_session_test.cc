#include "chat_cli/chat_session.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/thread_pool.h"
#include "chat_cli/slash_command.h"
#include "model/synth/synth_model.h"

namespace glassbox::chat_cli {
namespace {

namespace fs = std::filesystem;

// A random-weight model of the "tiny" shape (no chat template: the ChatML default applies), written once.
class ChatSessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("glassbox-chat-test-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    model::synth::SynthOptions opt;
    opt.shape = "tiny";
    opt.type = "f32";
    opt.seed = 3;
    auto plan = model::synth::plan_synth(opt);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    ThreadPool pool(1);
    auto writer = model::synth::make_synth_writer(*plan, pool);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    const std::string path = (*dir_ / "tiny.gguf").string();
    ASSERT_TRUE(writer->write(path).ok());
    auto m = model::Model::load(path);
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = new std::shared_ptr<const model::Model>(*m);
  }
  static void TearDownTestSuite() {
    delete model_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  std::unique_ptr<ChatSession> make(int64_t n_ctx = 512) {
    ChatSessionOptions o;
    o.n_ctx = n_ctx;
    o.n_threads = 1;
    auto s = ChatSession::create(*model_, o);
    EXPECT_TRUE(s.ok()) << s.status().message();
    (*s)->settings().max_tokens = 8;
    (*s)->settings().fixed_seed = true;
    (*s)->settings().seed = 11;
    return std::move(*s);
  }

  static fs::path* dir_;
  static std::shared_ptr<const model::Model>* model_;
};

fs::path* ChatSessionTest::dir_ = nullptr;
std::shared_ptr<const model::Model>* ChatSessionTest::model_ = nullptr;

TEST_F(ChatSessionTest, StreamsTheReplyAndRecordsBothTurns) {
  auto s = make();
  std::string streamed;
  auto stats = s->send("Hello", [&](std::string_view p) { streamed += p; }, nullptr);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_FALSE(s->has_own_template());
  ASSERT_EQ(s->messages().size(), 2u);
  EXPECT_EQ(s->messages()[0].role, "user");
  EXPECT_EQ(s->messages()[0].content, "Hello");
  EXPECT_EQ(s->messages()[1].role, "assistant");
  EXPECT_EQ(s->messages()[1].content, streamed);
  EXPECT_GT(stats->prompt_tokens, 5);
  EXPECT_EQ(stats->reused_tokens, 0);
  EXPECT_LE(stats->generated_tokens, 8);
}

TEST_F(ChatSessionTest, AGivenTemplateRendersTheSystemPromptAndEveryTurn) {
  ChatSessionOptions o;
  o.n_threads = 1;
  o.chat_template_source =
      "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
      "{% if add_generation_prompt %}[assistant] {% endif %}";
  auto s = ChatSession::create(*model_, o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ChatSession& chat = **s;
  EXPECT_TRUE(chat.has_own_template());
  chat.settings().max_tokens = 4;
  auto plain = chat.send("Hi", nullptr, nullptr);
  ASSERT_TRUE(plain.ok());
  chat.reset();
  chat.settings().system = "You are a very patient and kind teacher of small children.";
  auto with_system = chat.send("Hi", nullptr, nullptr);
  ASSERT_TRUE(with_system.ok());
  EXPECT_GT(with_system->prompt_tokens, plain->prompt_tokens + 10);
  // A template that does not parse is an error naming the template.
  o.chat_template_source = "{% for m in messages %}";
  auto bad = ChatSession::create(*model_, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("chat template"), std::string::npos) << bad.status().message();
}

TEST_F(ChatSessionTest, SecondTurnReusesTheFirstTurnsKvCache) {
  auto s = make();
  auto first = s->send("Tell me about the sea.", nullptr, nullptr);
  ASSERT_TRUE(first.ok());
  auto second = s->send("And the sky?", nullptr, nullptr);
  ASSERT_TRUE(second.ok());
  // The whole first prompt (give or take a token at the seam) is reused; the reply's sampled tokens are reused
  // as far as they match its re-tokenized text (a random model often samples a non-canonical split).
  EXPECT_GE(second->reused_tokens, first->prompt_tokens - 2)
      << "first prompt " << first->prompt_tokens << ", second prompt " << second->prompt_tokens;
  EXPECT_LT(second->reused_tokens, second->prompt_tokens);
}

TEST_F(ChatSessionTest, SameSeedAndConversationGiveTheSameReplyFromCacheOrNot) {
  auto s = make();
  s->settings().sampling.temperature = 0.9f;
  ASSERT_TRUE(s->send("Once upon a time", nullptr, nullptr).ok());
  const std::string fresh = s->messages()[1].content;
  s->reset();
  auto again = s->send("Once upon a time", nullptr, nullptr);  // the prompt is all in the cache now
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->reused_tokens, again->prompt_tokens - 1);
  EXPECT_EQ(s->messages()[1].content, fresh);
}

TEST_F(ChatSessionTest, StopFlagEndsTheReplyAndMarksItInterrupted) {
  auto s = make();
  std::atomic<bool> stop{true};
  auto stats = s->send("Hi", nullptr, &stop);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->finish, TurnFinish::kStopped);
  EXPECT_EQ(stats->generated_tokens, 0);
  ASSERT_EQ(s->messages().size(), 2u);
  EXPECT_TRUE(s->messages()[1].interrupted);
  stop = false;  // the session goes on
  auto next = s->send("Hi again", nullptr, &stop);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->finish, TurnFinish::kStopped);
  EXPECT_EQ(s->messages().size(), 4u);
}

TEST_F(ChatSessionTest, MessageTooLongForTheContextIsAnErrorAndChangesNothing) {
  auto s = make(64);
  std::string huge;
  for (int i = 0; i < 200; ++i) huge += "word ";
  auto stats = s->send(huge, nullptr, nullptr);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("too long"), std::string::npos) << stats.status().message();
  EXPECT_TRUE(s->messages().empty());
  EXPECT_TRUE(s->send("ok", nullptr, nullptr).ok());
}

TEST_F(ChatSessionTest, OldestTurnsAreLeftOutOfThePromptWhenTheContextFills) {
  auto s = make(128);
  int dropped = 0;
  for (int turn = 0; turn < 8 && dropped == 0; ++turn) {
    auto stats = s->send("a message of some length, turn " + std::to_string(turn), nullptr, nullptr);
    ASSERT_TRUE(stats.ok()) << stats.status().message();
    EXPECT_LE(stats->prompt_tokens + 8, 128);
    dropped = stats->dropped_messages;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(dropped % 2, 0);  // whole turns: the kept part starts with a user message
}

TEST_F(ChatSessionTest, SlashCommandsChangeSettingsAndRejectBadValues) {
  auto s = make();
  std::string reply;
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/temp 0.25", &reply).ok());
  EXPECT_FLOAT_EQ(s->settings().sampling.temperature, 0.25f);
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/top_p 0.5", &reply).ok());
  EXPECT_FLOAT_EQ(s->settings().sampling.top_p, 0.5f);
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/top_k 7", &reply).ok());
  EXPECT_EQ(s->settings().sampling.top_k, 7);
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/max 33", &reply).ok());
  EXPECT_EQ(s->settings().max_tokens, 33);
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/seed 5", &reply).ok());
  EXPECT_TRUE(s->settings().fixed_seed);
  EXPECT_EQ(s->settings().seed, 5u);
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/system You are terse.", &reply).ok());
  EXPECT_EQ(s->settings().system, "You are terse.");

  for (const char* bad : {"/temp 3", "/temp x", "/top_p 0", "/top_k -1", "/max 0", "/seed -2", "/bogus", "/save"}) {
    auto r = apply_slash_command(*s, "tiny", bad, &reply);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_FLOAT_EQ(s->settings().sampling.temperature, 0.25f);
  auto exit = apply_slash_command(*s, "tiny", "/exit", &reply);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(*exit, CommandOutcome::kExit);
  EXPECT_TRUE(is_slash_command("/help"));
  EXPECT_FALSE(is_slash_command("//comment"));
  EXPECT_FALSE(is_slash_command("/ x"));
}

TEST_F(ChatSessionTest, SaveWritesJsonOrMarkdownAndResetClears) {
  auto s = make();
  std::string reply;
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/system Be kind.", &reply).ok());
  ASSERT_TRUE(s->send("Hello", nullptr, nullptr).ok());
  const std::string json_path = (*dir_ / "t.json").string();
  const std::string md_path = (*dir_ / "t.md").string();
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/save " + json_path, &reply).ok()) << reply;
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/save " + md_path, &reply).ok()) << reply;
  std::ifstream jf(json_path);
  auto doc = nlohmann::json::parse(jf);
  EXPECT_EQ(doc["model"], "tiny");
  EXPECT_EQ(doc["system"], "Be kind.");
  ASSERT_EQ(doc["messages"].size(), 2u);
  EXPECT_EQ(doc["messages"][0]["content"], "Hello");
  EXPECT_EQ(doc["messages"][1]["content"], s->messages()[1].content);
  std::stringstream md;
  md << std::ifstream(md_path).rdbuf();
  EXPECT_NE(md.str().find("## User\n\nHello\n"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("**System:** Be kind."), std::string::npos);
  auto bad = apply_slash_command(*s, "tiny", "/save /nonexistent-dir/x.json", &reply);
  EXPECT_FALSE(bad.ok());
  ASSERT_TRUE(apply_slash_command(*s, "tiny", "/reset", &reply).ok());
  EXPECT_TRUE(s->messages().empty());
  EXPECT_EQ(s->settings().system, "Be kind.");
}

}  // namespace
}  // namespace glassbox::chat_cli
