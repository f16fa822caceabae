// OpenAI-compatible POST /v1/embeddings: mean-pooled final-norm hidden states (engine::Embedder), float or
// base64 encoded.
#include <cstring>

#include "base/status.h"
#include "engine/embedder.h"
#include "server/server_state.h"

namespace glassbox::server {
namespace {

using Type = Json::value_t;

constexpr size_t kMaxInputs = 2048;  // OpenAI's limit on inputs per request

std::string base64(const void* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const uint8_t*>(data);
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  for (size_t i = 0; i < size; i += 3) {
    uint32_t v = static_cast<uint32_t>(p[i]) << 16;
    if (i + 1 < size) v |= static_cast<uint32_t>(p[i + 1]) << 8;
    if (i + 2 < size) v |= p[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < size ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::string error_body(const ApiError& e) {
  Json body = {{"error", {{"message", e.message}, {"type", e.type}, {"param", nullptr}, {"code", nullptr}}}};
  return json_text(body);
}

engine::Embedder& embedder(ServerState& state) {
  std::call_once(state.embedder_once, [&] {
    model::ContextOptions co;
    co.n_ctx = state.options.n_ctx;
    co.n_threads = state.options.n_threads;
    state.embedder = std::make_shared<engine::Embedder>(state.model, co);
  });
  return *state.embedder;
}

// `input` as token id lists: a string, an array of strings, an array of ids, or an array of id arrays.
std::vector<std::vector<int32_t>> input_tokens(const ServerState& state, const Json& body) {
  auto it = body.find("input");
  if (it == body.end() || it->is_null()) throw_invalid("input: Field required");
  const tokenizer::Tokenizer& tk = *state.tokenizer;
  const int64_t vocab = tk.vocab_size();
  auto text_tokens = [&](const Json& text, const std::string& where) {
    if (text.get<std::string>().empty()) throw_invalid(where + ": an empty string cannot be embedded");
    std::vector<int32_t> ids = tk.encode(text.get<std::string>(), tk.add_bos_default(), false);
    if (ids.empty()) throw_invalid(where + ": the text has no tokens");
    return ids;
  };
  auto id_tokens = [&](const Json& list, const std::string& where) {
    if (list.empty()) throw_invalid(where + ": an empty token array cannot be embedded");
    std::vector<int32_t> ids;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_number_integer() || list[i].get<int64_t>() < 0 || list[i].get<int64_t>() >= vocab) {
        throw_invalid(str_format("%s[%zu]: expected a token id in [0, %lld)", where.c_str(), i,
                                 static_cast<long long>(vocab)));
      }
      ids.push_back(list[i].get<int32_t>());
    }
    return ids;
  };
  std::vector<std::vector<int32_t>> out;
  if (it->is_string()) {
    out.push_back(text_tokens(*it, "input"));
  } else if (it->is_array() && !it->empty() && (*it)[0].is_number()) {
    out.push_back(id_tokens(*it, "input"));
  } else if (it->is_array() && !it->empty()) {
    if (it->size() > kMaxInputs) throw_invalid(str_format("input: at most %zu inputs per request", kMaxInputs));
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& item = (*it)[i];
      const std::string where = str_format("input[%zu]", i);
      if (item.is_string()) {
        out.push_back(text_tokens(item, where));
      } else if (item.is_array()) {
        out.push_back(id_tokens(item, where));
      } else {
        throw_invalid(where + ": expected a string or an array of token ids");
      }
    }
  } else {
    throw_invalid("input: expected a string, an array of strings, or token id arrays (non-empty)");
  }
  return out;
}

void handle_embeddings(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  Json body = parse_body(req);
  const Json* model = optional_field(body, "model", Type::string, "a string");
  if (!model) throw_invalid("model: Field required");
  std::string format = "float";
  if (const Json* f = optional_field(body, "encoding_format", Type::string, "a string")) format = *f;
  if (format != "float" && format != "base64") {
    throw_invalid("encoding_format: expected float or base64, got '" + format + "'");
  }
  std::vector<std::vector<int32_t>> inputs = input_tokens(state, body);
  engine::Embedder& emb = embedder(state);
  if (const Json* d = optional_field(body, "dimensions", Type::number_integer, "an integer")) {
    // Fixed-size embeddings (as OpenAI's text-embedding-ada-002): only the native size can be asked for.
    if (d->get<int64_t>() != emb.dimensions()) {
      throw_invalid(str_format("dimensions: this model's embeddings have %lld dimensions and cannot be shortened",
                               static_cast<long long>(emb.dimensions())));
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (static_cast<int64_t>(inputs[i].size()) > emb.n_ctx()) {
      throw_invalid(str_format("input[%zu]: %zu tokens exceed the maximum of %lld", i, inputs[i].size(),
                               static_cast<long long>(emb.n_ctx())));
    }
  }
  Json data = Json::array();
  int64_t n_tokens = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto vec = emb.embed(inputs[i]);
    if (!vec.ok()) throw ApiError{500, "api_error", vec.status().message()};
    n_tokens += static_cast<int64_t>(inputs[i].size());
    Json item = {{"object", "embedding"}, {"index", i}};
    if (format == "base64") {
      item["embedding"] = base64(vec->data(), vec->size() * sizeof(float));  // little-endian float32, as OpenAI
    } else {
      item["embedding"] = *vec;
    }
    data.push_back(std::move(item));
  }
  Json out = {{"object", "list"},
              {"data", data},
              {"model", *model},
              {"usage", {{"prompt_tokens", n_tokens}, {"total_tokens", n_tokens}}}};
  res.set_content(json_text(out), "application/json");
}

}  // namespace

void register_embeddings_routes(httplib::Server& http, ServerState& state) {
  ServerState* sp = &state;
  http.Post("/v1/embeddings", [sp](const httplib::Request& req, httplib::Response& res) {
    try {
      handle_embeddings(*sp, req, res);
    } catch (const ApiError& e) {
      res.status = e.status;
      res.set_content(error_body(e), "application/json");
    } catch (const nlohmann::json::exception& e) {
      res.status = 400;
      res.set_content(error_body(ApiError{400, "invalid_request_error", e.what()}), "application/json");
    }
  });
}

}  // namespace glassbox::server
