#include "persist/aof_propagate.h"

#include <gtest/gtest.h>

#include <limits>

namespace ember::persist {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::vector<AofCommand> Det(std::vector<std::string_view> args) {
  return MakeDeterministic(args, kNow);
}

TEST(AofPropagate, EncodesResp) {
  std::string out;
  std::vector<std::string_view> args = {"SET", "k", ""};
  AppendRespCommand(&out, args);
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  std::vector<std::string> owned = {"a\r\nb"};
  AppendRespCommand(&out, owned);
  EXPECT_EQ(out.substr(26), "*1\r\n$4\r\na\r\nb\r\n");
}

TEST(AofPropagate, SetRelativeExpiriesBecomePxat) {
  EXPECT_EQ(Det({"SET", "k", "v", "EX", "10"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "PXAT", "1700000010000"}}));
  EXPECT_EQ(Det({"set", "k", "v", "px", "5", "NX"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "PXAT", "1700000000005", "NX"}}));
  EXPECT_EQ(Det({"SET", "k", "v", "XX", "exat", "1800000000"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "XX", "PXAT", "1800000000000"}}));
  EXPECT_EQ(Det({"SET", "k", "v", "PXAT", "42"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "PXAT", "42"}}));
  EXPECT_EQ(Det({"SET", "k", "v", "KEEPTTL"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "KEEPTTL"}}));
  // A key or value that looks like an option is not rewritten.
  EXPECT_EQ(Det({"SET", "EX", "10"}), (std::vector<AofCommand>{{"SET", "EX", "10"}}));
}

TEST(AofPropagate, SetexAndPsetex) {
  EXPECT_EQ(Det({"SETEX", "k", "10", "v"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "PXAT", "1700000010000"}}));
  EXPECT_EQ(Det({"psetex", "k", "1500", "v"}),
            (std::vector<AofCommand>{{"SET", "k", "v", "PXAT", "1700000001500"}}));
}

TEST(AofPropagate, ExpireFamilyBecomesPexpireat) {
  EXPECT_EQ(Det({"EXPIRE", "k", "10"}),
            (std::vector<AofCommand>{{"PEXPIREAT", "k", "1700000010000"}}));
  EXPECT_EQ(Det({"PEXPIRE", "k", "10", "GT"}),
            (std::vector<AofCommand>{{"PEXPIREAT", "k", "1700000000010", "GT"}}));
  EXPECT_EQ(Det({"EXPIREAT", "k", "1800000000"}),
            (std::vector<AofCommand>{{"PEXPIREAT", "k", "1800000000000"}}));
  EXPECT_EQ(Det({"PEXPIREAT", "k", "7"}), (std::vector<AofCommand>{{"PEXPIREAT", "k", "7"}}));
}

TEST(AofPropagate, GetexOptions) {
  EXPECT_EQ(Det({"GETEX", "k", "EX", "1"}),
            (std::vector<AofCommand>{{"PEXPIREAT", "k", "1700000001000"}}));
  EXPECT_EQ(Det({"GETEX", "k", "PXAT", "99"}), (std::vector<AofCommand>{{"PEXPIREAT", "k", "99"}}));
  EXPECT_EQ(Det({"getex", "k", "persist"}), (std::vector<AofCommand>{{"PERSIST", "k"}}));
  EXPECT_TRUE(Det({"GETEX", "k"}).empty());
}

TEST(AofPropagate, IncrByFloatAndPassThrough) {
  EXPECT_EQ(RewriteIncrByFloat("f", "3.5"), (AofCommand{"SET", "f", "3.5", "KEEPTTL"}));
  EXPECT_EQ(Det({"DEL", "a", "b"}), (std::vector<AofCommand>{{"DEL", "a", "b"}}));
  EXPECT_TRUE(Det({}).empty());
}

TEST(AofPropagate, HugeExpiriesSaturate) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(AbsoluteExpireMs(kMax / 10, 1000, kNow), kMax);
  EXPECT_EQ(AbsoluteExpireMs(kMax, 1, kNow), kMax);
  EXPECT_EQ(AbsoluteExpireMs(-5, 1000, kNow), kNow - 5000);
}

}  // namespace
}  // namespace ember::persist
