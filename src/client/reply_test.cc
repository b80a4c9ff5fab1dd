#include "client/reply.h"

#include <gtest/gtest.h>

namespace ember::client {
namespace {

Reply MustParse(std::string_view data) {
  Reply r;
  size_t used = 0;
  std::string error;
  EXPECT_EQ(ParseReply(data, &r, &used, &error), ReplyParseStatus::kOk) << error;
  EXPECT_EQ(used, data.size());
  return r;
}

TEST(ReplyParserTest, ScalarsOfEveryType) {
  EXPECT_EQ(MustParse("+OK\r\n").type, ReplyType::kStatus);
  EXPECT_EQ(MustParse("-ERR x\r\n").str, "ERR x");
  EXPECT_EQ(MustParse("!5\r\nERR y\r\n").type, ReplyType::kError);
  EXPECT_EQ(MustParse(":-42\r\n").integer, -42);
  EXPECT_EQ(MustParse("$3\r\na\r\n\r\n").str, "a\r\n");
  EXPECT_EQ(MustParse("$-1\r\n").type, ReplyType::kNil);
  EXPECT_EQ(MustParse("*-1\r\n").type, ReplyType::kNil);
  EXPECT_EQ(MustParse("_\r\n").type, ReplyType::kNil);
  EXPECT_EQ(MustParse(",3.14\r\n").str, "3.14");
  EXPECT_EQ(MustParse("#t\r\n").integer, 1);
  EXPECT_EQ(MustParse("#f\r\n").integer, 0);
  EXPECT_EQ(MustParse("(123456789012345678901234567890\r\n").type, ReplyType::kBigNumber);
  Reply v = MustParse("=15\r\ntxt:hello world\r\n");
  EXPECT_EQ(v.type, ReplyType::kVerbatim);
  EXPECT_EQ(v.format, "txt");
  EXPECT_EQ(v.str, "hello world");
}

TEST(ReplyParserTest, Aggregates) {
  Reply a = MustParse("*2\r\n:1\r\n*1\r\n$1\r\nx\r\n");
  ASSERT_EQ(a.type, ReplyType::kArray);
  ASSERT_EQ(a.elements.size(), 2u);
  EXPECT_EQ(a.elements[1].elements[0].str, "x");
  Reply m = MustParse("%1\r\n+k\r\n:2\r\n");
  ASSERT_EQ(m.type, ReplyType::kMap);
  ASSERT_NE(m.Find("k"), nullptr);
  EXPECT_EQ(m.Find("k")->integer, 2);
  EXPECT_EQ(MustParse("~1\r\n:1\r\n").type, ReplyType::kSet);
  EXPECT_EQ(MustParse(">1\r\n:1\r\n").type, ReplyType::kPush);
  EXPECT_TRUE(MustParse("*0\r\n").elements.empty());
  // An attribute is dropped; the reply that follows it is returned.
  EXPECT_EQ(MustParse("|1\r\n+a\r\n:1\r\n+real\r\n").str, "real");
}

TEST(ReplyParserTest, IncompleteInputConsumesNothing) {
  const std::string full = "*2\r\n$5\r\nhello\r\n:7\r\n";
  for (size_t n = 0; n < full.size(); ++n) {
    Reply r;
    size_t used = 99;
    std::string error;
    EXPECT_EQ(ParseReply(std::string_view(full).substr(0, n), &r, &used, &error),
              ReplyParseStatus::kIncomplete)
        << n;
    EXPECT_EQ(used, 99u);
  }
}

TEST(ReplyParserTest, ErrorsOnBadInput) {
  Reply r;
  size_t used;
  std::string error;
  EXPECT_EQ(ParseReply("?x\r\n", &r, &used, &error), ReplyParseStatus::kError);
  EXPECT_EQ(ParseReply(":abc\r\n", &r, &used, &error), ReplyParseStatus::kError);
  EXPECT_EQ(ParseReply("$2\r\nabc\r\n", &r, &used, &error), ReplyParseStatus::kError);
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "*1\r\n";
  EXPECT_EQ(ParseReply(deep + ":1\r\n", &r, &used, &error), ReplyParseStatus::kError);
}

TEST(ReplyParserTest, TwoRepliesBackToBack) {
  Reply r;
  size_t used = 0;
  std::string error;
  ASSERT_EQ(ParseReply("+A\r\n+B\r\n", &r, &used, &error), ReplyParseStatus::kOk);
  EXPECT_EQ(used, 4u);
  EXPECT_EQ(r.str, "A");
}

TEST(EncodeCommandTest, Multibulk) {
  EXPECT_EQ(EncodeCommand({"SET", "k", "a b"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n");
}

}  // namespace
}  // namespace ember::client
