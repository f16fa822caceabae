// glassbox run: generate text from a prompt, streamed to stdout as it is produced.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "args.h"
#include "commands.h"
#include "default_model.h"
#include "engine/sampler.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox run -m MODEL.gguf -p PROMPT [options]\n"
    "  -m, --model FILE        GGUF model (default: the house model, models/house.gguf)\n"
    "  -p, --prompt TEXT       prompt text (or -f FILE)\n"
    "  -f, --file FILE         read the prompt from a file\n"
    "  -n, --n-predict N       tokens to generate (default 128; stops early at end-of-generation)\n"
    "  --temp T                temperature (default 0.8; 0 = greedy)\n"
    "  --top-k K               (default 40; 0 = off)\n"
    "  --top-p P               (default 0.95; 1 = off)\n"
    "  --min-p P               (default 0.05; 0 = off)\n"
    "  --repeat-penalty R      (default 1.0 = off)\n"
    "  --frequency-penalty F, --presence-penalty P, --repeat-last-n N\n"
    "  --seed S                random seed (default: random)\n"
    "  -t, --threads N         threads (default: all cores)\n"
    "  -c, --ctx N             context size (default: min(trained, 4096))\n"
    "  --special               parse special tokens in the prompt (e.g. <|im_start|>)\n"
    "  --no-bos                do not add BOS even if the model asks for it\n"
    "  --ignore-eos            keep generating past end-of-generation tokens\n"
    "  --verbose               print timings to stderr\n";

int fail(const Status& s) {
  std::fprintf(stderr, "glassbox run: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  auto args = Args::parse(argc, argv,
                          {"-m|--model", "-p|--prompt", "-f|--file", "-n|--n-predict", "--temp|--temperature",
                           "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--frequency-penalty",
                           "--presence-penalty", "--repeat-last-n", "--seed|-s", "-t|--threads", "-c|--ctx"},
                          {"-h|--help", "--special", "--no-bos", "--ignore-eos", "--verbose|-v"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox run: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::optional<std::string> model_path = args->get("-m");
  if (!model_path) {
    std::string fallback = app::default_model_path();
    if (fallback.empty()) {
      std::fprintf(stderr, "glassbox run: no -m MODEL.gguf given and no default model found (models/house.gguf)\n%s",
                   kUsage);
      return 2;
    }
    model_path = fallback;
  }
  std::string prompt = args->get_or("-p", "");
  if (auto file = args->get("-f")) {
    auto text = read_file_to_string(*file);
    if (!text.ok()) return fail(text.status());
    prompt = *text;
  }
  engine::SamplingParams sp;
  auto n_predict = args->get_int("-n", 128);
  auto temp = args->get_double("--temp", sp.temperature);
  auto top_k = args->get_int("--top-k", sp.top_k);
  auto top_p = args->get_double("--top-p", sp.top_p);
  auto min_p = args->get_double("--min-p", sp.min_p);
  auto rp = args->get_double("--repeat-penalty", sp.repeat_penalty);
  auto fp = args->get_double("--frequency-penalty", sp.frequency_penalty);
  auto pp = args->get_double("--presence-penalty", sp.presence_penalty);
  auto last_n = args->get_int("--repeat-last-n", sp.penalty_last_n);
  auto seed = args->get_int("--seed", -1);
  auto threads = args->get_int("-t", 0);
  auto ctx_size = args->get_int("-c", 0);
  for (const Status* s : {&n_predict.status(), &temp.status(), &top_k.status(), &top_p.status(), &min_p.status(),
                          &rp.status(), &fp.status(), &pp.status(), &last_n.status(), &seed.status(),
                          &threads.status(), &ctx_size.status()}) {
    if (!s->ok()) {
      std::fprintf(stderr, "glassbox run: %s\n", s->message().c_str());
      return 2;
    }
  }
  sp.temperature = static_cast<float>(*temp);
  sp.top_k = static_cast<int32_t>(*top_k);
  sp.top_p = static_cast<float>(*top_p);
  sp.min_p = static_cast<float>(*min_p);
  sp.repeat_penalty = static_cast<float>(*rp);
  sp.frequency_penalty = static_cast<float>(*fp);
  sp.presence_penalty = static_cast<float>(*pp);
  sp.penalty_last_n = static_cast<int32_t>(*last_n);
  sp.seed = *seed >= 0 ? static_cast<uint64_t>(*seed) : std::random_device{}();
  if (Status s = sp.validate(); !s.ok()) {
    std::fprintf(stderr, "glassbox run: %s\n", s.message().c_str());
    return 2;
  }
  if (*threads < 0 || *ctx_size < 0) {
    std::fprintf(stderr, "glassbox run: --threads and --ctx must be >= 0\n");
    return 2;
  }

  auto model = model::Model::load(*model_path);
  if (!model.ok()) return fail(model.status());
  auto tok = tokenizer::Tokenizer::from_gguf((*model)->gguf());
  if (!tok.ok()) return fail(tok.status());
  const tokenizer::Tokenizer& tk = **tok;

  const bool add_bos = tk.add_bos_default() && !args->has("--no-bos");
  std::vector<int32_t> tokens = tk.encode(prompt, add_bos, args->has("--special"));
  if (tokens.empty()) {
    if (tk.bos_id() < 0) return fail(invalid_argument("the prompt is empty and the model has no BOS token to start from"));
    tokens.push_back(tk.bos_id());
  }
  model::ContextOptions co;
  co.n_threads = static_cast<int>(*threads);
  co.n_ctx = *ctx_size;
  model::Context ctx(*model, co);
  if (static_cast<int64_t>(tokens.size()) >= ctx.n_ctx()) {
    return fail(out_of_range(str_format("the prompt is %zu tokens, the context holds %lld (raise --ctx)", tokens.size(),
                                        static_cast<long long>(ctx.n_ctx()))));
  }

  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  std::vector<float> logits;
  if (Status s = ctx.forward(tokens, model::LogitsMode::kLast, &logits); !s.ok()) return fail(s);
  auto t1 = Clock::now();
  engine::Sampler sampler(sp);
  tokenizer::StreamDecoder decoder(tk);
  int64_t generated = 0;
  for (; generated < *n_predict || *n_predict < 0; ++generated) {
    if (ctx.n_past() >= ctx.n_ctx()) {
      std::fprintf(stderr, "\nglassbox run: context full (%lld tokens)\n", static_cast<long long>(ctx.n_ctx()));
      break;
    }
    int32_t next = sampler.sample(logits, tokens);
    if (tk.is_end_of_generation(next) && !args->has("--ignore-eos")) break;
    tokens.push_back(next);
    std::string piece = decoder.push(next);
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    if (Status s = ctx.forward(std::span<const int32_t>(&next, 1), model::LogitsMode::kLast, &logits); !s.ok()) {
      return fail(s);
    }
  }
  std::string rest = decoder.flush();
  std::fwrite(rest.data(), 1, rest.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  auto t2 = Clock::now();
  if (args->has("--verbose")) {
    double pp_s = std::chrono::duration<double>(t1 - t0).count();
    double tg_s = std::chrono::duration<double>(t2 - t1).count();
    std::fprintf(stderr, "prompt: %lld tokens in %.2f s (%.1f t/s); generated: %lld tokens in %.2f s (%.1f t/s)\n",
                 static_cast<long long>(tokens.size() - generated), pp_s, (tokens.size() - generated) / pp_s,
                 static_cast<long long>(generated), tg_s, generated / tg_s);
  }
  return 0;
}

}  // namespace glassbox::app
