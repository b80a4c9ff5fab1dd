#include "resp/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ember::resp {
namespace {

class ParserTest : public ::testing::Test {
 protected:
  // Parses every complete request in `in`; returns the requests or "ERR:<msg>".
  std::vector<std::vector<std::string>> ParseAll(std::string in, std::string* err = nullptr) {
    std::vector<std::vector<std::string>> out;
    RequestParser p(&limits_);
    size_t off = 0;
    while (off < in.size()) {
      auto st = p.Parse(std::string_view(in).substr(off));
      if (st == ParseStatus::kIncomplete) break;
      if (st == ParseStatus::kError) {
        if (err) *err = std::string(p.error());
        break;
      }
      out.emplace_back(p.args().begin(), p.args().end());
      off += p.consumed();
    }
    return out;
  }
  ParserLimits limits_;
};

TEST_F(ParserTest, Multibulk) {
  auto r = ParseAll("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], (std::vector<std::string>{"GET", "foo"}));
}

TEST_F(ParserTest, PipelinedMixedInlineAndMultibulk) {
  auto r = ParseAll("PING\r\n*1\r\n$4\r\nPING\r\nSET k v\nGET k\r\n");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[2], (std::vector<std::string>{"SET", "k", "v"}));
  EXPECT_EQ(r[3], (std::vector<std::string>{"GET", "k"}));
}

TEST_F(ParserTest, BinarySafeBulk) {
  std::string v("a\0b\r\nc", 6);
  auto r = ParseAll("*2\r\n$3\r\nSET\r\n$6\r\n" + v + "\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][1], v);
}

TEST_F(ParserTest, EmptyRequestsAreSkippedNotErrors) {
  auto r = ParseAll("*0\r\n*-1\r\n\r\n   \r\n");
  ASSERT_EQ(r.size(), 4u);
  for (auto& x : r) EXPECT_TRUE(x.empty());
}

TEST_F(ParserTest, ResumesAcrossByteByByteDelivery) {
  std::string req = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\n";
  RequestParser p(&limits_);
  std::string buf;
  ParseStatus st = ParseStatus::kIncomplete;
  for (char c : req) {
    buf.push_back(c);
    st = p.Parse(buf);
    if (st != ParseStatus::kIncomplete) break;
  }
  ASSERT_EQ(st, ParseStatus::kOk);
  EXPECT_EQ(p.consumed(), req.size());
  EXPECT_EQ(p.args()[2], "0123456789");
}

TEST_F(ParserTest, ResumesWhenBufferMoves) {
  std::string part1 = "*2\r\n$3\r\nGET\r\n$5\r\nab";
  RequestParser p(&limits_);
  std::string a = part1;
  EXPECT_EQ(p.Parse(a), ParseStatus::kIncomplete);
  EXPECT_TRUE(p.InProgress());
  std::string b = a + "cde\r\n";  // a different buffer holding the same request start
  a.assign(a.size(), 'X');
  ASSERT_EQ(p.Parse(b), ParseStatus::kOk);
  EXPECT_EQ(p.args()[1], "abcde");
}

TEST_F(ParserTest, MinBytesAvoidsRescanningLargeBulk) {
  RequestParser p(&limits_);
  std::string buf = "*2\r\n$3\r\nSET\r\n$1000000\r\n";
  EXPECT_EQ(p.Parse(buf), ParseStatus::kIncomplete);
  EXPECT_EQ(p.MinBytes(), buf.size() + 1000000 + 2);
}

TEST_F(ParserTest, ProtocolErrors) {
  std::string err;
  ParseAll("*abc\r\n", &err);
  EXPECT_EQ(err, "Protocol error: invalid multibulk length");
  ParseAll("*2\r\n$x\r\n", &err);
  EXPECT_EQ(err, "Protocol error: invalid bulk length");
  ParseAll("*2\r\n+GET\r\n", &err);
  EXPECT_EQ(err, "Protocol error: expected '$', got '+'");
  ParseAll("*1\r\n$-5\r\n", &err);
  EXPECT_EQ(err, "Protocol error: invalid bulk length");
  ParseAll("SET k \"abc\n", &err);
  EXPECT_EQ(err, "Protocol error: unbalanced quotes in request");
  ParseAll("*2000000\r\n", &err);
  EXPECT_EQ(err, "Protocol error: invalid multibulk length");
}

TEST_F(ParserTest, OversizedBulkRejectedBeforeAllocation) {
  std::string err;
  ParseAll("*1\r\n$600000000\r\n", &err);
  EXPECT_EQ(err, "Protocol error: invalid bulk length");
}

TEST_F(ParserTest, TooBigInlineAndHeaders) {
  std::string err;
  ParseAll(std::string(70 * 1024, 'a'), &err);
  EXPECT_EQ(err, "Protocol error: too big inline request");
  ParseAll("*" + std::string(70 * 1024, '1'), &err);
  EXPECT_EQ(err, "Protocol error: too big mbulk count string");
  ParseAll("*1\r\n$" + std::string(70 * 1024, '1'), &err);
  EXPECT_EQ(err, "Protocol error: too big bulk count string");
}

TEST_F(ParserTest, HostileCountDoesNotAllocate) {
  // A million declared elements but only a few bytes: stays incomplete, no big reservation.
  RequestParser p(&limits_);
  EXPECT_EQ(p.Parse("*1000000\r\n$1\r\na\r\n"), ParseStatus::kIncomplete);
}

TEST(SplitInlineArgs, Quoting) {
  std::vector<std::string> out;
  ASSERT_TRUE(SplitInlineArgs(R"(set "a b" 'c d' "\x41\n" 'it\'s' "")", &out));
  EXPECT_EQ(out, (std::vector<std::string>{"set", "a b", "c d", "A\n", "it's", ""}));
  EXPECT_FALSE(SplitInlineArgs(R"("abc"def)", &out));
  EXPECT_FALSE(SplitInlineArgs(R"('abc)", &out));
  ASSERT_TRUE(SplitInlineArgs("  a   b  ", &out));
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b"}));
}

// The look-ahead agrees with the parser on complete canonical requests and gives up (0) on
// everything else, without consuming anything.
TEST(PeekRequestTest, SplitsCompleteRequestsAndGivesUpOnTheRest) {
  std::string_view args[4];
  size_t argc = 0;
  const std::string set = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
  const std::string two = set + "*1\r\n$4\r\nPING\r\n";  // args view it
  EXPECT_EQ(PeekRequest(two, args, 4, &argc), set.size());
  EXPECT_EQ(argc, 3u);
  EXPECT_EQ(args[0], "SET");
  EXPECT_EQ(args[1], "key");
  EXPECT_EQ(args[2], "value");

  // More arguments than room: the count is whole, the first `max` are stored.
  const std::string mset = "*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n";
  EXPECT_EQ(PeekRequest(mset, args, 2, &argc), mset.size());
  EXPECT_EQ(argc, 5u);
  EXPECT_EQ(args[1], "a");

  for (size_t cut = 0; cut < set.size(); ++cut)  // every incomplete prefix
    EXPECT_EQ(PeekRequest(set.substr(0, cut), args, 4, &argc), 0u) << cut;
  EXPECT_EQ(PeekRequest("PING\r\n", args, 4, &argc), 0u);         // inline
  EXPECT_EQ(PeekRequest("*0\r\n", args, 4, &argc), 0u);           // empty
  EXPECT_EQ(PeekRequest("*-1\r\n", args, 4, &argc), 0u);          // null
  EXPECT_EQ(PeekRequest("*1\r\n+PING\r\n", args, 4, &argc), 0u);  // not a bulk
  EXPECT_EQ(PeekRequest("*1\r\n$-1\r\n", args, 4, &argc), 0u);
  EXPECT_EQ(PeekRequest("*1\r\n$04\r\nPING\r\n", args, 4, &argc), 0u);  // not canonical
}

}  // namespace
}  // namespace ember::resp
