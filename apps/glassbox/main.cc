// glassbox: one binary, many subcommands.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

namespace {

struct Command {
  const char* name;
  int (*fn)(int, char**);
  const char* help;
};

constexpr Command kCommands[] = {
    {"run", glassbox::app::cmd_run, "generate text from a prompt: run -m MODEL.gguf -p PROMPT [-n N]"},
    {"logits", glassbox::app::cmd_logits, "write reference-format logits: logits -m MODEL --prompt-file F --json OUT"},
    {"tokenize", glassbox::app::cmd_tokenize, "tokenize text: tokenize -m MODEL_OR_VOCAB (-p TEXT | --vocab-test F)"},
    {"inspect", glassbox::app::cmd_inspect, "print a GGUF file's metadata and tensor table"},
    {"bench", glassbox::app::cmd_bench, "measure pp/tg speed like llama-bench: bench -m MODEL [-p 512] [-n 128] [-t T] [-r 3] [--json]"},
    {"tokenizer", glassbox::app::cmd_tokenizer, "train a byte-level BPE tokenizer: tokenizer train --input TEXT --vocab-size N --out DIR"},
    {"data", glassbox::app::cmd_data, "tokenize a corpus into shards: data prepare --input TEXT --tokenizer T --out DIR"},
    {"train", glassbox::app::cmd_train, "train a model on shards: train --data DIR --d-model D --layers L ... --out DIR"},
    {"scale", glassbox::app::cmd_scale, "scaling laws: scale run PLAN | fit RUNS.jsonl | predict | report DIR | plot DIR"},
    {"agent", glassbox::app::cmd_agent, "coding agent over the Messages API: agent [-p TASK] [--output-format json]"},
    {"serve", glassbox::app::cmd_serve, "Anthropic Messages + OpenAI compatible HTTP server: serve [-m MODEL.gguf] [--port 8080]"},
    {"keys", glassbox::app::cmd_keys, "API keys for serve: keys create NAME [--rpm N] [--tokens-per-day N] | list | revoke ID|PREFIX"},
    {"usage", glassbox::app::cmd_usage, "usage per key and period from the ledger: usage [--key K] [--since DATE] [--by day|key] [--json]"},
    {"chat", glassbox::app::cmd_chat, "talk with a model in the terminal: chat [-m MODEL.gguf] [--system TEXT]"},
    {"synth", glassbox::app::cmd_synth, "write a random-weight model of a real shape: synth --shape S --type T -o F"},
};

void usage(FILE* out) {
  std::fprintf(out, "usage: glassbox COMMAND [options]\n\ncommands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.help);
  std::fprintf(out, "\n'glassbox COMMAND --help' shows a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    usage(stdout);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (name == c.name) return c.fn(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "glassbox: unknown command '%s'\n\n", name.c_str());
  usage(stderr);
  return 2;
}
