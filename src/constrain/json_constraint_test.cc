// JsonConstraint: a "weak model" (random logits) sampling under the mask always writes JSON that parses and
// validates; end-of-generation only when complete; the mask's cost on 32k and 152k vocabularies.
#include "constrain/json_constraint.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include <unistd.h>

#include <gtest/gtest.h>

#include "constrain/schema_validator_testing.h"
#include "model/synth/synth_vocab.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace glassbox::constrain {
namespace {

using testing::Json;

constexpr int32_t kEos = 0;

// Every byte as its own token (so any text can be written), then pieces that straddle JSON structure.
std::shared_ptr<const VocabTrie> adversarial_vocab() {
  std::vector<std::string> pieces = {""};  // id 0: EOS
  for (int b = 1; b < 256; ++b) pieces.push_back(std::string(1, static_cast<char>(b)));
  for (const char* p : {"\"}", "{\"", "\":", "\": \"", "\"}]", "},{\"", "\",\"", "\\u", "\\ud83d", "\\ude00",
                        "D83D", "\\n", "\\\"", "\"\\", "true", "false", "null", "nul", "12", "1.5e", "-0",
                        "e+", "  ", "\n\n\n\n\n\n\n\n\n\n\n\n", "                         ", "[]", "{}", "[{",
                        "\xE2\x82", "\xAC\"", "\xF0\x9F", "\x98\x80", "\xC3\xA9", "\xE2\x82\xAC", "é\"}",
                        "name", "\"name", "name\"", "value", "a\"", ",\n  \"", "0]", "1,", "null}", "\"a\":1}"}) {
    pieces.push_back(p);
  }
  return std::make_shared<const VocabTrie>(std::move(pieces), std::vector<int32_t>{kEos});
}

// Random schemas over the supported subset; property names include quotes, escapes and non-ASCII.
class SchemaGen {
 public:
  explicit SchemaGen(uint64_t seed) : rng_(seed) {}

  Json make(int depth) {
    int pick = uniform(depth > 2 ? 6 : 10);
    switch (pick) {
      case 0: return string_schema();
      case 1: return {{"type", uniform(2) ? "number" : "integer"}};
      case 2: return {{"type", uniform(2) ? "boolean" : "null"}};
      case 3: return {{"enum", Json::array({"a\"b", 1, 12, nullptr, Json::object({{"k", Json::array({1, "é"})}})})}};
      case 4: return {{"const", uniform(2) ? Json("x\\y\n") : Json(-3.5)}};
      case 5: return {{"type", Json::array({"string", "null"})}, {"maxLength", 4}};
      case 6: case 7: return object_schema(depth);
      case 8: {
        Json a = {{"type", "array"}, {"items", make(depth + 1)}};
        if (uniform(2)) a["minItems"] = uniform(3);
        if (uniform(2)) a["maxItems"] = 3 + uniform(3);
        return a;
      }
      default: {
        Json alts = Json::array();
        for (int i = 0, n = 2 + uniform(2); i < n; ++i) alts.push_back(make(depth + 1));
        return {{uniform(2) ? "anyOf" : "oneOf", alts}};
      }
    }
  }

 private:
  int uniform(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  Json string_schema() {
    Json s = {{"type", "string"}};
    if (uniform(2)) s["minLength"] = uniform(4);
    if (uniform(2)) s["maxLength"] = 4 + uniform(8);
    return s;
  }

  Json object_schema(int depth) {
    static const char* kNames[] = {"name", "n", "na", "q\"uote", "sl\\ash", "é", "x y", "value", "\u00fcber"};
    if (uniform(6) == 0) return {{"type", "object"}};
    Json props = Json::object();
    Json required = Json::array();
    for (int i = 0, n = 1 + uniform(4); i < n; ++i) {
      std::string name = kNames[uniform(9)];
      if (props.contains(name)) continue;
      props[name] = make(depth + 1);
      if (uniform(2)) required.push_back(name);
    }
    Json o = {{"type", "object"}, {"properties", props}, {"required", required}};
    if (uniform(2)) o["additionalProperties"] = false;
    return o;
  }

  std::mt19937_64 rng_;
};

struct Sampled {
  std::string text;
  bool ended = false;  // stopped by EOS or finished()
};

// A weak model: Gaussian logits; after `patience` tokens it starts favouring closing characters and EOS so that
// unbounded strings and arrays end. Samples only allowed tokens (as the server's sampler does after apply()).
Sampled sample_under(JsonConstraint& c, const VocabTrie& vocab, std::mt19937_64& rng, int patience) {
  std::normal_distribution<float> noise(0.0f, 2.0f);
  std::vector<float> logits(static_cast<size_t>(vocab.vocab_size()) + 7);  // padded rows exist in real models
  Sampled out;
  for (int step = 0; step < 4000; ++step) {
    if (c.finished()) {
      out.ended = true;
      break;
    }
    for (size_t i = 0; i < logits.size(); ++i) {
      logits[i] = noise(rng);
      if (step > patience && i < static_cast<size_t>(vocab.vocab_size())) {
        const std::string& p = vocab.piece(static_cast<int32_t>(i));
        if (i == kEos || p == "\"" || p == "}" || p == "]" || p == "0") logits[i] += 8.0f;
      }
    }
    c.apply(logits);
    double total = 0;
    for (float l : logits) total += std::isinf(l) ? 0.0 : std::exp(l);
    EXPECT_GT(total, 0.0) << "no token allowed after " << out.text;
    std::uniform_real_distribution<double> u(0, total);
    double r = u(rng);
    int32_t next = -1;
    for (size_t i = 0; i < logits.size() && next < 0; ++i) {
      if (std::isinf(logits[i])) continue;
      r -= std::exp(logits[i]);
      if (r <= 0) next = static_cast<int32_t>(i);
    }
    if (next < 0) {
      for (size_t i = logits.size(); i-- > 0;) {
        if (!std::isinf(logits[i])) {
          next = static_cast<int32_t>(i);
          break;
        }
      }
    }
    if (vocab.is_end_of_generation(next)) {
      EXPECT_TRUE(c.complete()) << "EOS allowed before the value was complete: " << out.text;
      out.ended = true;
      break;
    }
    out.text += vocab.piece(next);
    c.accept(next);
  }
  return out;
}

void expect_valid(const std::string& text, const Json& schema, const std::string& context) {
  Json value = Json::parse(text, nullptr, false);
  ASSERT_FALSE(value.is_discarded()) << context << "\nnot JSON: " << text;
  EXPECT_EQ(testing::why_invalid(value, schema, schema), "") << context << "\ntext: " << text;
}

// Parses every text with Python's json module too (strict: no control characters in strings), an
// implementation independent of nlohmann's. Returns "" when all parse, else Python's complaint.
std::string python_rejects(const std::vector<std::string>& texts) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string stem = (dir / ("gb-constrain-" + std::to_string(::getpid()))).string();
  {
    std::FILE* f = std::fopen((stem + ".bin").c_str(), "wb");
    for (const std::string& t : texts) std::fwrite(t.data(), 1, t.size() + 1, f);  // NUL-separated
    std::fclose(f);
  }
  const std::string cmd = "/usr/bin/python3 -c 'import json,sys\nfor t in open(sys.argv[1],\"rb\").read().split(b\"\\0\")[:-1]:\n"
                          " json.loads(t.decode(\"utf-8\"))' " + stem + ".bin > " + stem + ".err 2>&1";
  const int rc = std::system(cmd.c_str());
  std::string err;
  if (std::FILE* f = std::fopen((stem + ".err").c_str(), "rb")) {
    char buf[4096];
    size_t n = std::fread(buf, 1, sizeof buf, f);
    err.assign(buf, n);
    std::fclose(f);
  }
  std::filesystem::remove(stem + ".bin");
  std::filesystem::remove(stem + ".err");
  return rc == 0 ? "" : "python3 exit " + std::to_string(rc) + ": " + err;
}

TEST(JsonConstraintTest, WeakModelOutputAlwaysParsesAndValidates) {
  auto vocab = adversarial_vocab();
  std::mt19937_64 rng(7);
  int complete = 0;
  std::vector<std::string> texts;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    Json schema = SchemaGen(seed).make(0);
    auto compiled = JsonSchema::compile(schema);
    ASSERT_TRUE(compiled.ok()) << compiled.status().message() << "\n" << schema.dump();
    JsonConstraint c(*compiled, vocab);
    Sampled s = sample_under(c, *vocab, rng, 40);
    ASSERT_TRUE(s.ended) << "seed " << seed << " did not end: " << s.text;
    expect_valid(s.text, schema, "seed " + std::to_string(seed) + " schema " + schema.dump());
    complete += s.ended;
    texts.push_back(s.text);
  }
  EXPECT_EQ(complete, 300);
  if (std::filesystem::exists("/usr/bin/python3")) {
    EXPECT_EQ(python_rejects(texts), "");
  }
}

TEST(JsonConstraintTest, EndOfGenerationOnlyWhenComplete) {
  auto vocab = adversarial_vocab();
  JsonConstraint c(*JsonSchema::compile_text(R"({"type":"integer"})"), vocab);
  EXPECT_FALSE(c.allowed_tokens()[kEos]);
  EXPECT_TRUE(c.allowed_tokens()['-']);
  EXPECT_FALSE(c.allowed_tokens()['"']);
  c.accept('1');
  EXPECT_TRUE(c.complete());
  EXPECT_TRUE(c.allowed_tokens()[kEos]);
  EXPECT_TRUE(c.allowed_tokens()['2']);
  JsonConstraint o(JsonSchema::any_object(), vocab);
  o.accept('{');
  o.accept('}');
  EXPECT_TRUE(o.finished());
  const auto& allowed = o.allowed_tokens();
  int n_allowed = 0;
  for (uint8_t a : allowed) n_allowed += a;
  EXPECT_EQ(n_allowed, 1);
  EXPECT_TRUE(allowed[kEos]);
}

TEST(JsonConstraintTest, TokensSpanningStructureAreJudgedWhole) {
  auto vocab = adversarial_vocab();
  auto id_of = [&](const std::string& piece) {
    for (int32_t i = 1; i < vocab->vocab_size(); ++i) {
      if (vocab->piece(i) == piece) return i;
    }
    ADD_FAILURE() << "no token " << piece;
    return 0;
  };
  JsonConstraint c(*JsonSchema::compile_text(
                       R"({"type":"object","properties":{"name":{"type":"string"}},"required":["name"]})"),
                   vocab);
  EXPECT_TRUE(c.allowed_tokens()[id_of("{\"")]);
  EXPECT_FALSE(c.allowed_tokens()[id_of("{}")]);  // name is required
  c.accept(id_of("{\""));
  EXPECT_TRUE(c.allowed_tokens()[id_of("name\"")]);
  EXPECT_FALSE(c.allowed_tokens()[id_of("value")]);
  c.accept(id_of("name\""));
  EXPECT_FALSE(c.allowed_tokens()[id_of("\": \"")]);  // the key's closing quote came with name"
  EXPECT_TRUE(c.allowed_tokens()[':']);
  c.accept(':');
  c.accept(' ');
  c.accept('"');
  EXPECT_TRUE(c.allowed_tokens()[id_of("\xE2\x82")]);   // the first two bytes of €
  EXPECT_FALSE(c.allowed_tokens()[id_of("\xAC\"")]);    // a continuation byte cannot start a character
  EXPECT_TRUE(c.allowed_tokens()[id_of("\\ud83d")]);
  EXPECT_TRUE(c.allowed_tokens()[id_of("\"}")]);
  EXPECT_FALSE(c.allowed_tokens()[id_of("\"}]")]);
  c.accept(id_of("\xE2\x82"));
  EXPECT_TRUE(c.allowed_tokens()[id_of("\xAC\"")]);
  EXPECT_FALSE(c.allowed_tokens()[id_of("\"}")]);       // would cut the character
  c.accept(id_of("\xAC\""));
  EXPECT_TRUE(c.allowed_tokens()['}']);
  c.accept('}');
  EXPECT_TRUE(c.finished());
}

TEST(JsonConstraintTest, TheMaskCacheFollowsTheState) {
  auto vocab = adversarial_vocab();
  JsonConstraint c(*JsonSchema::compile_text(R"({"type":"string","maxLength":2})"), vocab);
  c.accept('"');
  EXPECT_TRUE(c.allowed_tokens()['a']);
  c.accept('a');
  EXPECT_TRUE(c.allowed_tokens()['a']);
  c.accept('a');
  EXPECT_FALSE(c.allowed_tokens()['a']);  // the count is part of the state: no stale mask
  EXPECT_TRUE(c.allowed_tokens()['"']);
  JsonConstraint u(*JsonSchema::compile_text(R"({"type":"string","minLength":1})"), vocab);
  u.accept('"');
  EXPECT_FALSE(u.allowed_tokens()['"']);
  u.accept('a');
  std::vector<uint8_t> first = u.allowed_tokens();
  EXPECT_TRUE(first['"']);
  u.accept('b');  // the same state as before 'b': an unbounded count saturates at minLength
  EXPECT_EQ(u.allowed_tokens(), first);
}

TEST(JsonConstraintTest, ARefusedTokenBreaksTheConstraint) {
  auto vocab = adversarial_vocab();
  JsonConstraint c(JsonSchema::any_object(), vocab);
  c.accept('x');
  EXPECT_FALSE(c.complete());
  const auto& allowed = c.allowed_tokens();
  EXPECT_TRUE(allowed[kEos]);
  EXPECT_FALSE(allowed['{']);
}

// The byte pieces of a synthetic vocabulary of a real family (GPT-2 byte alphabet undone).
std::shared_ptr<const VocabTrie> synth_vocab(model::synth::VocabKind kind, int64_t size) {
  auto v = model::synth::make_synth_vocab(kind, size);
  EXPECT_TRUE(v.ok()) << v.status().message();
  std::vector<std::string> pieces(v->tokens.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    const int32_t type = v->token_types[i];
    if (type != model::synth::kTokenNormal && type != model::synth::kTokenByte) continue;
    const std::string& t = v->tokens[i];
    if (v->model == "gpt2") {
      if (!tokenizer::byte_level::decode(t, &pieces[i])) pieces[i].clear();
    } else if (type == model::synth::kTokenByte) {
      pieces[i] = std::string(1, static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16)));
    } else {
      for (size_t at = 0; at < t.size();) {
        if (t.compare(at, 3, "\xE2\x96\x81") == 0) pieces[i] += ' ', at += 3;
        else pieces[i] += t[at++];
      }
    }
  }
  return std::make_shared<const VocabTrie>(std::move(pieces), std::vector<int32_t>{v->eos_id});
}

// Mean apply() time over a few typical states; printed for docs/benchmarks, bounded loosely so a regression to
// per-token re-checking (hundreds of ms) fails.
void measure(const char* name, std::shared_ptr<const VocabTrie> vocab) {
  auto schema = JsonSchema::compile_text(
      R"({"type":"object","properties":{"path":{"type":"string"},"count":{"type":"integer"},
          "tags":{"type":"array","items":{"enum":["a","b"]}}},"required":["path","count"]})");
  ASSERT_TRUE(schema.ok());
  std::vector<float> logits(static_cast<size_t>(vocab->vocab_size()));
  std::vector<int32_t> byte_token(256, -1);  // every synthetic vocabulary holds all single bytes
  for (int32_t i = vocab->vocab_size(); i-- > 0;) {
    if (vocab->piece(i).size() == 1) byte_token[static_cast<uint8_t>(vocab->piece(i)[0])] = i;
  }
  for (const char* prefix :
       {"", "{\"path\": \"src/ma", "{\"path\":\"x\",\"count\":1", "{\"path\":\"x\",\"count\":1,\"tags\":["}) {
    // Cold: the first mask of a state (the full trie walk). Warm: the same state again (the one-entry cache;
    // what every token inside an unbounded string costs after the first).
    constexpr int kReps = 5;
    double cold_ms = 0, warm_ms = 0;
    int allowed = 0;
    for (int r = 0; r < kReps; ++r) {
      JsonConstraint fresh(*schema, vocab);
      for (const char* p = prefix; *p; ++p) fresh.accept(byte_token[static_cast<uint8_t>(*p)]);
      for (int pass = 0; pass < 2; ++pass) {
        std::fill(logits.begin(), logits.end(), 0.0f);
        auto t0 = std::chrono::steady_clock::now();
        fresh.apply(logits);
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        (pass == 0 ? cold_ms : warm_ms) += ms / kReps;
      }
      allowed = 0;
      for (float l : logits) allowed += !std::isinf(l);
    }
    std::printf("[ mask     ] %s after '%s': %.2f ms cold, %.3f ms cached, %d of %d tokens allowed\n", name, prefix,
                cold_ms, warm_ms, allowed, vocab->vocab_size());
    const double ms = cold_ms;
    EXPECT_GT(allowed, 0);
    EXPECT_LT(ms, 500.0);
  }
}

TEST(JsonConstraintTest, MaskCostOnLargeVocabularies) {
  auto t0 = std::chrono::steady_clock::now();
  auto qwen = synth_vocab(model::synth::VocabKind::kQwen2, 151936);
  double build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ trie     ] qwen2-shaped 151936 tokens: %zu nodes, built in %.0f ms\n", qwen->n_nodes(), build_ms);
  measure("qwen2 151936", qwen);
  measure("llama 32000", synth_vocab(model::synth::VocabKind::kLlamaSpm, 32000));
}

TEST(JsonConstraintTest, RealTokenizerVocabularyStaysValid) {
  const std::string path = std::string(GLASSBOX_SHARED_DIR) + "/reference/tokenizer.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "reference tokenizer absent: " << path;
  auto tok = tokenizer::Tokenizer::load(path);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  auto vocab = VocabTrie::from_tokenizer(**tok);
  std::mt19937_64 rng(11);
  for (uint64_t seed = 1000; seed < 1060; ++seed) {
    Json schema = SchemaGen(seed).make(0);
    JsonConstraint c(*JsonSchema::compile(schema), vocab);
    Sampled s = sample_under(c, *vocab, rng, 30);
    ASSERT_TRUE(s.ended) << "seed " << seed << " did not end: " << s.text;
    expect_valid(s.text, schema, "seed " + std::to_string(seed) + " schema " + schema.dump());
  }
}

}  // namespace
}  // namespace glassbox::constrain
