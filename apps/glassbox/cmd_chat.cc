// glassbox chat: an interactive conversation with a model in the terminal (or over piped stdin).
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "args.h"
#include "base/mapped_file.h"
#include "chat_cli/chat_session.h"
#include "chat_cli/input_assembler.h"
#include "chat_cli/slash_command.h"
#include "commands.h"
#include "default_model.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox chat [-m MODEL.gguf] [options]\n"
    "  -m, --model FILE        GGUF model (default: the house model, models/house.gguf)\n"
    "  --system TEXT           system prompt\n"
    "  -n, --max-tokens N      at most N tokens per reply (default 512)\n"
    "  --temp T                temperature (default 0.8; 0 = greedy)\n"
    "  --top-k K               (default 40; 0 = off)\n"
    "  --top-p P               (default 0.95; 1 = off)\n"
    "  --min-p P               (default 0.05; 0 = off)\n"
    "  --seed S                reproducible sampling (default: random)\n"
    "  -c, --ctx N             context size (default: min(trained, 4096))\n"
    "  -t, --threads N         threads (default: all cores)\n"
    "  --chat-template FILE    Jinja chat template to use instead of the model's\n"
    "  -v, --verbose           after each reply, print token counts and speed to stderr\n"
    "Type /help in the chat for its commands. Ctrl-C stops a reply; Ctrl-C or Ctrl-D at the prompt exits.\n"
    "With stdin not a terminal, each line (or \\-continued / \"\"\" block) is one message; replies go to\n"
    "stdout, everything else to stderr.\n";

// Set by SIGINT; the reply loop polls it between tokens. The handler also writes a byte to a pipe that the
// prompt's poll() watches (the self-pipe trick): a Ctrl-C that lands between printing the prompt and starting
// to wait is not lost.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);
int g_wake_pipe[2] = {-1, -1};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  const int saved = errno;
  if (g_wake_pipe[1] >= 0) [[maybe_unused]] auto n = ::write(g_wake_pipe[1], "x", 1);
  errno = saved;
}

void drain_wake_pipe() {
  char buf[64];
  while (g_wake_pipe[0] >= 0 && ::read(g_wake_pipe[0], buf, sizeof buf) > 0) {
  }
}

enum class ReadResult { kLine, kEof, kInterrupted };

// Reads one line from fd 0, waiting in poll() on stdin and the wake pipe, so that Ctrl-C ends the wait.
class LineReader {
 public:
  ReadResult read_line(std::string* line) {
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        *line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return ReadResult::kLine;
      }
      if (g_interrupted.load()) return ReadResult::kInterrupted;
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {g_wake_pipe[0], POLLIN, 0}};
      if (::poll(fds, g_wake_pipe[0] >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) return ReadResult::kEof;
      if (g_interrupted.load()) return ReadResult::kInterrupted;
      if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[4096];
      ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) {
        if (g_interrupted.load()) return ReadResult::kInterrupted;
        continue;
      }
      if (buffer_.empty()) return ReadResult::kEof;
      *line = std::move(buffer_);  // the last line had no newline
      buffer_.clear();
      return ReadResult::kLine;
    }
  }

 private:
  std::string buffer_;
};

void notice(const std::string& text) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", text.c_str());
}

const char* finish_note(chat_cli::TurnFinish finish) {
  switch (finish) {
    case chat_cli::TurnFinish::kStopped: return "[stopped]";
    case chat_cli::TurnFinish::kContextFull: return "[the context is full: /reset or a larger --ctx]";
    case chat_cli::TurnFinish::kMaxTokens: return "[max tokens reached: /max N raises it]";
    case chat_cli::TurnFinish::kEndTurn: return nullptr;
  }
  return nullptr;
}

}  // namespace

int cmd_chat(int argc, char** argv) {
  auto args = Args::parse(argc, argv,
                          {"-m|--model", "--system", "-n|--max-tokens", "--temp|--temperature", "--top-k", "--top-p",
                           "--min-p", "--seed", "-c|--ctx", "-t|--threads", "--chat-template"},
                          {"-h|--help", "--verbose|-v"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox chat: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string model_path = args->get_or("-m", "");
  if (model_path.empty()) model_path = app::default_model_path();
  if (model_path.empty()) {
    std::fprintf(stderr, "glassbox chat: no -m MODEL.gguf given and no default model found (models/house.gguf)\n%s",
                 kUsage);
    return 2;
  }
  chat_cli::ChatSettings settings;
  auto max_tokens = args->get_int("-n", settings.max_tokens);
  auto temp = args->get_double("--temp", settings.sampling.temperature);
  auto top_k = args->get_int("--top-k", settings.sampling.top_k);
  auto top_p = args->get_double("--top-p", settings.sampling.top_p);
  auto min_p = args->get_double("--min-p", settings.sampling.min_p);
  auto seed = args->get_int("--seed", -1);
  auto ctx_size = args->get_int("-c", 0);
  auto threads = args->get_int("-t", 0);
  for (const Status* s : {&max_tokens.status(), &temp.status(), &top_k.status(), &top_p.status(), &min_p.status(),
                          &seed.status(), &ctx_size.status(), &threads.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "glassbox chat: %s\n", s->message().c_str());
      return 2;
    }
  }
  settings.max_tokens = *max_tokens;
  settings.sampling.temperature = static_cast<float>(*temp);
  settings.sampling.top_k = static_cast<int32_t>(*top_k);
  settings.sampling.top_p = static_cast<float>(*top_p);
  settings.sampling.min_p = static_cast<float>(*min_p);
  settings.fixed_seed = *seed >= 0;
  settings.seed = *seed >= 0 ? static_cast<uint64_t>(*seed) : 0;
  settings.system = args->get_or("--system", "");
  if (Status s = settings.sampling.validate(); !s.ok()) {
    std::fprintf(stderr, "glassbox chat: %s\n", s.message().c_str());
    return 2;
  }
  if (settings.max_tokens < 1 || *ctx_size < 0 || *threads < 0 || *temp < 0 || *temp > 2) {
    std::fprintf(stderr, "glassbox chat: --max-tokens must be >= 1; --temp between 0 and 2; --ctx, --threads >= 0\n");
    return 2;
  }
  chat_cli::ChatSessionOptions options;
  options.n_ctx = *ctx_size;
  options.n_threads = static_cast<int>(*threads);
  if (auto file = args->get("--chat-template")) {
    auto text = read_file_to_string(*file);
    if (!text.ok()) {
      std::fprintf(stderr, "glassbox chat: %s\n", text.status().message().c_str());
      return 1;
    }
    options.chat_template_source = *text;
  }

  // SIGINT is blocked while the model loads and the session starts its worker threads, which inherit the mask:
  // only the main thread takes Ctrl-C, so that the read() it blocks in at the prompt is the call interrupted.
  sigset_t sigint_set;
  sigemptyset(&sigint_set);
  sigaddset(&sigint_set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigint_set, nullptr);
  auto model = model::Model::load(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "glassbox chat: %s\n", model.status().message().c_str());
    return 1;
  }
  auto session = chat_cli::ChatSession::create(*model, options);
  if (!session.ok()) {
    std::fprintf(stderr, "glassbox chat: %s\n", session.status().message().c_str());
    return 1;
  }
  chat_cli::ChatSession& chat = **session;
  chat.settings() = settings;
  const std::string model_name = std::filesystem::path(model_path).stem().string();

  if (::pipe2(g_wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) g_wake_pipe[0] = g_wake_pipe[1] = -1;
  struct sigaction sa = {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a Ctrl-C at the prompt must end the blocked read()
  sigaction(SIGINT, &sa, nullptr);
  pthread_sigmask(SIG_UNBLOCK, &sigint_set, nullptr);  // a Ctrl-C pressed while loading arrives here
  if (g_interrupted.load()) return 0;

  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  if (interactive) {
    std::printf("glassbox chat: %s (context %lld tokens, %s chat template). /help for commands, Ctrl-D to exit.\n",
                model_name.c_str(), static_cast<long long>(chat.n_ctx()),
                chat.has_own_template() ? "the model's" : "default ChatML");
  }
  LineReader reader;
  chat_cli::InputAssembler assembler;
  auto send = [&](const std::string& text) {
    g_interrupted.store(false);
    auto stats = chat.send(
        text,
        [](std::string_view piece) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
        },
        &g_interrupted);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    g_interrupted.store(false);
    drain_wake_pipe();
    if (!stats.ok()) {
      notice("error: " + stats.status().message());
      return;
    }
    if (const char* note = finish_note(stats->finish)) notice(note);
    if (stats->dropped_messages > 0) {
      notice(str_format("[the %d oldest messages no longer fit the context and were left out]",
                        stats->dropped_messages));
    }
    if (args->has("--verbose")) {
      notice(str_format("[prompt %lld tokens (%lld reused, %lld computed in %.2f s); %lld generated in %.2f s, "
                        "%.1f tokens/s]",
                        static_cast<long long>(stats->prompt_tokens), static_cast<long long>(stats->reused_tokens),
                        static_cast<long long>(stats->prompt_tokens - stats->reused_tokens), stats->prefill_s,
                        static_cast<long long>(stats->generated_tokens), stats->generation_s,
                        stats->generation_s > 0 ? stats->generated_tokens / stats->generation_s : 0.0));
    }
  };

  for (;;) {
    if (interactive) {
      std::fputs(assembler.pending() ? "... " : ">>> ", stdout);
      std::fflush(stdout);
    }
    std::string line;
    ReadResult r = reader.read_line(&line);
    if (r == ReadResult::kInterrupted) {
      if (interactive) std::fputc('\n', stdout);
      break;
    }
    if (r == ReadResult::kEof) {
      if (assembler.pending()) send(assembler.take_partial());
      if (interactive) std::fputc('\n', stdout);
      break;
    }
    if (!assembler.pending() && chat_cli::is_slash_command(line)) {
      std::string reply;
      auto outcome = chat_cli::apply_slash_command(chat, model_name, line, &reply);
      if (!outcome.ok()) {
        notice("error: " + outcome.status().message());
        continue;
      }
      if (*outcome == chat_cli::CommandOutcome::kExit) break;
      if (!reply.empty()) notice(reply.back() == '\n' ? reply.substr(0, reply.size() - 1) : reply);
      continue;
    }
    auto message = assembler.feed(line);
    if (!message || message->empty()) continue;
    send(*message);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace glassbox::app
