// WebRoutes: the web chat page (GET /), embedded into the binary at build time from src/server/web/index.html.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace glassbox::server {

// The page's bytes, generated from index.html by embed_file.cmake.
namespace web {
std::string_view index_html();
}  // namespace web

// GET / and GET /index.html: the page (text/html). It holds no secrets, so it needs no API key; the API calls it
// makes do (the page has a key field).
void register_web_routes(httplib::Server& http);

// Whether a request is for the page, which the API-key check lets through.
bool is_web_page_request(const httplib::Request& req);

}  // namespace glassbox::server
