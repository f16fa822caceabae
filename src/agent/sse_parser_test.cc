// SseParser: events split anywhere in the byte stream come out whole.
#include "agent/sse_parser.h"

#include <gtest/gtest.h>

#include <vector>

namespace glassbox::agent {
namespace {

std::vector<SseEvent> parse_in_pieces(const std::string& text, size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (size_t i = 0; i < text.size(); i += piece) {
    p.feed(std::string_view(text).substr(i, piece),
           [&](SseEvent e) { out.push_back(std::move(e)); });
  }
  return out;
}

TEST(SseParserTest, ReassemblesEventsSplitAtEveryByte) {
  std::string text =
      "event: ping\r\ndata: {\"type\":\"ping\"}\r\n\r\n: comment\n\nevent: a\ndata: x\ndata: y\n\n";
  for (size_t piece : {1, 2, 3, 7, 1000}) {
    auto events = parse_in_pieces(text, piece);
    ASSERT_EQ(events.size(), 2u) << piece;
    EXPECT_EQ(events[0].event, "ping");
    EXPECT_EQ(events[0].data, "{\"type\":\"ping\"}");
    EXPECT_EQ(events[1].event, "a");
    EXPECT_EQ(events[1].data, "x\ny");
  }
}

TEST(SseParserTest, HoldsAnIncompleteEventUntilItsBlankLine) {
  SseParser p;
  int n = 0;
  p.feed("event: message_stop\ndata: {}\n", [&](SseEvent) { ++n; });
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(p.has_partial_event());
  p.feed("\n", [&](SseEvent) { ++n; });
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace glassbox::agent
