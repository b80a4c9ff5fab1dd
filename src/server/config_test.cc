#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ember::server {
namespace {

std::string Get(const Config& c, const std::string& name) {
  auto r = c.GetMatching({name});
  return r.empty() ? "<none>" : r[0].second;
}

// argv for LoadArgs from a list of words (argv[0] is the program).
std::string Load(Config& c, std::vector<std::string> words) {
  words.insert(words.begin(), "ember-server");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return c.LoadArgs(static_cast<int>(argv.size()), argv.data());
}

TEST(ParseMemoryTest, UnitsAndErrors) {
  int64_t v = -1;
  EXPECT_TRUE(ParseMemory("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseMemory("", &v));  // Redis: empty is 0
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseMemory("010", &v));  // leading zeros allowed
  EXPECT_EQ(v, 10);
  EXPECT_TRUE(ParseMemory("5k", &v));
  EXPECT_EQ(v, 5000);
  EXPECT_TRUE(ParseMemory("5KB", &v));
  EXPECT_EQ(v, 5120);
  EXPECT_TRUE(ParseMemory("3m", &v));
  EXPECT_EQ(v, 3000000);
  EXPECT_TRUE(ParseMemory("3Mb", &v));
  EXPECT_EQ(v, 3 * 1024 * 1024);
  EXPECT_TRUE(ParseMemory("2gb", &v));
  EXPECT_EQ(v, 2LL * 1024 * 1024 * 1024);
  EXPECT_TRUE(ParseMemory("7b", &v));
  EXPECT_EQ(v, 7);
  for (const char* bad : {"-1", "+5", " 5", "5 ", "1.5gb", "1e3", "5kbb", "5t", "abc",
                          "99999999999999999999", "9000000000gb"}) {
    EXPECT_FALSE(ParseMemory(bad, &v)) << bad;
  }
}

TEST(NotifyFlagsTest, CanonicalForm) {
  int64_t f = 0;
  ASSERT_TRUE(ParseNotifyFlags("KEA", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "AKE");
  ASSERT_TRUE(ParseNotifyFlags("Ex", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "xE");
  ASSERT_TRUE(ParseNotifyFlags("Egm$", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "g$Em");
  ASSERT_TRUE(ParseNotifyFlags("dtexzhsl$g", &f));
  EXPECT_EQ(NotifyFlagsToString(f), "A");
  ASSERT_TRUE(ParseNotifyFlags("nmKA", &f));  // 'n' is kept but, as in Redis 7.0, not printed
  EXPECT_TRUE(f & kNotifyNew);
  EXPECT_EQ(NotifyFlagsToString(f), "AKm");
  ASSERT_TRUE(ParseNotifyFlags("", &f));
  EXPECT_EQ(f, 0);
  EXPECT_FALSE(ParseNotifyFlags("aK", &f));
}

TEST(QuoteConfigValueTest, Escapes) {
  EXPECT_EQ(QuoteConfigValue("abc"), "\"abc\"");
  EXPECT_EQ(QuoteConfigValue(""), "\"\"");
  EXPECT_EQ(QuoteConfigValue("a b\"c\\"), "\"a b\\\"c\\\\\"");
  EXPECT_EQ(QuoteConfigValue(std::string("\n\r\t\x01", 4)), "\"\\n\\r\\t\\x01\"");
}

TEST(ConfigTest, Defaults) {
  Config c;
  EXPECT_EQ(Get(c, "port"), "6379");
  EXPECT_EQ(Get(c, "hz"), "10");
  EXPECT_EQ(Get(c, "maxmemory"), "0");
  EXPECT_EQ(Get(c, "maxmemory-policy"), "noeviction");
  EXPECT_EQ(Get(c, "loglevel"), "notice");
  EXPECT_EQ(Get(c, "save"), "3600 1 300 100 60 10000");
  EXPECT_EQ(Get(c, "appendonly"), "yes");  // the default (Redis: no)
  EXPECT_EQ(Get(c, "appendfsync"), "everysec");
  EXPECT_EQ(Get(c, "bind"), "127.0.0.1 -::1");
  EXPECT_EQ(Get(c, "list-max-listpack-size"), "-2");
  EXPECT_EQ(c.GetInt("hash-max-listpack-entries"), 512);
  EXPECT_EQ(c.GetInt("hash-max-ziplist-entries"), 512);  // alias
  EXPECT_EQ(c.GetInt("rdbcompression"), 1);
  EXPECT_GE(c.threads.load(), 1);
  // Every directive's default is what it reports before any change.
  for (const auto& d : c.directives()) {
    if (d.name == "dir") continue;  // the working directory
    EXPECT_EQ(d.get(c), d.default_value) << d.name;
  }
  EXPECT_GT(c.directives().size(), 50u);
}

TEST(ConfigTest, GetMatching) {
  Config c;
  auto r = c.GetMatching({"MaxMemory"});  // exact name: echoed as typed
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, "MaxMemory");
  r = c.GetMatching({"MAXMEM*"});  // glob: case-insensitive, canonical names
  std::vector<std::string> names;
  for (auto& [n, v] : r) names.push_back(n);
  EXPECT_NE(std::find(names.begin(), names.end(), "maxmemory"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "maxmemory-policy"), names.end());
  // No duplicates across patterns.
  r = c.GetMatching({"port", "port", "p*t"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, "port");
  r = c.GetMatching({"?z"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, "hz");
  EXPECT_TRUE(c.GetMatching({"nosuch"}).empty());
  // Aliases are listed by globs too.
  r = c.GetMatching({"*ziplist-entries"});
  EXPECT_EQ(r.size(), 2u);
}

TEST(ConfigTest, SetFromCommandErrors) {
  Config c;
  EXPECT_EQ(c.SetFromCommand({{"foo", "bar"}}),
            "Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(c.SetFromCommand({{"hz", "x"}}),
            "CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed "
            "into an integer");
  EXPECT_EQ(c.SetFromCommand({{"databases", "4"}}),
            "CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
            "config");
  EXPECT_EQ(c.SetFromCommand({{"dir", "/tmp"}}),
            "CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  EXPECT_EQ(c.SetFromCommand({{"hz", "5"}, {"HZ", "6"}}),
            "CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
  // Like Redis 7.0, an alias and its directive are different names: the later one wins.
  EXPECT_EQ(
      c.SetFromCommand({{"hash-max-listpack-entries", "5"}, {"hash-max-ziplist-entries", "6"}}),
      "");
  EXPECT_EQ(c.GetInt("hash-max-listpack-entries"), 6);
  EXPECT_FALSE(
      c.SetFromCommand({{"hash-max-ziplist-entries", "7"}, {"hash-max-listpack-entries", "x"}})
          .empty());
  EXPECT_EQ(c.GetInt("hash-max-listpack-entries"), 6);
  EXPECT_EQ(c.SetFromCommand({{"maxmemory", "abc"}}),
            "CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a "
            "memory value");
  EXPECT_EQ(c.SetFromCommand({{"maxclients", "0"}}),
            "CONFIG SET failed (possibly related to argument 'maxclients') - argument must be "
            "between 1 and 4294967295 inclusive");
  EXPECT_EQ(c.SetFromCommand({{"protected-mode", "1"}}),
            "CONFIG SET failed (possibly related to argument 'protected-mode') - argument must "
            "be 'yes' or 'no'");
  EXPECT_EQ(c.SetFromCommand({{"appendfsync", "x"}}),
            "CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must "
            "be one of the following: everysec, always, no");
  EXPECT_EQ(c.SetFromCommand({{"save", "10"}}),
            "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  EXPECT_EQ(c.SetFromCommand({{"notify-keyspace-events", "q"}}),
            "CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid "
            "event class character. Use 'Ag$lshzxeKEtmdn'.");
  // Immutable wins over a bad value that comes first (names are checked before values).
  EXPECT_EQ(c.SetFromCommand({{"hz", "x"}, {"databases", "5"}}),
            "CONFIG SET failed (possibly related to argument 'databases') - can't set immutable "
            "config");
}

TEST(ConfigTest, SetFromCommandIsAtomic) {
  Config c;
  EXPECT_FALSE(c.SetFromCommand({{"maxmemory", "5mb"}, {"hz", "x"}}).empty());
  EXPECT_EQ(Get(c, "maxmemory"), "0");
  EXPECT_EQ(c.SetFromCommand({{"maxmemory", "5mb"}, {"maxmemory-policy", "ALLKEYS-LRU"}}), "");
  EXPECT_EQ(Get(c, "maxmemory"), "5242880");
  EXPECT_EQ(Get(c, "maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(c.maxmemory_policy(), "allkeys-lru");
  // hz is accepted in 0..INT_MAX and clamped to 1..500.
  EXPECT_EQ(c.SetFromCommand({{"hz", "1000"}}), "");
  EXPECT_EQ(Get(c, "hz"), "500");
  EXPECT_EQ(c.SetFromCommand({{"hz", "0"}}), "");
  EXPECT_EQ(Get(c, "hz"), "1");
  EXPECT_EQ(c.SetFromCommand({{"save", "3600 1 300 100"}}), "");
  EXPECT_EQ(Get(c, "save"), "3600 1 300 100");
  EXPECT_EQ(c.SetFromCommand({{"save", ""}}), "");
  EXPECT_EQ(Get(c, "save"), "");
}

TEST(ConfigTest, ApplyHookFailureRestores) {
  Config c;
  int applied = 0;
  c.SetApplyHook("timeout", [&] {
    ++applied;
    return c.timeout.load() == 13 ? std::string("no thirteen") : std::string();
  });
  EXPECT_EQ(c.SetFromCommand({{"timeout", "5"}}), "");
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(c.SetFromCommand({{"maxmemory", "1mb"}, {"timeout", "13"}}),
            "CONFIG SET failed (possibly related to argument 'timeout') - no thirteen");
  EXPECT_EQ(Get(c, "timeout"), "5");  // restored and re-applied
  EXPECT_EQ(Get(c, "maxmemory"), "0");
  EXPECT_EQ(applied, 3);
}

TEST(ConfigTest, LoadArgsOptions) {
  Config c;
  EXPECT_EQ(Load(c, {"--port", "7000", "--save", "100", "1", "--save", "200", "2", "--hz", "3",
                     "--hz", "4", "--maxmemory-policy", "ALLKEYS-LRU", "--loglevel", "WARNING"}),
            "");
  EXPECT_EQ(c.port.load(), 7000);
  EXPECT_EQ(Get(c, "save"), "100 1 200 2");  // later save lines add to the schedule
  EXPECT_EQ(Get(c, "hz"), "4");              // later lines win
  EXPECT_EQ(Get(c, "maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(Get(c, "loglevel"), "warning");

  Config c2;
  EXPECT_EQ(Load(c2, {"--save", "100 1", "--bind", "127.0.0.1 ::1"}), "");
  EXPECT_EQ(Get(c2, "save"), "100 1");
  EXPECT_EQ(Get(c2, "bind"), "127.0.0.1 ::1");
  Config c3;
  EXPECT_EQ(Load(c3, {"--save", "--port", "7001"}), "");  // bare --save means save ""
  EXPECT_EQ(Get(c3, "save"), "");
  EXPECT_EQ(c3.port.load(), 7001);
}

TEST(ConfigTest, LoadArgsErrorsNameTheLine) {
  Config c;
  std::string err = Load(c, {"--port", "0", "--foo", "bar"});
  EXPECT_NE(err.find("*** FATAL CONFIG FILE ERROR (Ember"), std::string::npos) << err;
  // Line 1 is the (empty) config file, as with Redis.
  EXPECT_NE(err.find("Reading the configuration file, at line 3\n>>> 'foo \"bar\"'\n"
                     "Bad directive or wrong number of arguments"),
            std::string::npos)
      << err;

  Config c2;
  err = Load(c2, {"--hz", "x"});
  EXPECT_NE(err.find(">>> 'hz \"x\"'\nargument couldn't be parsed into an integer"),
            std::string::npos)
      << err;
  Config c3;
  err = Load(c3, {"--port", "0", "--maxmemory", "1", "2"});
  EXPECT_NE(err.find(">>> 'maxmemory \"1\" \"2\"'\nwrong number of arguments"), std::string::npos)
      << err;
  Config c4;
  err = Load(c4, {"--hz"});
  EXPECT_NE(err.find(">>> 'hz'\nwrong number of arguments"), std::string::npos) << err;
  Config c5;
  err = Load(c5, {"--threads", "0"});
  EXPECT_NE(err.find("argument must be between 1 and 1024 inclusive"), std::string::npos) << err;
  Config c6;
  err = Load(c6, {"--loglevel", "nothing"});
  EXPECT_NE(err.find("argument(s) must be one of the following: debug, verbose, notice, warning"),
            std::string::npos)
      << err;
  Config c7;
  err = Load(c7, {"--appendfsync", "sometimes"});
  EXPECT_NE(err.find("argument(s) must be one of the following: everysec, always, no"),
            std::string::npos)
      << err;
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ember-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/ember.conf";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  void Write(const std::string& text) {
    std::ofstream o(path_);
    o << text;
  }
  std::string Read() {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string dir_, path_;
};

TEST_F(ConfigFileTest, FileThenOptions) {
  Write(
      "# comment\n\n   maxmemory 12mb  \nmaxmemory-policy \"allkeys-lru\"\nhz 15\n"
      "save 100 1\nsave 200 2\n");
  Config c;
  ASSERT_EQ(Load(c, {path_, "--hz", "20"}), "");
  EXPECT_EQ(Get(c, "maxmemory"), "12582912");
  EXPECT_EQ(Get(c, "maxmemory-policy"), "allkeys-lru");
  EXPECT_EQ(Get(c, "hz"), "20");  // the command line comes after the file
  EXPECT_EQ(Get(c, "save"), "100 1 200 2");
  EXPECT_EQ(c.config_file(), path_);
}

TEST_F(ConfigFileTest, FileErrors) {
  Write("# comment\nport 0\nfoo bar\n");
  Config c;
  std::string err = Load(c, {path_});
  EXPECT_NE(err.find("at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments"),
            std::string::npos)
      << err;
  Write("port 0\n\n hz  \"x\n");
  Config c2;
  err = Load(c2, {path_});
  EXPECT_NE(err.find("at line 3\n>>> 'hz  \"x'\nUnbalanced quotes in configuration line"),
            std::string::npos)
      << err;
  Config c3;
  err = Load(c3, {dir_ + "/missing.conf"});
  EXPECT_EQ(err, "Fatal error, can't open config file '" + dir_ +
                     "/missing.conf': No such file or directory");
}

TEST_F(ConfigFileTest, Rewrite) {
  Write(
      "# test configuration\nmaxmemory 10mb\nmaxmemory-policy allkeys-lru\nhz 20\n"
      "unknown-to-us stays\nmaxmemory 11mb\n");
  Config c;
  // An unknown line would stop start-up; rewrite keeps lines it does not know anyway.
  ASSERT_NE(Load(c, {path_}), "");
  Write(
      "# test configuration\nmaxmemory 10mb\nmaxmemory-policy allkeys-lru\nhz 20\n"
      "maxmemory 11mb\n");
  Config c2;
  ASSERT_EQ(Load(c2, {path_}), "");
  ASSERT_EQ(c2.SetFromCommand({{"maxmemory", "20mb"},
                               {"hz", "10"},
                               {"slowlog-max-len", "1000"},
                               {"requirepass", "a b\"c"},
                               {"save", "60 1 300 10"}}),
            "");
  ASSERT_EQ(c2.Rewrite(), "");
  std::string text = Read();
  EXPECT_NE(text.find("# test configuration\nmaxmemory 20mb\nmaxmemory-policy allkeys-lru\n"
                      "hz 10\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("11mb"), std::string::npos) << text;  // duplicate folded
  EXPECT_NE(text.find("# Generated by CONFIG REWRITE\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nslowlog-max-len 1000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nrequirepass \"a b\\\"c\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsave 60 1\nsave 300 10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ndir \""), std::string::npos) << text;
  EXPECT_EQ(text.find("\nport "), std::string::npos) << text;  // default: not written
  // The rewritten file loads back to the same values.
  Config c3;
  ASSERT_EQ(Load(c3, {path_}), "");
  for (const char* n :
       {"maxmemory", "hz", "slowlog-max-len", "requirepass", "save", "maxmemory-policy"})
    EXPECT_EQ(Get(c3, n), Get(c2, n)) << n;
  // A second rewrite changes nothing.
  ASSERT_EQ(c3.Rewrite(), "");
  EXPECT_EQ(Read(), text);
}

TEST(ConfigTest, RewriteWithoutFile) {
  Config c;
  EXPECT_EQ(c.Rewrite(), "The server is running without a config file");
}

TEST(ConfigTest, HelpListsEveryDirectiveWithDefault) {
  Config c;
  std::string help = c.HelpText();
  for (const auto& d : c.directives()) {
    EXPECT_NE(help.find("--" + d.name + " "), std::string::npos) << d.name;
  }
  EXPECT_NE(help.find("--maxmemory-policy"), std::string::npos);
  EXPECT_NE(help.find("default noeviction"), std::string::npos);
}

}  // namespace
}  // namespace ember::server
