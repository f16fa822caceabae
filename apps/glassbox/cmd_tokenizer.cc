// glassbox tokenizer: train a byte-level BPE tokenizer on text.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "args.h"
#include "base/mapped_file.h"
#include "commands.h"
#include "data/bpe_trainer.h"
#include "data/documents.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox tokenizer train --input DIR_OR_FILES --vocab-size N --out DIR [options]\n"
    "  --input PATHS        folders, text files or .tar(.gz|.xz) archives, comma-separated\n"
    "                       (more may follow as positional arguments)\n"
    "  --vocab-size N       total tokens: specials + 256 bytes + merges (default 4096)\n"
    "  --out DIR            writes DIR/tokenizer.json, DIR/tokenizer_config.json, DIR/vocab.gguf\n"
    "  --special TOKEN      special token(s), comma-separated, ids 0.. (default <|endoftext|>)\n"
    "  --min-count N        stop when the best pair occurs fewer times (default 2)\n";

int fail(const Status& s) {
  std::fprintf(stderr, "glassbox tokenizer train: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int cmd_tokenizer(int argc, char** argv) {
  if (argc < 1 || std::string(argv[0]) != "train") {
    std::fputs(kUsage,
               argc >= 1 && (std::string(argv[0]) == "--help" || std::string(argv[0]) == "-h")
                   ? stdout
                   : stderr);
    return argc >= 1 && (std::string(argv[0]) == "--help" || std::string(argv[0]) == "-h") ? 0 : 2;
  }
  auto args = Args::parse(argc - 1, argv + 1,
                          {"--input|-i", "--vocab-size", "--out|-o", "--special", "--min-count"},
                          {"-h|--help"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox tokenizer train: %s\n%s", args.status().message().c_str(),
                 kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::vector<std::string> inputs = split_list(args->get_or("--input", ""));
  for (const auto& p : args->positionals()) inputs.push_back(p);
  auto out = args->get("--out");
  auto vocab_size = args->get_int("--vocab-size", 4096);
  auto min_count = args->get_int("--min-count", 2);
  if (inputs.empty() || !out) {
    std::fprintf(stderr, "glassbox tokenizer train: --input and --out are required\n%s", kUsage);
    return 2;
  }
  if (!vocab_size.ok()) return fail(vocab_size.status());
  if (!min_count.ok()) return fail(min_count.status());
  data::BpeTrainerOptions opt;
  opt.vocab_size = *vocab_size;
  opt.min_pair_count = std::max<int64_t>(1, *min_count);
  if (auto sp = args->get("--special")) opt.specials = split_list(*sp);
  auto trainer = data::BpeTrainer::create(opt);
  if (!trainer.ok()) return fail(trainer.status());

  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(*out, ec);
  if (ec) return fail(io_error("cannot create '" + *out + "': " + ec.message()));
  const std::string scratch = (std::filesystem::path(*out) / ".unpacked").string();
  auto docs = data::list_documents(inputs, scratch);
  if (!docs.ok()) return fail(docs.status());
  int64_t used = 0;
  for (const data::Document& doc : *docs) {
    auto text = data::read_text_document(doc);
    if (!text.ok()) {
      if (text.status().code() != StatusCode::kInvalidArgument) return fail(text.status());
      std::fprintf(stderr, "glassbox tokenizer train: warning: skipping %s\n",
                   text.status().message().c_str());
      continue;
    }
    trainer->add_text(*text);
    ++used;
  }
  std::filesystem::remove_all(scratch, ec);
  const double count_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "glassbox tokenizer train: %lld documents, %.1f MB, %lld distinct words (%.1f s)\n",
               (long long)used, trainer->n_bytes() / 1e6, (long long)trainer->n_words(), count_s);
  auto vocab = trainer->train();
  if (!vocab.ok()) return fail(vocab.status());
  if (static_cast<int64_t>(vocab->tokens.size()) < opt.vocab_size)
    std::fprintf(stderr,
                 "glassbox tokenizer train: warning: only %zu tokens (no pair occurs %lld times "
                 "any more)\n",
                 vocab->tokens.size(), (long long)opt.min_pair_count);
  const std::string json = data::hf_tokenizer_json(*vocab);
  const std::string config = data::hf_tokenizer_config_json(*vocab);
  namespace fs = std::filesystem;
  for (const auto& [name, text] :
       {std::pair<std::string, const std::string*>{"tokenizer.json", &json},
        {"tokenizer_config.json", &config}}) {
    Status s = write_file_atomic((fs::path(*out) / name).string(), text->data(), text->size());
    if (!s.ok()) return fail(s);
  }
  if (Status s = data::write_vocab_gguf((fs::path(*out) / "vocab.gguf").string(), *vocab); !s.ok())
    return fail(s);
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "glassbox tokenizer train: %zu tokens (%zu merges) in %.1f s -> %s\n",
               vocab->tokens.size(), vocab->merges.size(), total_s, out->c_str());
  return 0;
}

}  // namespace glassbox::app
