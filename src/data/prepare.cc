// prepare_data: tokenizing documents in parallel and writing shards and the manifest.
#include "data/prepare.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "data/bpe_trainer.h"
#include "data/documents.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab.h"
#include "train/token_shard.h"

namespace glassbox::data {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Writes out_dir/tokenizer.gguf from the given tokenizer; returns the path of the source file.
Result<std::string> write_tokenizer_gguf(const std::string& source, const std::string& out_path,
                                         const std::string& eot_token) {
  if (ends_with(source, ".gguf")) {
    GB_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(source));
    gguf::GgufWriter w;
    w.set_string("general.type", "vocab");
    for (const auto& [key, value] : file.metadata())
      if (key.rfind("tokenizer.", 0) == 0) w.set_value(key, value);
    GB_RETURN_IF_ERROR(w.write(out_path));
    return source;
  }
  std::string json_path = source;
  if (fs::is_directory(source)) json_path = (fs::path(source) / "tokenizer.json").string();
  GB_RETURN_IF_ERROR(tokenizer_json_to_vocab_gguf(json_path, out_path, eot_token));
  return json_path;
}

struct Split {
  std::string name;
  std::vector<int32_t> pending;
  nlohmann::ordered_json shards = nlohmann::ordered_json::array();
  std::vector<std::string> doc_names;
};

Status flush(Split* split, const std::string& out_dir, int64_t vocab_size) {
  if (split->pending.empty()) return ok_status();
  const std::string file = str_format("%s-%05zu.bin", split->name.c_str(), split->shards.size());
  const std::string path = (fs::path(out_dir) / file).string();
  GB_RETURN_IF_ERROR(train::write_token_shard(path, split->pending, vocab_size));
  GB_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
  split->shards.push_back({{"file", file},
                           {"tokens", static_cast<int64_t>(split->pending.size())},
                           {"fnv1a64", hex64(fnv1a64(mapped.data(), mapped.size()))}});
  split->pending.clear();
  return ok_status();
}

}  // namespace

Result<PrepareSummary> prepare_data(const PrepareOptions& options,
                                    const std::function<void(const std::string&)>& warn) {
  if (options.tokenizer.empty()) return invalid_argument("data prepare: --tokenizer is required");
  if (options.out_dir.empty()) return invalid_argument("data prepare: --out is required");
  if (!(options.val_frac >= 0 && options.val_frac < 1))
    return invalid_argument("data prepare: --val-frac must be in [0, 1)");
  std::error_code ec;
  if (!fs::exists(options.tokenizer, ec))
    return not_found("data prepare: tokenizer '" + options.tokenizer + "' does not exist");
  GB_ASSIGN_OR_RETURN(std::unique_ptr<tokenizer::Tokenizer> tk,
                      tokenizer::Tokenizer::load(options.tokenizer));
  PrepareSummary summary;
  summary.vocab_size = tk->vocab_size();
  if (summary.vocab_size > 65536)
    return invalid_argument(str_format(
        "data prepare: tokenizer '%s' has %lld tokens; the uint16 shards hold ids below 65536",
        options.tokenizer.c_str(), (long long)summary.vocab_size));
  const int32_t eot = tk->vocab().find(options.eot_token);
  if (eot < 0)
    return invalid_argument("data prepare: tokenizer '" + options.tokenizer + "' has no '" +
                            options.eot_token + "' token to start documents with");

  fs::create_directories(options.out_dir, ec);
  if (ec) return io_error("data prepare: cannot create '" + options.out_dir + "': " + ec.message());
  const std::string tok_gguf = (fs::path(options.out_dir) / "tokenizer.gguf").string();
  GB_ASSIGN_OR_RETURN(std::string tok_source,
                      write_tokenizer_gguf(options.tokenizer, tok_gguf, options.eot_token));
  GB_ASSIGN_OR_RETURN(std::string tok_bytes, read_file_to_string(tok_source));
  // The embedded copy must tokenize as the source does.
  GB_ASSIGN_OR_RETURN(gguf::GgufFile tok_file, gguf::GgufFile::open(tok_gguf));
  GB_ASSIGN_OR_RETURN(std::unique_ptr<tokenizer::Tokenizer> tk_copy,
                      tokenizer::Tokenizer::from_gguf(tok_file));

  const std::string scratch = (fs::path(options.out_dir) / ".unpacked").string();
  GB_ASSIGN_OR_RETURN(std::vector<Document> docs, list_documents(options.inputs, scratch));

  // Text checks first, so that the validation choice below only sees documents that are kept.
  std::vector<bool> usable(docs.size(), true);
  for (size_t d = 0; d < docs.size(); ++d) {
    auto text = read_text_document(docs[d]);
    if (text.ok()) continue;
    if (text.status().code() != StatusCode::kInvalidArgument) return text.status();
    warn("skipping " + text.status().message());
    usable[d] = false;
    ++summary.skipped;
  }

  // Validation membership.
  std::vector<bool> is_val(docs.size(), false);
  if (!options.val_docs_file.empty()) {
    GB_ASSIGN_OR_RETURN(std::string list, read_file_to_string(options.val_docs_file));
    std::vector<std::string> missing;
    size_t pos = 0;
    while (pos < list.size()) {
      size_t nl = list.find('\n', pos);
      if (nl == std::string::npos) nl = list.size();
      std::string line = list.substr(pos, nl - pos);
      pos = nl + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      bool found = false;
      for (size_t d = 0; d < docs.size(); ++d) {
        const std::string& n = docs[d].name;
        if (n == line || ends_with(n, "/" + line) || ends_with(line, "/" + n)) {
          is_val[d] = true;
          found = true;
        }
      }
      if (!found) missing.push_back(line);
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
      return invalid_argument("data prepare: --val-docs '" + options.val_docs_file +
                              "' names documents not in the input: " + names);
    }
  } else if (options.val_frac > 0) {
    size_t best = docs.size();
    uint64_t best_h = ~uint64_t{0};
    int64_t n_usable = 0;
    bool any = false;
    for (size_t d = 0; d < docs.size(); ++d) {
      if (!usable[d]) continue;
      ++n_usable;
      const uint64_t h = fnv1a64(docs[d].name.data(), docs[d].name.size());
      if (static_cast<double>(h >> 11) * 0x1.0p-53 < options.val_frac) is_val[d] = any = true;
      if (h < best_h) best_h = h, best = d;
    }
    if (!any && n_usable >= 2) is_val[best] = true;
  }

  const int threads = options.threads > 0 ? options.threads : ThreadPool::hardware_threads();
  ThreadPool pool(threads);
  Split splits[2];
  splits[0].name = "train";
  splits[1].name = "val";
  bool checked_copy = false;
  const size_t chunk = static_cast<size_t>(threads) * 4;
  for (size_t begin = 0; begin < docs.size(); begin += chunk) {
    const size_t end = std::min(docs.size(), begin + chunk);
    std::vector<std::vector<int32_t>> encoded(end - begin);
    std::vector<Status> errors(end - begin);
    std::vector<int64_t> bytes(end - begin, 0);
    pool.parallel_for(static_cast<int64_t>(end - begin), 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        if (!usable[begin + i]) continue;
        auto text = read_text_document(docs[begin + i]);
        if (!text.ok()) {
          errors[i] = text.status();
          continue;
        }
        bytes[i] = static_cast<int64_t>(text->size());
        encoded[i].push_back(eot);
        std::vector<int32_t> ids = tk->encode(*text, false, false);
        encoded[i].insert(encoded[i].end(), ids.begin(), ids.end());
      }
    });
    for (size_t i = 0; i < end - begin; ++i) {
      const Document& doc = docs[begin + i];
      if (!usable[begin + i]) continue;
      if (!errors[i].ok()) return errors[i];  // changed since the check above
      if (!checked_copy) {
        // One check on the first document, bounded in size.
        auto text = read_text_document(doc);
        std::string sample = text.ok() ? text->substr(0, 20000) : std::string();
        if (tk->encode(sample, false, false) != tk_copy->encode(sample, false, false))
          return internal_error("data prepare: the tokenizer written to '" + tok_gguf +
                                "' encodes differently from '" + options.tokenizer + "'");
        checked_copy = true;
      }
      const int s = is_val[begin + i] ? 1 : 0;
      Split& split = splits[s];
      split.pending.insert(split.pending.end(), encoded[i].begin(), encoded[i].end());
      split.doc_names.push_back(doc.name);
      summary.documents[s] += 1;
      summary.tokens[s] += static_cast<int64_t>(encoded[i].size());
      summary.bytes += bytes[i];
      if (static_cast<int64_t>(split.pending.size()) >= options.shard_tokens)
        GB_RETURN_IF_ERROR(flush(&split, options.out_dir, summary.vocab_size));
    }
  }
  fs::remove_all(scratch, ec);
  if (summary.documents[0] == 0)
    return invalid_argument(
        "data prepare: no training documents left (all skipped or in validation)");
  if (summary.documents[1] == 0 && (!options.val_docs_file.empty() || options.val_frac > 0))
    return invalid_argument("data prepare: no validation documents left (all skipped?)");
  for (Split& split : splits)
    GB_RETURN_IF_ERROR(flush(&split, options.out_dir, summary.vocab_size));

  nlohmann::ordered_json m;
  m["format"] = "glassbox-token-shards";
  m["version"] = 1;
  m["dtype"] = "uint16";
  m["checksum"] = "fnv1a64";
  m["tokenizer"] = {{"source", options.tokenizer},
                    {"file", "tokenizer.gguf"},
                    {"vocab_size", summary.vocab_size},
                    {"eot_token", options.eot_token},
                    {"eot_id", eot},
                    {"source_fnv1a64", hex64(fnv1a64(tok_bytes.data(), tok_bytes.size()))}};
  m["bytes"] = summary.bytes;
  m["skipped_documents"] = summary.skipped;
  for (int s = 0; s < 2; ++s) {
    nlohmann::ordered_json j;
    j["documents"] = summary.documents[s];
    j["tokens"] = summary.tokens[s];
    j["shards"] = splits[s].shards;
    if (s == 1) j["document_names"] = splits[s].doc_names;
    m["splits"][splits[s].name] = j;
  }
  const std::string text = m.dump(1) + "\n";
  GB_RETURN_IF_ERROR(write_file_atomic((fs::path(options.out_dir) / "manifest.json").string(),
                                       text.data(), text.size()));
  return summary;
}

Result<PreparedData> open_prepared(const std::string& path) {
  PreparedData data;
  std::string manifest_path = path;
  std::error_code ec;
  if (fs::is_directory(path, ec)) manifest_path = (fs::path(path) / "manifest.json").string();
  data.dir = fs::path(manifest_path).parent_path().string();
  if (data.dir.empty()) data.dir = ".";
  GB_ASSIGN_OR_RETURN(std::string text, read_file_to_string(manifest_path));
  try {
    const nlohmann::json m = nlohmann::json::parse(text);
    if (m.value("format", std::string()) != "glassbox-token-shards")
      return invalid_argument(
          "data: '" + manifest_path +
          "' is not a glassbox-token-shards manifest (run `glassbox data prepare`)");
    const auto& tok = m.at("tokenizer");
    data.vocab_size = tok.at("vocab_size").get<int64_t>();
    if (tok.contains("file"))
      data.tokenizer_gguf = (fs::path(data.dir) / tok.at("file").get<std::string>()).string();
    for (const char* split : {"train", "val"}) {
      if (!m.at("splits").contains(split)) continue;
      for (const auto& sh : m.at("splits").at(split).at("shards")) {
        const std::string file = (fs::path(data.dir) / sh.at("file").get<std::string>()).string();
        GB_ASSIGN_OR_RETURN(train::TokenShard shard, train::TokenShard::open(file));
        if (shard.n_tokens() != sh.at("tokens").get<int64_t>())
          return data_loss(str_format("data: shard '%s' holds %lld tokens, the manifest says %lld",
                                      file.c_str(), (long long)shard.n_tokens(),
                                      (long long)sh.at("tokens").get<int64_t>()));
        if (shard.vocab_size() != data.vocab_size)
          return data_loss(str_format("data: shard '%s' has vocabulary %lld, the manifest %lld",
                                      file.c_str(), (long long)shard.vocab_size(),
                                      (long long)data.vocab_size));
        GB_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(file));
        const std::string sum = hex64(fnv1a64(mapped.data(), mapped.size()));
        if (sum != sh.value("fnv1a64", sum))
          return data_loss("data: shard '" + file + "' has FNV-1a " + sum + ", the manifest says " +
                           sh.at("fnv1a64").get<std::string>() + " (corrupt or replaced)");
        (std::string(split) == "train" ? data.train : data.val).push_back(std::move(shard));
      }
    }
  } catch (const std::exception& e) {
    return invalid_argument("data: manifest '" + manifest_path + "': " + e.what());
  }
  if (data.train.empty())
    return invalid_argument("data: '" + manifest_path + "' lists no training shards");
  return data;
}

}  // namespace glassbox::data
