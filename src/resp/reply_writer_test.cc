#include "resp/reply_writer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ember::resp {
namespace {

TEST(ReplyWriter, Resp2Spellings) {
  std::string out;
  ReplyWriter w(&out);
  w.Ok();
  w.Error("ERR bad\r\nthing");
  w.Integer(-42);
  w.Bulk(std::string("a\0b", 3));
  w.Null();
  w.NullArray();
  w.MapHeader(1);
  w.SetHeader(2);
  w.Double(1.5);
  w.Bool(true);
  w.Verbatim("hi");
  EXPECT_EQ(out, std::string("+OK\r\n-ERR bad  thing\r\n:-42\r\n$3\r\na\0b\r\n$-1\r\n*-1\r\n"
                             "*2\r\n*2\r\n$3\r\n1.5\r\n:1\r\n$2\r\nhi\r\n",
                             76));
}

TEST(ReplyWriter, Resp3Spellings) {
  std::string out;
  ReplyWriter w(&out);
  w.set_resp3(true);
  w.Null();
  w.NullArray();
  w.MapHeader(2);
  w.SetHeader(3);
  w.PushHeader(1);
  w.Double(1.5);
  w.Double(INFINITY);
  w.Bool(false);
  w.Verbatim("hi");
  EXPECT_EQ(out, "_\r\n_\r\n%2\r\n~3\r\n>1\r\n,1.5\r\n,inf\r\n#f\r\n=6\r\ntxt:hi\r\n");
}

TEST(ReplyWriter, LargeBulkAndEmpty) {
  std::string out;
  ReplyWriter w(&out);
  w.Bulk("");
  std::string big(1 << 20, 'x');
  w.Bulk(big);
  EXPECT_EQ(out.substr(0, 6), "$0\r\n\r\n");
  EXPECT_EQ(out.substr(6, 11), "$1048576\r\nx");
  EXPECT_EQ(out.size(), 6 + 10 + big.size() + 2);
}

}  // namespace
}  // namespace ember::resp
