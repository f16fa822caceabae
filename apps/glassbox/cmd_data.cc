// glassbox data prepare: tokenize a corpus into train/validation token shards.
#include <chrono>
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "data/prepare.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox data prepare --input DIR_OR_FILES --tokenizer TOKENIZER --out DIR [options]\n"
    "  --input PATHS        folders, text files or .tar(.gz|.xz) archives, comma-separated\n"
    "                       (more may follow as positional arguments); one file = one document\n"
    "  --tokenizer PATH     tokenizer.json, a folder holding one, or a .gguf (byte-level BPE)\n"
    "  --out DIR            writes train-*.bin, val-*.bin, tokenizer.gguf, manifest.json\n"
    "  --val-docs FILE      validation documents, one name per line (e.g. books/419.txt)\n"
    "  --val-frac F         else: a deterministic fraction of documents by name hash (default "
    "0.03)\n"
    "  --shard-tokens N     tokens per shard (default 67108864)\n"
    "  --eot TOKEN          document separator token (default <|endoftext|>)\n"
    "  --threads N          encoding threads (default: all cores)\n"
    "  --json               print a JSON summary as the last stdout line\n";

}  // namespace

int cmd_data(int argc, char** argv) {
  const std::string sub = argc >= 1 ? argv[0] : "";
  if (sub == "-h" || sub == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (sub != "prepare") {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto args = Args::parse(argc - 1, argv + 1,
                          {"--input|-i", "--tokenizer", "--out|-o", "--val-docs", "--val-frac",
                           "--shard-tokens", "--eot", "--threads|-t"},
                          {"-h|--help", "--json"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox data prepare: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  data::PrepareOptions opt;
  opt.inputs = split_list(args->get_or("--input", ""));
  for (const auto& p : args->positionals()) opt.inputs.push_back(p);
  opt.tokenizer = args->get_or("--tokenizer", "");
  opt.out_dir = args->get_or("--out", "");
  opt.val_docs_file = args->get_or("--val-docs", "");
  opt.eot_token = args->get_or("--eot", opt.eot_token);
  auto frac = args->get_double("--val-frac", opt.val_frac);
  auto shard = args->get_int("--shard-tokens", opt.shard_tokens);
  auto threads = args->get_int("--threads", 0);
  for (const Status* s : {&frac.status(), &shard.status(), &threads.status()})
    if (!s->ok()) {
      std::fprintf(stderr, "glassbox data prepare: %s\n", s->message().c_str());
      return 2;
    }
  if (opt.inputs.empty() || opt.tokenizer.empty() || opt.out_dir.empty()) {
    std::fprintf(stderr, "glassbox data prepare: --input, --tokenizer and --out are required\n%s",
                 kUsage);
    return 2;
  }
  opt.val_frac = *frac;
  opt.shard_tokens = std::max<int64_t>(1, *shard);
  opt.threads = static_cast<int>(*threads);
  const auto t0 = std::chrono::steady_clock::now();
  auto summary = data::prepare_data(opt, [](const std::string& line) {
    std::fprintf(stderr, "glassbox data prepare: warning: %s\n", line.c_str());
  });
  if (!summary.ok()) {
    const std::string& msg = summary.status().message();
    std::fprintf(stderr, "glassbox %s%s\n",
                 msg.rfind("data prepare: ", 0) == 0 ? "" : "data prepare: ", msg.c_str());
    return 1;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "glassbox data prepare: train %lld documents / %lld tokens, val %lld / %lld, "
               "%lld skipped; %.1f MB in %.1f s (%.2f MB/s, %.2f bytes/token) -> %s\n",
               (long long)summary->documents[0], (long long)summary->tokens[0],
               (long long)summary->documents[1], (long long)summary->tokens[1],
               (long long)summary->skipped, summary->bytes / 1e6, s, summary->bytes / 1e6 / s,
               static_cast<double>(summary->bytes) / (summary->tokens[0] + summary->tokens[1]),
               opt.out_dir.c_str());
  if (args->has("--json"))
    std::printf(
        "{\"train_documents\":%lld,\"train_tokens\":%lld,\"val_documents\":%lld,\"val_tokens\":%"
        "lld,"
        "\"skipped\":%lld,\"bytes\":%lld,\"seconds\":%.3f,\"vocab_size\":%lld}\n",
        (long long)summary->documents[0], (long long)summary->tokens[0],
        (long long)summary->documents[1], (long long)summary->tokens[1],
        (long long)summary->skipped, (long long)summary->bytes, s, (long long)summary->vocab_size);
  return 0;
}

}  // namespace glassbox::app
