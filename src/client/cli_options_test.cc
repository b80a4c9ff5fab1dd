#include "client/cli_options.h"

#include <gtest/gtest.h>

namespace ember::client {
namespace {

CliOptions Parse(std::vector<std::string> args) {
  CliOptions o;
  std::string error;
  EXPECT_TRUE(ParseCliOptions(args, &o, &error)) << error;
  return o;
}

TEST(CliOptionsTest, Defaults) {
  CliOptions o = Parse({});
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.db, 0);
  EXPECT_FALSE(o.raw.has_value());
  EXPECT_EQ(o.repeat, 1);
  EXPECT_TRUE(o.command.empty());
}

TEST(CliOptionsTest, OptionsThenCommand) {
  CliOptions o = Parse({"-h", "localhost", "-p", "7000", "-n", "3", "-3", "--raw", "-r", "5", "-i",
                        "0.5", "-x", "SET", "-k", "v"});
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 7000);
  EXPECT_EQ(o.db, 3);
  EXPECT_TRUE(o.resp3);
  EXPECT_EQ(o.raw, true);
  EXPECT_EQ(o.repeat, 5);
  EXPECT_DOUBLE_EQ(o.interval, 0.5);
  EXPECT_TRUE(o.stdin_last_arg);
  EXPECT_EQ(o.command, (std::vector<std::string>{"SET", "-k", "v"}));
  EXPECT_EQ(Parse({"--no-raw"}).raw, false);
  EXPECT_EQ(Parse({"-r", "-1", "PING"}).repeat, -1);
}

TEST(CliOptionsTest, AuthOptions) {
  CliOptions o = Parse({"--user", "alice", "--pass", "s3cret", "--no-auth-warning"});
  EXPECT_EQ(o.user, "alice");
  EXPECT_EQ(o.password, "s3cret");
  EXPECT_TRUE(o.no_auth_warning);
  EXPECT_EQ(Parse({"-a", "pw"}).password, "pw");
}

TEST(CliOptionsTest, Uri) {
  CliOptions o = Parse({"-u", "redis://bob:p%40ss@example.com:7001/4"});
  EXPECT_EQ(o.user, "bob");
  EXPECT_EQ(o.password, "p@ss");
  EXPECT_EQ(o.host, "example.com");
  EXPECT_EQ(o.port, 7001);
  EXPECT_EQ(o.db, 4);
  CliOptions p = Parse({"-u", "redis://:pw@h"});
  EXPECT_FALSE(p.user.has_value());
  EXPECT_EQ(p.password, "pw");
  EXPECT_EQ(p.port, 6379);
  CliOptions q = Parse({"-u", "redis://localhost"});
  EXPECT_EQ(q.host, "localhost");
  EXPECT_FALSE(q.password.has_value());
}

TEST(CliOptionsTest, Errors) {
  CliOptions o;
  std::string error;
  EXPECT_FALSE(ParseCliOptions({"-p", "x"}, &o, &error));
  error.clear();
  EXPECT_FALSE(ParseCliOptions({"-p"}, &o, &error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(ParseCliOptions({"--bogus"}, &o, &error));
  EXPECT_NE(error.find("--bogus"), std::string::npos);
  error.clear();
  EXPECT_FALSE(ParseCliOptions({"-u", "http://x"}, &o, &error));
  error.clear();
  EXPECT_FALSE(ParseCliOptions({"-n", "-1"}, &o, &error));
}

TEST(CliOptionsTest, ModesAndInfo) {
  EXPECT_TRUE(Parse({"--pipe"}).pipe);
  EXPECT_TRUE(Parse({"--latency"}).latency);
  EXPECT_TRUE(Parse({"--stat"}).stat);
  EXPECT_TRUE(Parse({"--help"}).help);
  EXPECT_TRUE(Parse({"--version"}).version);
  EXPECT_NE(CliUsage().find("--pipe"), std::string::npos);
}

}  // namespace
}  // namespace ember::client
