#include "cmd/syntax.h"

#include <gtest/gtest.h>

namespace ember::cmd {
namespace {

std::vector<SyntaxArg> Parse(std::string_view s) {
  std::vector<SyntaxArg> out;
  std::string err;
  EXPECT_TRUE(ParseSyntax(s, &out, &err)) << s << ": " << err;
  return out;
}

std::string ParseError(std::string_view s) {
  std::vector<SyntaxArg> out;
  std::string err;
  EXPECT_FALSE(ParseSyntax(s, &out, &err)) << s;
  return err;
}

SyntaxArg Arg(std::string name, ArgType type, std::string token = "") {
  SyntaxArg a;
  a.name = std::move(name);
  a.type = type;
  a.token = std::move(token);
  return a;
}

SyntaxArg Token(std::string token) {
  SyntaxArg a;
  a.name = token;
  for (char& c : a.name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  a.type = ArgType::kPureToken;
  a.token = std::move(token);
  return a;
}

SyntaxArg Optional(SyntaxArg a) {
  a.optional = true;
  return a;
}

SyntaxArg Multiple(SyntaxArg a) {
  a.multiple = true;
  return a;
}

TEST(SyntaxTest, EmptyAndPlainArguments) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("   ").empty());
  auto args = Parse("key value");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], Arg("key", ArgType::kKey));
  EXPECT_EQ(args[1], Arg("value", ArgType::kString));
}

TEST(SyntaxTest, OptionalArgument) {
  auto args = Parse("[message]");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], Optional(Arg("message", ArgType::kString)));
}

TEST(SyntaxTest, RepeatedKey) {
  auto args = Parse("key [key ...]");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], Multiple(Arg("key", ArgType::kKey)));

  args = Parse("[key [key ...]]");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], Optional(Multiple(Arg("key", ArgType::kKey))));
}

TEST(SyntaxTest, RepeatedPairBecomesBlock) {
  auto args = Parse("key field value [field value ...]");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[1].type, ArgType::kBlock);
  EXPECT_TRUE(args[1].multiple);
  EXPECT_FALSE(args[1].optional);
  ASSERT_EQ(args[1].args.size(), 2u);
  EXPECT_EQ(args[1].args[0], Arg("field", ArgType::kString));
  EXPECT_EQ(args[1].args[1], Arg("value", ArgType::kString));
}

TEST(SyntaxTest, SetCommand) {
  auto args = Parse(
      "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
      "PXAT unix-time-milliseconds | KEEPTTL]");
  ASSERT_EQ(args.size(), 5u);
  EXPECT_EQ(args[0], Arg("key", ArgType::kKey));
  EXPECT_EQ(args[1], Arg("value", ArgType::kString));

  const SyntaxArg& cond = args[2];
  EXPECT_EQ(cond.type, ArgType::kOneOf);
  EXPECT_TRUE(cond.optional);
  EXPECT_EQ(cond.name, "nx_xx");
  ASSERT_EQ(cond.args.size(), 2u);
  EXPECT_EQ(cond.args[0], Token("NX"));
  EXPECT_EQ(cond.args[1], Token("XX"));

  EXPECT_EQ(args[3], Optional(Token("GET")));

  const SyntaxArg& exp = args[4];
  EXPECT_EQ(exp.type, ArgType::kOneOf);
  EXPECT_TRUE(exp.optional);
  ASSERT_EQ(exp.args.size(), 5u);
  EXPECT_EQ(exp.args[0], Arg("seconds", ArgType::kInteger, "EX"));
  EXPECT_EQ(exp.args[1], Arg("milliseconds", ArgType::kInteger, "PX"));
  EXPECT_EQ(exp.args[2], Arg("unix-time-seconds", ArgType::kUnixTime, "EXAT"));
  EXPECT_EQ(exp.args[3], Arg("unix-time-milliseconds", ArgType::kUnixTime, "PXAT"));
  EXPECT_EQ(exp.args[4], Token("KEEPTTL"));
}

TEST(SyntaxTest, TokenWithArgument) {
  auto args = Parse("cursor [MATCH pattern] [COUNT count] [TYPE type]");
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0], Arg("cursor", ArgType::kInteger));
  EXPECT_EQ(args[1], Optional(Arg("pattern", ArgType::kPattern, "MATCH")));
  EXPECT_EQ(args[2], Optional(Arg("count", ArgType::kInteger, "COUNT")));
  EXPECT_EQ(args[3], Optional(Arg("type", ArgType::kString, "TYPE")));
}

TEST(SyntaxTest, TokenIntroducingBlock) {
  auto args = Parse("key [LIMIT offset count]");
  ASSERT_EQ(args.size(), 2u);
  const SyntaxArg& limit = args[1];
  EXPECT_EQ(limit.type, ArgType::kBlock);
  EXPECT_EQ(limit.name, "limit");
  EXPECT_EQ(limit.token, "LIMIT");
  EXPECT_TRUE(limit.optional);
  ASSERT_EQ(limit.args.size(), 2u);
  EXPECT_EQ(limit.args[0], Arg("offset", ArgType::kInteger));
  EXPECT_EQ(limit.args[1], Arg("count", ArgType::kInteger));
}

TEST(SyntaxTest, TokenBeforeRepeatedArgumentIntroducesBlock) {
  auto args = Parse("[ID client-id [client-id ...]]");
  ASSERT_EQ(args.size(), 1u);
  const SyntaxArg& id = args[0];
  EXPECT_EQ(id.type, ArgType::kBlock);
  EXPECT_EQ(id.name, "id");
  EXPECT_EQ(id.token, "ID");
  EXPECT_TRUE(id.optional);
  EXPECT_FALSE(id.multiple);
  ASSERT_EQ(id.args.size(), 1u);
  EXPECT_EQ(id.args[0], Multiple(Arg("client-id", ArgType::kInteger)));

  args = Parse("STREAMS key [key ...] id [id ...]");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0].token, "STREAMS");
  EXPECT_EQ(args[0].args[0], Multiple(Arg("key", ArgType::kKey)));
  EXPECT_EQ(args[1], Multiple(Arg("id", ArgType::kString)));
}

TEST(SyntaxTest, RepeatedTokenIsMultipleToken) {
  auto args = Parse("key [GET pattern [GET pattern ...]]");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[1].token, "GET");
  EXPECT_EQ(args[1].name, "pattern");
  EXPECT_TRUE(args[1].multiple);
  EXPECT_TRUE(args[1].multiple_token);
  EXPECT_TRUE(args[1].optional);
}

TEST(SyntaxTest, RequiredChoiceWithToken) {
  auto args = Parse("[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>]");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, ArgType::kOneOf);
  EXPECT_EQ(args[0].token, "TYPE");
  EXPECT_TRUE(args[0].optional);
  EXPECT_EQ(args[0].args.size(), 4u);
  EXPECT_FALSE(args[0].args[0].optional);

  args = Parse("<ON | OFF | SKIP>");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, ArgType::kOneOf);
  EXPECT_FALSE(args[0].optional);
  EXPECT_EQ(args[0].args[2], Token("SKIP"));
}

TEST(SyntaxTest, NestedOptionalBlock) {
  auto args = Parse("[protover [AUTH username password] [SETNAME clientname]]");
  ASSERT_EQ(args.size(), 1u);
  const SyntaxArg& block = args[0];
  EXPECT_EQ(block.type, ArgType::kBlock);
  EXPECT_TRUE(block.optional);
  ASSERT_EQ(block.args.size(), 3u);
  EXPECT_EQ(block.args[0], Arg("protover", ArgType::kInteger));
  EXPECT_EQ(block.args[1].type, ArgType::kBlock);
  EXPECT_EQ(block.args[1].token, "AUTH");
  EXPECT_TRUE(block.args[1].optional);
  EXPECT_EQ(block.args[1].args.size(), 2u);
  EXPECT_EQ(block.args[2], Optional(Arg("clientname", ArgType::kString, "SETNAME")));
}

TEST(SyntaxTest, TokenLedBlockWithOptionalTail) {
  auto args = Parse("[COUNT count [ANY]]");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, ArgType::kBlock);
  EXPECT_EQ(args[0].token, "COUNT");
  ASSERT_EQ(args[0].args.size(), 2u);
  EXPECT_EQ(args[0].args[0], Arg("count", ArgType::kInteger));
  EXPECT_EQ(args[0].args[1], Optional(Token("ANY")));
}

TEST(SyntaxTest, RepeatedChoice) {
  auto args = Parse(
      "<ip:port | <[ID client-id] | [SKIPME <YES | NO>]> [<[ID client-id] | "
      "[SKIPME <YES | NO>]> ...]>");
  ASSERT_EQ(args.size(), 1u);
  const SyntaxArg& filter = args[0];
  EXPECT_EQ(filter.type, ArgType::kOneOf);
  ASSERT_EQ(filter.args.size(), 2u);
  EXPECT_EQ(filter.args[0], Arg("ip:port", ArgType::kString));
  const SyntaxArg& news = filter.args[1];
  EXPECT_EQ(news.type, ArgType::kOneOf);
  EXPECT_TRUE(news.multiple);
  EXPECT_FALSE(news.optional);
  ASSERT_EQ(news.args.size(), 2u);
  EXPECT_EQ(news.args[0], Optional(Arg("client-id", ArgType::kInteger, "ID")));
  EXPECT_EQ(news.args[1].token, "SKIPME");
}

TEST(SyntaxTest, SymbolsAreTokens) {
  auto args = Parse("key [= | ~] <* | id>");
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[1].args[0], Token("="));
  EXPECT_EQ(args[2].args[0], Token("*"));
  EXPECT_EQ(args[2].args[1], Arg("id", ArgType::kString));
}

TEST(SyntaxTest, TrailingEllipsisWord) {
  auto args = Parse("key ...");
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0], Multiple(Arg("key", ArgType::kKey)));
}

TEST(SyntaxTest, TokenDoesNotSwallowOptionalNeighbour) {
  auto args = Parse("WITHSCORES [count]");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0], Token("WITHSCORES"));
  EXPECT_EQ(args[1], Optional(Arg("count", ArgType::kInteger)));
}

TEST(SyntaxTest, Errors) {
  EXPECT_EQ(ParseError("[key"), "missing ']'");
  EXPECT_EQ(ParseError("<a | b"), "missing '>'");
  EXPECT_EQ(ParseError("key]"), "unexpected ']' at offset 3");
  EXPECT_EQ(ParseError("a | b"), "unexpected '|' at offset 2");
  EXPECT_NE(ParseError("[]").find("empty group"), std::string::npos);
  EXPECT_NE(ParseError("[a | ]").find("empty group"), std::string::npos);
  EXPECT_EQ(ParseError("..."), "'...' with nothing to repeat");
  EXPECT_EQ(ParseError("[...]"), "'...' with nothing to repeat");
}

TEST(SyntaxTest, FormatRoundTrips) {
  for (std::string_view s : {
           "key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]",
           "key [key ...]",
           "[key [key ...]]",
           "key field value [field value ...]",
           "cursor [MATCH pattern] [COUNT count]",
           "key [LIMIT offset count]",
           "[ID client-id [client-id ...]]",
           "STREAMS key [key ...] id [id ...]",
           "key [GET pattern [GET pattern ...]]",
           "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>]",
           "<ON | OFF | SKIP>",
           "[protover [AUTH username password] [SETNAME clientname]]",
           "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
           "[COUNT count [ANY]]",
       }) {
    EXPECT_EQ(FormatSyntax(Parse(s)), s);
  }
  EXPECT_EQ(FormatSyntax(Parse("  key   [ NX|XX ]  ")), "key [NX | XX]");
}

// Random token soup: the parser never crashes, and whatever parses formats to a fixed point.
TEST(SyntaxTest, RandomInputFormatsToFixedPoint) {
  static constexpr std::string_view kPieces[] = {
      "[", "]", "<", ">", "|", "...", " ", "key", "value", "NX", "GET", "count", "=", "x y"};
  uint64_t seed = 12345;
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    int n = static_cast<int>(seed % 12);
    for (int i = 0; i < n; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      s += kPieces[(seed >> 33) % std::size(kPieces)];
      s += ' ';
    }
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    std::vector<SyntaxArg> args;
    std::string err;
    if (!ParseSyntax(s, &args, &err)) {
      EXPECT_FALSE(err.empty()) << s;
      continue;
    }
    ++parsed;
    std::string once = FormatSyntax(args);
    std::vector<SyntaxArg> again;
    ASSERT_TRUE(ParseSyntax(once, &again, &err)) << s << " -> " << once << ": " << err;
    EXPECT_EQ(FormatSyntax(again), once) << s;
  }
  EXPECT_GT(parsed, 1000);
}

TEST(SyntaxTest, InferArgType) {
  EXPECT_EQ(InferArgType("key"), ArgType::kKey);
  EXPECT_EQ(InferArgType("newkey"), ArgType::kKey);
  EXPECT_EQ(InferArgType("destination"), ArgType::kKey);
  EXPECT_EQ(InferArgType("pattern"), ArgType::kPattern);
  EXPECT_EQ(InferArgType("count"), ArgType::kInteger);
  EXPECT_EQ(InferArgType("score"), ArgType::kDouble);
  EXPECT_EQ(InferArgType("unix-time-seconds"), ArgType::kUnixTime);
  EXPECT_EQ(InferArgType("value"), ArgType::kString);
  EXPECT_EQ(InferArgType("kkey"), ArgType::kKey);
  EXPECT_EQ(InferArgType("ke"), ArgType::kString);
}

TEST(SyntaxTest, ArgTypeNames) {
  EXPECT_EQ(ArgTypeName(ArgType::kPureToken), "pure-token");
  EXPECT_EQ(ArgTypeName(ArgType::kUnixTime), "unix-time");
  EXPECT_EQ(ArgTypeName(ArgType::kOneOf), "oneof");
  EXPECT_EQ(ArgTypeName(ArgType::kBlock), "block");
  EXPECT_EQ(ArgTypeName(ArgType::kKey), "key");
}

}  // namespace
}  // namespace ember::cmd
