// glassbox logits: a prompt's logits in the reference format of ../shared/fixtures/golden/*.json.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "args.h"
#include "base/mapped_file.h"
#include "commands.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::app {
namespace {

constexpr const char* kUsage =
    "usage: glassbox logits -m MODEL.gguf --prompt-file FILE --json OUT.json [options]\n"
    "  writes: model, prompt, n_vocab, tokens (BOS as the model's metadata says, special tokens not parsed),\n"
    "  top (10 highest logits at every position), full_logits_positions [0, n/2, n-1], full_logits,\n"
    "  greedy / greedy_text (24 greedy tokens after the prompt)\n"
    "  -t, --threads N   threads (default: all cores)\n"
    "  --n-greedy N      greedy tokens to add (default 24; 0 = none)\n";

int fail(const Status& s) {
  std::fprintf(stderr, "glassbox logits: %s\n", s.message().c_str());
  return 1;
}

double round4(float v) { return std::round(static_cast<double>(v) * 1e4) / 1e4; }

// Bytes that are not valid UTF-8 become U+FFFD, so the JSON is valid.
std::string sanitize_utf8(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

}  // namespace

int cmd_logits(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"-m|--model", "--prompt-file|-f", "--json|-o", "-t|--threads", "--n-greedy"},
                          {"-h|--help"});
  if (!args.ok()) {
    std::fprintf(stderr, "glassbox logits: %s\n%s", args.status().message().c_str(), kUsage);
    return 2;
  }
  if (args->has("-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  auto model_path = args->get("-m");
  auto prompt_file = args->get("--prompt-file");
  auto out_path = args->get("--json");
  auto threads = args->get_int("-t", 0);
  auto n_greedy = args->get_int("--n-greedy", 24);
  if (!model_path || !prompt_file || !out_path || !threads.ok() || !n_greedy.ok() || *threads < 0 || *n_greedy < 0) {
    std::fprintf(stderr, "glassbox logits: -m, --prompt-file and --json are required; numbers must be >= 0\n%s", kUsage);
    return 2;
  }
  auto prompt = read_file_to_string(*prompt_file);
  if (!prompt.ok()) return fail(prompt.status());
  auto model = model::Model::load(*model_path);
  if (!model.ok()) return fail(model.status());
  auto tok = tokenizer::Tokenizer::from_gguf((*model)->gguf());
  if (!tok.ok()) return fail(tok.status());
  const tokenizer::Tokenizer& tk = **tok;

  std::vector<int32_t> tokens = tk.encode(*prompt, tk.add_bos_default(), /*parse_special=*/false);
  if (tokens.empty()) return fail(invalid_argument("the prompt produced no tokens"));
  model::ContextOptions co;
  co.n_threads = static_cast<int>(*threads);
  co.n_ctx = static_cast<int64_t>(tokens.size()) + *n_greedy + 1;
  model::Context ctx(*model, co);
  std::vector<float> logits;
  if (Status s = ctx.forward(tokens, model::LogitsMode::kAll, &logits); !s.ok()) return fail(s);
  const int64_t vocab = (*model)->config().vocab_size;
  const int64_t n = static_cast<int64_t>(tokens.size());

  nlohmann::json j;
  j["model"] = std::filesystem::path(*model_path).filename().string();
  j["prompt"] = sanitize_utf8(*prompt);
  j["n_vocab"] = vocab;
  j["tokens"] = tokens;
  nlohmann::json top = nlohmann::json::array();
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  for (int64_t t = 0; t < n; ++t) {
    const float* row = &logits[t * vocab];
    for (int32_t v = 0; v < vocab; ++v) order[v] = v;
    const int64_t k = std::min<int64_t>(10, vocab);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t a, int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    nlohmann::json entries = nlohmann::json::array();
    for (int64_t i = 0; i < k; ++i) entries.push_back({order[i], round4(row[order[i]])});
    top.push_back(entries);
  }
  j["top"] = top;
  std::vector<int64_t> positions = {0, n / 2, n - 1};
  j["full_logits_positions"] = positions;
  nlohmann::json full = nlohmann::json::array();
  std::vector<int64_t> written;
  for (int64_t p : positions) {
    if (std::find(written.begin(), written.end(), p) != written.end()) continue;  // each distinct position once
    written.push_back(p);
    std::vector<double> row(static_cast<size_t>(vocab));
    for (int64_t v = 0; v < vocab; ++v) row[v] = round4(logits[p * vocab + v]);
    full.push_back(row);
  }
  j["full_logits"] = full;

  if (*n_greedy > 0) {
    std::vector<int32_t> greedy;
    std::vector<float> last(logits.end() - vocab, logits.end());
    std::string text;
    for (int64_t g = 0; g < *n_greedy; ++g) {
      int32_t next = static_cast<int32_t>(std::max_element(last.begin(), last.end()) - last.begin());
      greedy.push_back(next);
      text += tk.token_piece(next);
      if (Status s = ctx.forward(std::span<const int32_t>(&next, 1), model::LogitsMode::kLast, &last); !s.ok()) {
        return fail(s);
      }
    }
    j["greedy"] = greedy;
    j["greedy_text"] = sanitize_utf8(text);
  }
  std::string body = j.dump();
  if (Status s = write_file_atomic(*out_path, body.data(), body.size()); !s.ok()) return fail(s);
  return 0;
}

}  // namespace glassbox::app
