// HttpClient: cpp-httplib behind a small interface; the only agent file that includes httplib.h.
#include "agent/http_client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace glassbox::agent {

struct HttpClient::Impl {
  std::unique_ptr<httplib::Client> client;
  std::string path_prefix;
};

HttpClient::HttpClient(std::string base_url, std::unique_ptr<Impl> impl)
    : base_url_(std::move(base_url)), impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::create(const std::string& base_url,
                                                       HttpOptions options) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return invalid_argument("agent: base URL '" + base_url +
                            "' must start with http:// or https://");
  }
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return invalid_argument("agent: base URL '" + base_url + "' has unsupported scheme '" + scheme +
                            "'");
  }
  size_t path_start = url.find('/', scheme_end + 3);
  auto impl = std::make_unique<Impl>();
  std::string host_part = path_start == std::string::npos ? url : url.substr(0, path_start);
  if (path_start != std::string::npos) impl->path_prefix = url.substr(path_start);
  try {
    impl->client = std::make_unique<httplib::Client>(host_part);
  } catch (const std::exception& e) {
    return invalid_argument("agent: base URL '" + base_url + "': " + e.what());
  }
  if (!impl->client->is_valid())
    return invalid_argument("agent: base URL '" + base_url + "' is not usable");
  auto to_parts = [](double s, time_t* sec, time_t* usec) {
    *sec = static_cast<time_t>(s);
    *usec = static_cast<time_t>((s - static_cast<double>(*sec)) * 1e6);
  };
  time_t sec, usec;
  to_parts(options.connect_timeout_s, &sec, &usec);
  impl->client->set_connection_timeout(sec, usec);
  to_parts(options.read_timeout_s, &sec, &usec);
  impl->client->set_read_timeout(sec, usec);
  impl->client->set_write_timeout(30, 0);
  impl->client->set_keep_alive(false);
  return std::unique_ptr<HttpClient>(new HttpClient(url, std::move(impl)));
}

Result<HttpResponse> HttpClient::post_stream(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body, const std::function<bool(std::string_view)>& on_chunk,
    TransportError* transport, HttpResponse* canceled) {
  if (transport) *transport = TransportError::kNone;
  HttpResponse out;
  httplib::Request req;
  req.method = "POST";
  req.path = impl_->path_prefix + path;
  if (req.path.empty()) req.path = "/";
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  req.headers.emplace("Content-Type", "application/json");
  req.body = body;
  bool canceled_by_caller = false;
  req.response_handler = [&](const httplib::Response& res) {
    out.status = res.status;
    for (const auto& [k, v] : res.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      out.headers[key] = v;
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (out.status < 200 || out.status >= 300) {
      if (out.error_body.size() < (1u << 20)) out.error_body.append(data, n);
      return true;
    }
    out.body_started = true;
    if (!on_chunk(std::string_view(data, n))) {
      canceled_by_caller = true;
      return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = impl_->client->send(req, res, err);
  if (!ok) {
    TransportError kind = TransportError::kOther;
    if (canceled_by_caller || err == httplib::Error::Canceled)
      kind = TransportError::kCanceled;
    else if (err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout)
      kind = TransportError::kConnect;
    else if (err == httplib::Error::Read)
      kind = TransportError::kTimeout;  // httplib reports read timeouts as Read
    if (transport) *transport = kind;
    if (kind == TransportError::kCanceled && canceled_by_caller && canceled) *canceled = out;
    if (kind == TransportError::kCanceled)
      return io_error("http: request to " + base_url_ + path + " was canceled");
    return io_error("http: POST " + base_url_ + path + " failed: " + httplib::to_string(err) +
                    (kind == TransportError::kTimeout
                         ? " (no data before the read timeout, or the connection dropped)"
                         : ""));
  }
  if (out.status == 0) out.status = res.status;
  return out;
}

Result<std::pair<int, std::string>> HttpClient::get(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  std::string full = impl_->path_prefix + path;
  auto res = impl_->client->Get(full.empty() ? "/" : full, h);
  if (!res) {
    return io_error("http: GET " + base_url_ + path + " failed: " + httplib::to_string(res.error()));
  }
  std::string body = res->body.size() > (1u << 20) ? res->body.substr(0, 1u << 20) : res->body;
  return std::make_pair(res->status, std::move(body));
}

}  // namespace glassbox::agent
