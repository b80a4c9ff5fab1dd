#include "client/command_help.h"

#include <gtest/gtest.h>

namespace ember::client {
namespace {

Reply Parse(std::string_view data) {
  Reply r;
  size_t used;
  std::string error;
  EXPECT_EQ(ParseReply(data, &r, &used, &error), ReplyParseStatus::kOk) << error;
  return r;
}

Reply S(const char* s) { return Reply::String(s); }
Reply A(std::vector<Reply> e) { return Reply::Aggregate(ReplyType::kArray, std::move(e)); }

// The COMMAND DOCS entry of SET, in RESP2 form (flat key/value arrays).
Reply SetDocs() {
  Reply key = A({S("name"), S("key"), S("type"), S("key")});
  Reply value = A({S("name"), S("value"), S("type"), S("string")});
  Reply nx = A({S("name"), S("nx"), S("type"), S("pure-token"), S("token"), S("NX")});
  Reply xx = A({S("name"), S("xx"), S("type"), S("pure-token"), S("token"), S("XX")});
  Reply cond = A({S("name"), S("condition"), S("type"), S("oneof"), S("flags"), A({S("optional")}),
                  S("arguments"), A({nx, xx})});
  Reply get = A({S("name"), S("get"), S("type"), S("pure-token"), S("token"), S("GET"), S("flags"),
                 A({S("optional")})});
  Reply ex = A({S("name"), S("seconds"), S("type"), S("integer"), S("token"), S("EX")});
  Reply keep = A({S("name"), S("keepttl"), S("type"), S("pure-token"), S("token"), S("KEEPTTL")});
  Reply expiration = A({S("name"), S("expiration"), S("type"), S("oneof"), S("flags"),
                        A({S("optional")}), S("arguments"), A({ex, keep})});
  Reply doc = A({S("summary"), S("Set the string value of a key"), S("since"), S("1.0.0"),
                 S("group"), S("string"), S("arguments"), A({key, value, cond, get, expiration})});
  Reply del_key = A({S("name"), S("key"), S("type"), S("key"), S("flags"), A({S("multiple")})});
  Reply del = A({S("summary"), S("Delete a key"), S("since"), S("1.0.0"), S("group"), S("generic"),
                 S("arguments"), A({del_key})});
  Reply cfg_get = A({S("summary"), S("Get parameters"), S("since"), S("2.0.0"), S("group"),
                     S("server"), S("arguments"),
                     A({A({S("name"), S("parameter"), S("type"), S("string"), S("flags"),
                           A({S("multiple")})})})});
  Reply config = A({S("summary"), S("Config"), S("since"), S("2.0.0"), S("group"), S("server"),
                    S("subcommands"), A({S("config|get"), cfg_get})});
  return A({S("set"), doc, S("del"), del, S("config"), config});
}

TEST(CommandHelpTest, SyntaxFromDocs) {
  HelpTable t;
  t.Load(SetDocs());
  ASSERT_NE(t.Find("SET"), nullptr);
  EXPECT_EQ(t.Find("set")->params, "key value [NX|XX] [GET] [EX seconds|KEEPTTL]");
  EXPECT_EQ(t.Find("del")->params, "key [key ...]");
  ASSERT_NE(t.Find("config get"), nullptr);
  EXPECT_EQ(t.Find("CONFIG GET")->params, "parameter [parameter ...]");
  EXPECT_EQ(t.Find("nosuch"), nullptr);
}

TEST(CommandHelpTest, Resp3MapsWork) {
  Reply docs = Parse(
      "%1\r\n$3\r\nget\r\n%2\r\n$7\r\nsummary\r\n$3\r\nGet\r\n$9\r\narguments\r\n"
      "*1\r\n%2\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n");
  HelpTable t;
  t.Load(docs);
  ASSERT_NE(t.Find("get"), nullptr);
  EXPECT_EQ(t.Find("get")->params, "key");
}

TEST(CommandHelpTest, HintsDropTypedArguments) {
  HelpTable t;
  t.Load(SetDocs());
  EXPECT_EQ(t.Hint("set"), " key value [NX|XX] [GET] [EX seconds|KEEPTTL]");
  EXPECT_EQ(t.Hint("SET "), "key value [NX|XX] [GET] [EX seconds|KEEPTTL]");
  EXPECT_EQ(t.Hint("SET k "), "value [NX|XX] [GET] [EX seconds|KEEPTTL]");
  EXPECT_EQ(t.Hint("SET \"a b\" "), "value [NX|XX] [GET] [EX seconds|KEEPTTL]");
  EXPECT_EQ(t.Hint("SET k v"), "");  // an argument is being typed
  EXPECT_EQ(t.Hint("config get "), "parameter [parameter ...]");
  EXPECT_EQ(t.Hint("nosuch "), "");
  EXPECT_EQ(t.Hint(""), "");
  EXPECT_EQ(t.Hint("SET \"open"), "");
}

TEST(CommandHelpTest, HelpText) {
  HelpTable t;
  t.Load(SetDocs());
  EXPECT_EQ(t.HelpText({"set"}, "1.0"),
            "\n  SET key value [NX|XX] [GET] [EX seconds|KEEPTTL]\n"
            "  summary: Set the string value of a key\n  since: 1.0.0\n  group: string\n\n");
  EXPECT_NE(t.HelpText({"@generic"}, "1.0").find("DEL key [key ...]"), std::string::npos);
  EXPECT_NE(t.HelpText({}, "1.0").find("help <command>"), std::string::npos);
  EXPECT_EQ(t.HelpText({"nosuch"}, "1.0"), "");
}

TEST(CommandHelpTest, SyntaxParts) {
  EXPECT_EQ(SyntaxParts("key [EX seconds|PX ms] [GET]"),
            (std::vector<std::string>{"key", "[EX seconds|PX ms]", "[GET]"}));
}

}  // namespace
}  // namespace ember::client
