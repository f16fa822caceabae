#include "chat_cli/stop_scanner.h"

#include <gtest/gtest.h>

namespace glassbox::chat_cli {
namespace {

TEST(StopScannerTest, PassesTextWithoutStops) {
  StopScanner s({});
  EXPECT_EQ(s.push("abc"), "abc");
  EXPECT_EQ(s.flush(), "");
}

TEST(StopScannerTest, HoldsBackAPossiblePrefixUntilDecided) {
  StopScanner s({"<|im_end|>"});
  EXPECT_EQ(s.push("Hello <|im"), "Hello ");
  EXPECT_EQ(s.push("portant"), "<|important");
  EXPECT_FALSE(s.stopped());
}

TEST(StopScannerTest, StopsAcrossPiecesAndDropsTheRest) {
  StopScanner s({"<|im_end|>", "<|im_start|>"});
  EXPECT_EQ(s.push("Done.<|im_"), "Done.");
  EXPECT_EQ(s.push("end|>\nmore"), "");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(s.push("later"), "");
  EXPECT_EQ(s.flush(), "");
}

TEST(StopScannerTest, FlushReturnsTheHeldTail) {
  StopScanner s({"###"});
  EXPECT_EQ(s.push("a ##"), "a ");
  EXPECT_EQ(s.flush(), "##");
}

}  // namespace
}  // namespace glassbox::chat_cli
