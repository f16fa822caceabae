// HttpTransport: the MCP streamable HTTP transport (spec 2025-03-26 and later): each JSON-RPC
// message is POSTed to one endpoint with `Accept: application/json, text/event-stream`; the reply
// is a JSON body or an SSE stream carrying the response; `Mcp-Session-Id` is kept and sent back.
#include <chrono>
#include <functional>

#include "agent/http_client.h"
#include "agent/mcp/mcp_transport.h"
#include "agent/sse_parser.h"

namespace glassbox::agent::mcp {

using nlohmann::json;

namespace {

std::string clip(const std::string& s, size_t n) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

class HttpTransport : public McpTransport {
 public:
  explicit HttpTransport(McpServerConfig config) : config_(std::move(config)) {}

  Result<json> request(const json& message, double timeout_s,
                       const std::atomic<bool>* interrupted) override {
    const json want_id = message["id"];
    json found;
    std::vector<json> server_requests;
    Status bad = ok_status();
    SseParser sse;
    auto on_message = [&](const json& msg) {
      if (!msg.is_object()) return;
      if (msg.contains("method")) {
        if (msg.contains("id")) server_requests.push_back(msg);
        return;
      }
      if (msg.contains("id") && msg["id"] == want_id) found = msg;
    };
    std::string raw;
    auto on_chunk = [&](std::string_view bytes) {
      if (raw.size() < (64u << 20)) raw.append(bytes);
      sse.feed(bytes, [&](SseEvent e) {
        if (e.data.empty() || !found.is_null()) return;
        json msg = json::parse(e.data, nullptr, false);
        if (msg.is_discarded()) {
          if (bad.ok())
            bad =
                data_loss("MCP server '" + config_.name +
                          "' sent an SSE event that is not JSON-RPC: '" + clip(e.data, 200) + "'");
          return;
        }
        on_message(msg);
      });
      // Stop reading once the answer is in (a server may keep the stream open).
      return found.is_null() && bad.ok() && !(interrupted && interrupted->load());
    };
    GB_ASSIGN_OR_RETURN(auto res, post(message, timeout_s, on_chunk));
    for (const auto& r : server_requests) (void)post(answer_server_request(r), timeout_s, nullptr);
    if (!found.is_null()) return remember_version(message, found);
    GB_RETURN_IF_ERROR(bad);
    if (interrupted && interrupted->load())
      return io_error("MCP server '" + config_.name + "': the call was interrupted by the user");
    std::string type = res.headers.count("content-type") ? res.headers["content-type"] : "";
    if (type.rfind("application/json", 0) == 0) {
      json body = json::parse(raw, nullptr, false);
      if (body.is_discarded())
        return data_loss("MCP server '" + config_.name + "' answered with invalid JSON: '" +
                         clip(raw, 200) + "'");
      if (body.is_array()) {
        for (const auto& m : body) on_message(m);
      } else {
        on_message(body);
      }
      if (!found.is_null()) return remember_version(message, found);
    } else if (type.rfind("text/event-stream", 0) != 0) {
      return data_loss("MCP server '" + config_.name + "' answered with Content-Type '" + type +
                       "' (expected application/json or text/event-stream)");
    }
    return data_loss("MCP server '" + config_.name + "' ended its reply to " +
                     message.value("method", "") + " without a response to it");
  }

  // The version the server agreed to in its initialize result goes on every later request.
  json remember_version(const json& request, const json& response) {
    if (request.value("method", "") == "initialize" && response.contains("result") &&
        response["result"].is_object()) {
      protocol_version_ = response["result"].value("protocolVersion", "");
    }
    return response;
  }

  Status notify(const json& message) override {
    auto res = post(message, config_.startup_timeout_s, nullptr);
    return res.ok() ? ok_status() : res.status();
  }

 private:
  Result<HttpResponse> post(const json& message, double timeout_s,
                            const std::function<bool(std::string_view)>& on_chunk) {
    HttpOptions opts;
    opts.connect_timeout_s = std::min(10.0, timeout_s);
    opts.read_timeout_s = timeout_s;
    auto http = HttpClient::create(config_.url, opts);
    if (!http.ok())
      return invalid_argument("MCP server '" + config_.name + "': " + http.status().message());
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Accept", "application/json, text/event-stream"}};
    if (!session_id_.empty()) headers.push_back({"Mcp-Session-Id", session_id_});
    if (!protocol_version_.empty()) headers.push_back({"MCP-Protocol-Version", protocol_version_});
    for (const auto& [k, v] : config_.headers) headers.push_back({k, v});
    TransportError transport = TransportError::kNone;
    std::function<bool(std::string_view)> sink = on_chunk;
    if (!sink) sink = [](std::string_view) { return true; };
    HttpResponse canceled;
    auto res = (*http)->post_stream("", headers, message.dump(), sink, &transport, &canceled);
    if (!res.ok() && transport == TransportError::kCanceled && canceled.status != 0) {
      res = canceled;  // we stopped reading once the answer was in
    }
    if (!res.ok()) {
      return io_error("MCP server '" + config_.name + "' (" + config_.url +
                      "): " + res.status().message());
    }
    if (res->headers.count("mcp-session-id")) session_id_ = res->headers["mcp-session-id"];
    if (res->status == 404 && !session_id_.empty())
      return io_error("MCP server '" + config_.name + "' no longer knows this session (HTTP 404)");
    if (res->status < 200 || res->status >= 300) {
      return io_error(str_format("MCP server '%s' (%s) answered HTTP %d: %s", config_.name.c_str(),
                                 config_.url.c_str(), res->status,
                                 clip(res->error_body, 300).c_str()));
    }
    return res;
  }

  McpServerConfig config_;
  std::string session_id_;
  std::string protocol_version_;
};

}  // namespace

Result<std::unique_ptr<McpTransport>> make_http_transport(const McpServerConfig& config) {
  return std::unique_ptr<McpTransport>(new HttpTransport(config));
}

}  // namespace glassbox::agent::mcp
