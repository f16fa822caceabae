// glassbox tokenize: text -> token ids for a model's vocabulary (GGUF or tokenizer.json folder),
// and llama.cpp's vocabulary tests (--vocab-test FILE.inp prints lines comparable to FILE.out).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "args.h"
#include "commands.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_test_format.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox tokenize -m MODEL_OR_VOCAB (-p TEXT | -f FILE | --vocab-test FILE.inp)\n"
    "                         [--add-bos] [--parse-special] [--ids]\n"
    "  -m, --model PATH     a .gguf file, or a folder holding tokenizer.json\n"
    "  -p, --prompt TEXT    tokenize TEXT: one line per token, \"   id -> 'piece'\"\n"
    "  -f, --file FILE      tokenize the contents of FILE (same output)\n"
    "  --vocab-test FILE    llama.cpp vocabulary test: for each string of FILE (separated by the line\n"
    "                       __ggml_vocab_test__) one line of ids, no BOS, specials not parsed,\n"
    "                       in the format of the matching .out file\n"
    "  --add-bos            put BOS first (-p/-f)\n"
    "  --parse-special      text matching special tokens becomes those tokens (-p/-f)\n"
    "  --ids                print only the ids, space separated on one line (-p/-f)\n";

int fail(const std::string& message) {
  std::fprintf(stderr, "glassbox tokenize: %s\n", message.c_str());
  return 1;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "glassbox tokenize: %s\n%s", message.c_str(), kUsage);
  return 2;
}

void write(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"-m|--model", "-p|--prompt", "-f|--file", "--vocab-test"},
                          {"-h|--help", "--add-bos", "--parse-special", "--ids"});
  if (!args.ok()) return usage_error(args.status().message());
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args->positionals().empty()) return usage_error("unexpected argument '" + args->positionals()[0] + "'");
  const auto model = args->get("-m");
  if (!model) return usage_error("-m MODEL_OR_VOCAB is required");
  const int n_modes = args->has("-p") + args->has("-f") + args->has("--vocab-test");
  if (n_modes != 1) return usage_error("give exactly one of -p, -f, --vocab-test");

  auto tok = tokenizer::Tokenizer::load(*model);
  if (!tok.ok()) return fail(tok.status().message());
  const tokenizer::Tokenizer& tokenizer = **tok;

  if (auto test_file = args->get("--vocab-test")) {
    auto inputs = tokenizer::read_vocab_test_inputs(*test_file);
    if (!inputs.ok()) return fail(inputs.status().message());
    std::string out;
    for (const std::string& input : *inputs) {
      out += tokenizer::format_vocab_test_ids(tokenizer.encode(input, false, false));
      out += '\n';
    }
    write(out);
    return 0;
  }

  std::string text;
  if (auto prompt = args->get("-p")) {
    text = *prompt;
  } else {
    const std::string path = *args->get("-f");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot open '" + path + "'");
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  const std::vector<int32_t> ids = tokenizer.encode(text, args->has("--add-bos"), args->has("--parse-special"));
  std::string out;
  if (args->has("--ids")) {
    out = tokenizer::format_vocab_test_ids(ids);
    if (!out.empty()) out.erase(0, 1);
    out += '\n';
  } else {
    for (int32_t id : ids) out += str_format("%6d -> '", id) + tokenizer.token_piece(id) + "'\n";
  }
  write(out);
  return 0;
}

}  // namespace glassbox::app
