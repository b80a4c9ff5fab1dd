// Expected texts are what redis-cli 7.0.15 prints for the same replies (checked against
// redis-server's and Ember's DEBUG PROTOCOL, LRANGE, EVAL and COMMAND DOCS).
#include "client/format.h"

#include <gtest/gtest.h>

namespace ember::client {
namespace {

std::string Tty(const Reply& r) { return FormatReply(r, OutputMode::kTty); }
std::string Raw(const Reply& r) { return FormatReply(r, OutputMode::kRaw); }

Reply Parse(std::string_view data) {
  Reply r;
  size_t used;
  std::string error;
  EXPECT_EQ(ParseReply(data, &r, &used, &error), ReplyParseStatus::kOk) << error;
  return r;
}

Reply Int(int64_t v) { return Reply::Integer(v); }
Reply Arr(std::vector<Reply> e) { return Reply::Aggregate(ReplyType::kArray, std::move(e)); }

TEST(FormatTest, Scalars) {
  EXPECT_EQ(Tty(Reply::Status("OK")), "OK\n");
  EXPECT_EQ(Raw(Reply::Status("OK")), "OK\n");
  EXPECT_EQ(Tty(Reply::String("Hello World")), "\"Hello World\"\n");
  EXPECT_EQ(Raw(Reply::String("Hello World")), "Hello World\n");
  EXPECT_EQ(Tty(Int(12345)), "(integer) 12345\n");
  EXPECT_EQ(Raw(Int(12345)), "12345\n");
  EXPECT_EQ(Tty(Reply()), "(nil)\n");
  EXPECT_EQ(Raw(Reply()), "\n");
  EXPECT_EQ(Tty(Parse(",3.141\r\n")), "(double) 3.141\n");
  EXPECT_EQ(Raw(Parse(",3.141\r\n")), "3.141\n");
  EXPECT_EQ(Tty(Parse("#t\r\n")), "(true)\n");
  EXPECT_EQ(Tty(Parse("#f\r\n")), "(false)\n");
  EXPECT_EQ(Raw(Parse("#t\r\n")), "(true)\n");
  EXPECT_EQ(Raw(Parse("#f\r\n")), "(false)\n");
  // redis-cli 7.0 prints "Unknown reply type: 13" for big numbers; we print them like 7.2.
  EXPECT_EQ(Tty(Parse("(1234567999999999999999999999999999999\r\n")),
            "(big number) 1234567999999999999999999999999999999\n");
  EXPECT_EQ(Raw(Parse("(12\r\n")), "12\n");
  Reply verbatim = Parse("=29\r\ntxt:This is a verbatim\nstring\r\n");
  EXPECT_EQ(Tty(verbatim), "This is a verbatim\nstring\n");
  EXPECT_EQ(Raw(verbatim), "This is a verbatim\nstring\n");
}

TEST(FormatTest, Errors) {
  Reply e = Reply::Error("ERR unknown command 'foo', with args beginning with: ");
  EXPECT_EQ(Tty(e), "(error) ERR unknown command 'foo', with args beginning with: \n");
  // Raw mode leaves an empty line after an error, as redis-cli does.
  EXPECT_EQ(Raw(e), "ERR unknown command 'foo', with args beginning with: \n\n");
}

TEST(FormatTest, QuotingOfBinaryStrings) {
  EXPECT_EQ(QuoteString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteString("This is a verbatim\nstring"), "\"This is a verbatim\\nstring\"");
  EXPECT_EQ(QuoteString(std::string("\r\t\a\b\x01\xff", 6)), "\"\\r\\t\\a\\b\\x01\\xff\"");
  EXPECT_EQ(QuoteString(""), "\"\"");
  EXPECT_EQ(Raw(Reply::String(std::string("a\0b", 3))), std::string("a\0b\n", 4));
}

TEST(FormatTest, ArraysNestedAndEmpty) {
  // EVAL "return {1,{2,{3,'a'}},'x',false,{},{''}}" 0
  Reply r = Arr({Int(1), Arr({Int(2), Arr({Int(3), Reply::String("a")})}), Reply::String("x"),
                 Reply(), Arr({}), Arr({Reply::String("")})});
  EXPECT_EQ(Tty(r),
            "1) (integer) 1\n"
            "2) 1) (integer) 2\n"
            "   2) 1) (integer) 3\n"
            "      2) \"a\"\n"
            "3) \"x\"\n"
            "4) (nil)\n"
            "5) (empty array)\n"
            "6) 1) \"\"\n");
  EXPECT_EQ(Raw(r), "1\n2\n3\na\nx\n\n\n\n");
  EXPECT_EQ(Tty(Arr({})), "(empty array)\n");
  EXPECT_EQ(Raw(Arr({})), "\n");
}

TEST(FormatTest, IndexesAreRightAlignedPastNine) {
  std::vector<Reply> items;
  for (int i = 1; i <= 12; ++i) items.push_back(Arr({Int(i), Reply::String("v")}));
  std::string out = Tty(Arr(items));
  EXPECT_EQ(out.substr(0, 30), " 1) 1) (integer) 1\n    2) \"v\"\n");
  EXPECT_NE(out.find("\n10) 1) (integer) 10\n    2) \"v\"\n"), std::string::npos);
}

TEST(FormatTest, Resp3SetMapAndPush) {
  Reply set = Parse("~3\r\n:0\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Tty(set), "1~ (integer) 0\n2~ (integer) 1\n3~ (integer) 2\n");
  EXPECT_EQ(Raw(set), "0\n1\n2\n");
  Reply map = Parse("%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n");
  EXPECT_EQ(Tty(map),
            "1# (integer) 0 => (false)\n2# (integer) 1 => (true)\n3# (integer) 2 => (false)\n");
  EXPECT_EQ(Raw(map), "0 (false)\n1 (true)\n2 (false)\n");
  Reply push = Parse(">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n");
  EXPECT_EQ(Tty(push), "1) \"server-cpu-usage\"\n2) (integer) 42\n");
  EXPECT_EQ(Tty(Parse("%0\r\n")), "(empty hash)\n");
  EXPECT_EQ(Tty(Parse("~0\r\n")), "(empty set)\n");
}

TEST(FormatTest, NestedMapsStartOnTheirOwnLine) {
  // COMMAND DOCS GET in RESP3, abridged.
  Reply docs = Parse(
      "%1\r\n$3\r\nget\r\n%2\r\n$7\r\nsummary\r\n$3\r\nGet\r\n$9\r\narguments\r\n"
      "*1\r\n%2\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n");
  EXPECT_EQ(Tty(docs),
            "1# \"get\" => \n"
            "   1# \"summary\" => \"Get\"\n"
            "   2# \"arguments\" => \n"
            "      1) 1# \"name\" => \"key\"\n"
            "         2# \"type\" => \"key\"\n");
  // HELLO 3: an empty aggregate stays on the key's line.
  Reply hello = Parse("%2\r\n$5\r\nproto\r\n:3\r\n$7\r\nmodules\r\n*0\r\n");
  EXPECT_EQ(Tty(hello), "1# \"proto\" => (integer) 3\n2# \"modules\" => (empty array)\n");
  EXPECT_EQ(Raw(hello), "proto 3\nmodules \n");
  // A set value stays on its key's line.
  EXPECT_EQ(Tty(Parse("%1\r\n$5\r\nflags\r\n~1\r\n+optional\r\n")),
            "1# \"flags\" => 1~ optional\n");
}

}  // namespace
}  // namespace ember::client
