// glassbox serve: the Anthropic Messages + OpenAI compatible HTTP server over one model.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "args.h"
#include "commands.h"
#include "default_model.h"
#include "server/server.h"
#include "store/store.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox serve [-m MODEL.gguf] [options]\n"
    "  -m, --model FILE        GGUF model (default: the storyteller reference model when present)\n"
    "  --host HOST             address to listen on (default 127.0.0.1; others need --api-key)\n"
    "  --port N                port (default 8080; 0 = any free port)\n"
    "  --api-key KEY           also accept KEY (x-api-key or Authorization: Bearer) for this run; not stored\n"
    "  --db URL                keys, quotas, usage ledger: sqlite:PATH or postgres://user@host:port/db, none\n"
    "                          (default $GLASSBOX_DB, else sqlite:glassbox.db); see glassbox keys / usage\n"
    "  -c, --ctx N             context size per slot (default: min(trained, 4096))\n"
    "  --parallel N            requests generating at once, batched into one forward pass (default 4)\n"
    "  -t, --threads N         threads (default: all cores)\n"
    "  --model-name NAME       id reported by /v1/models (default: the file's stem)\n"
    "  --chat-template FILE    Jinja chat template to use instead of the model's\n"
    "  --queue N               requests that may wait for a free slot (default 8)\n";

}  // namespace

int cmd_serve(int argc, char** argv) {
  auto args = Args::parse(argc, argv,
                          {"-m|--model", "--host", "--port", "--api-key", "--db", "-c|--ctx", "-t|--threads", "--model-name",
                           "--queue", "--chat-template", "--parallel"},
                          {"-h|--help"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox serve: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  server::ServerOptions opt;
  opt.model_path = args->get_or("-m", "");
  if (opt.model_path.empty()) opt.model_path = app::default_model_path();
  if (opt.model_path.empty()) {
    std::fprintf(stderr, "glassbox serve: no default model found; pass -m MODEL.gguf\n%s", kUsage);
    return 2;
  }
  opt.host = args->get_or("--host", opt.host);
  opt.api_key = args->get_or("--api-key", "");
  opt.db = store::resolve_db_url(args->get_or("--db", ""));
  if (opt.db == "none") opt.db.clear();
  opt.model_name = args->get_or("--model-name", "");
  opt.chat_template_path = args->get_or("--chat-template", "");
  auto port = args->get_int("--port", 8080);
  auto ctx = args->get_int("-c", 0);
  auto threads = args->get_int("-t", 0);
  auto queue = args->get_int("--queue", opt.max_waiting);
  auto parallel = args->get_int("--parallel", opt.n_parallel);
  for (const Status* s : {&port.status(), &ctx.status(), &threads.status(), &queue.status(), &parallel.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "glassbox serve: %s\n", s->message().c_str());
      return 2;
    }
  }
  if (*port < 0 || *port > 65535 || *ctx < 0 || *threads < 0 || *queue < 0) {
    std::fprintf(stderr, "glassbox serve: --port must be 0..65535; --ctx, --threads, --queue >= 0\n");
    return 2;
  }
  if (*parallel < 1 || *parallel > 256) {
    std::fprintf(stderr, "glassbox serve: --parallel must be 1..256, got %lld\n", static_cast<long long>(*parallel));
    return 2;
  }
  opt.n_parallel = static_cast<int>(*parallel);
  opt.port = static_cast<int>(*port);
  opt.n_ctx = *ctx;
  opt.n_threads = static_cast<int>(*threads);
  opt.max_waiting = static_cast<int>(*queue);
  // SIGINT/SIGTERM are blocked in every thread and taken by one waiter thread, which stops the server (stopping
  // from a signal handler would not be async-signal-safe).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto srv = server::Server::create(opt);
  if (!srv.ok()) {
    std::fprintf(stderr, "glassbox serve: %s\n", srv.status().message().c_str());
    return 1;
  }
  server::Server* running = srv->get();
  std::thread waiter([&signals, running] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != 0) running->stop();
  });
  std::fprintf(stderr, "glassbox serve: %s on http://%s:%d\n", opt.model_path.c_str(), opt.host.c_str(),
               (*srv)->port());
  std::fflush(stderr);
  (*srv)->listen();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter when the server stopped on its own
  waiter.join();
  return 0;
}

}  // namespace glassbox::app
