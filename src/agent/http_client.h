// HttpClient: a minimal HTTP/1.1 POST client with a streamed response body (pimpl over cpp-httplib,
// which is included only by http_client.cc).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace glassbox::agent {

struct HttpOptions {
  double connect_timeout_s = 10;
  double read_timeout_s = 600;  // longest silence tolerated between bytes of the response
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error_body;                      // the body of a non-2xx response (not streamed)
  bool body_started = false;                   // on_chunk was called at least once
};

enum class TransportError { kNone, kConnect, kTimeout, kRead, kCanceled, kOther };

// Thread-compatible: one request at a time per object.
class HttpClient {
 public:
  // `base_url`: "http://host:port" (an optional path prefix is kept). Errors name the URL.
  static Result<std::unique_ptr<HttpClient>> create(const std::string& base_url,
                                                    HttpOptions options);
  ~HttpClient();

  // POSTs `body`. For a 2xx response each body chunk goes to `on_chunk` as it arrives; returning
  // false cancels the request. Transport failures return a kIo Status and set *transport (when
  // non-null). When on_chunk cancelled and `canceled` is non-null, it receives the status and
  // headers seen so far. An empty `path` means the base URL itself.
  Result<HttpResponse> post_stream(const std::string& path,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body,
                                   const std::function<bool(std::string_view)>& on_chunk,
                                   TransportError* transport, HttpResponse* canceled = nullptr);
  // GET `path`; the status and the whole body (at most 1 MiB). Transport failures are kIo.
  Result<std::pair<int, std::string>> get(const std::string& path,
                                          const std::vector<std::pair<std::string, std::string>>& headers);

  const std::string& base_url() const { return base_url_; }

 private:
  struct Impl;
  HttpClient(std::string base_url, std::unique_ptr<Impl> impl);
  std::string base_url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace glassbox::agent
