// WebRoutes: serves the embedded chat page.
#include "server/web/web_routes.h"

namespace glassbox::server {

bool is_web_page_request(const httplib::Request& req) {
  return (req.method == "GET" || req.method == "HEAD") && (req.path == "/" || req.path == "/index.html");
}

void register_web_routes(httplib::Server& http) {
  auto page = [](const httplib::Request&, httplib::Response& res) {
    // The page is self-contained: the policy forbids every outside origin (no CDN, nothing leaves the server).
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                   "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", "no-cache");
    const std::string_view html = web::index_html();
    res.set_content(html.data(), html.size(), "text/html; charset=utf-8");
  };
  http.Get("/", page);
  http.Get("/index.html", page);
}

}  // namespace glassbox::server
