#include "server/web/web_routes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace glassbox::server {
namespace {

std::string source_page() {
  std::ifstream in(std::string(GLASSBOX_SOURCE_DIR) + "/src/server/web/index.html", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WebRoutesTest, EmbeddedPageIsTheSourceFileByteForByte) {
  const std::string page = source_page();
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(std::string(web::index_html()), page);
}

TEST(WebRoutesTest, PageLoadsNothingFromOtherOrigins) {
  const std::string page(web::index_html());
  for (const char* needle : {"src=\"http", "href=\"http", "src='http", "href='http", "@import", "url(http"}) {
    EXPECT_EQ(page.find(needle), std::string::npos) << needle;
  }
}

TEST(WebRoutesTest, ServesThePageAtRootWithAStrictContentPolicy) {
  httplib::Server http;
  register_web_routes(http);
  const int port = http.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { http.listen_after_bind(); });
  for (int i = 0; i < 400 && !http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client client("127.0.0.1", port);
  for (const char* path : {"/", "/index.html"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(res->body, source_page());
  }
  httplib::Request req;
  req.method = "GET";
  req.path = "/";
  EXPECT_TRUE(is_web_page_request(req));
  req.path = "/v1/models";
  EXPECT_FALSE(is_web_page_request(req));
  req.method = "POST";
  req.path = "/";
  EXPECT_FALSE(is_web_page_request(req));
  http.stop();
  t.join();
}

}  // namespace
}  // namespace glassbox::server
