// String family tests: replies compared as raw RESP, expected values checked against
// redis-server 7.0.15.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "families/string_ops.h"
#include "families/testing.h"
#include "store/entry.h"

namespace ember::families {
namespace {

using namespace std::string_literals;  // NOLINT: "a\0b"s

const std::string kOk = "+OK\r\n";
const std::string kNil = "$-1\r\n";
const std::string kNil3 = "_\r\n";
const std::string kEmpty = "$0\r\n\r\n";
const std::string kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const std::string kNotInt = "-ERR value is not an integer or out of range\r\n";
const std::string kNotFloat = "-ERR value is not a valid float\r\n";
const std::string kSyntax = "-ERR syntax error\r\n";
const std::string kOverflow = "-ERR increment or decrement would overflow\r\n";
const std::string kNanInf = "-ERR increment would produce NaN or Infinity\r\n";
const std::string kTooBig = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
std::string Err(std::string_view msg) { return "-" + std::string(msg) + "\r\n"; }
std::string Arr(size_t n) { return "*" + std::to_string(n) + "\r\n"; }
std::string InvalidExpire(std::string_view cmd) {
  return Err("ERR invalid expire time in '" + std::string(cmd) + "' command");
}

// A stand-in for a list so WRONGTYPE paths can be tested before the list family exists.
class FakeList : public ValueObject {
 public:
  size_t MemoryUsage() const override { return 16; }
  std::unique_ptr<ValueObject> Clone() const override { return std::make_unique<FakeList>(); }
};

class StringFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> argv) { return f_.Run(std::move(argv)); }

  Database& db() { return f_.keyspace.db(f_.db); }

  void MakeList(const std::string& key) {
    std::lock_guard lk(db().PartitionFor(key).mu);
    db().Insert(NewObjectEntry(EntryInit{key}, ValueType::kList, Encoding::kQuicklist,
                               std::make_unique<FakeList>()));
  }

  // OBJECT ENCODING's view of the key, "" when missing.
  std::string EncodingOf(const std::string& key) {
    std::lock_guard lk(db().PartitionFor(key).mu);
    const Entry* e = db().Find(key, f_.clock.NowMs(), true);
    return e ? std::string(EncodingName(e->encoding())) : "";
  }

  // PTTL's view: -2 missing, -1 no TTL, else milliseconds left.
  int64_t Pttl(const std::string& key) {
    std::lock_guard lk(db().PartitionFor(key).mu);
    const Entry* e = db().Find(key, f_.clock.NowMs(), true);
    if (e == nullptr) return -2;
    return e->has_expire() ? e->expire_ms() - f_.clock.NowMs() : -1;
  }

  // Absolute expire time in ms, -1 without one, -2 when missing.
  int64_t ExpireAt(const std::string& key) {
    std::lock_guard lk(db().PartitionFor(key).mu);
    const Entry* e = db().Find(key, f_.clock.NowMs(), true);
    if (e == nullptr) return -2;
    return e->has_expire() ? e->expire_ms() : -1;
  }

  int64_t Now() { return f_.clock.NowMs(); }

  CommandFixture f_;
};

// ------------------------------------------------------------------------------- GET/SET

TEST_F(StringFamilyTest, GetMissingIsNullInBothProtocols) {
  EXPECT_EQ(Run({"GET", "nokey"}), kNil);
  f_.resp3 = true;
  EXPECT_EQ(Run({"GET", "nokey"}), kNil3);
}

TEST_F(StringFamilyTest, SetThenGet) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "k", "v2"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v2"));
  EXPECT_EQ(Pttl("k"), -1);
}

TEST_F(StringFamilyTest, BinarySafeValuesAndKeys) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const std::vector<std::string> values = {
      "\0"s, "a\0b"s,           "\r\n",   "line1\r\nline2\r\n",   "\xff\xfe\0\x01"s,
      all,   "$5\r\nhello\r\n", "*1\r\n", std::string(1000, '\0')};
  for (size_t i = 0; i < values.size(); ++i) {
    std::string key = "bin:" + std::to_string(i);
    EXPECT_EQ(Run({"SET", key, values[i]}), kOk);
    EXPECT_EQ(Run({"GET", key}), Bulk(values[i]));
    EXPECT_EQ(Run({"STRLEN", key}), Int(static_cast<int64_t>(values[i].size())));
  }
  const std::string key = "k\0\r\n\xff"s;
  EXPECT_EQ(Run({"SET", key, "v\0"s}), kOk);
  EXPECT_EQ(Run({"GET", key}), Bulk("v\0"s));
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"APPEND", key, "\0\r\n"s}), Int(5));
  EXPECT_EQ(Run({"GET", key}), Bulk("v\0\0\r\n"s));
}

TEST_F(StringFamilyTest, EmptyValueAndEmptyKey) {
  EXPECT_EQ(Run({"SET", "e", ""}), kOk);
  EXPECT_EQ(Run({"GET", "e"}), kEmpty);
  EXPECT_EQ(Run({"STRLEN", "e"}), Int(0));
  EXPECT_EQ(EncodingOf("e"), "embstr");
  EXPECT_EQ(Run({"SET", "", "empty key"}), kOk);
  EXPECT_EQ(Run({"GET", ""}), Bulk("empty key"));
  EXPECT_EQ(Run({"MGET", "", "e"}), Arr(2) + Bulk("empty key") + kEmpty);
}

TEST_F(StringFamilyTest, SetEncodings) {
  struct Case {
    std::string value, encoding;
  } cases[] = {
      {"123", "int"},
      {"0", "int"},
      {"-1", "int"},
      {"9223372036854775807", "int"},
      {"-9223372036854775808", "int"},
      {"9223372036854775808", "embstr"},  // overflows int64
      {"0123", "embstr"},
      {"-0", "embstr"},
      {"+1", "embstr"},
      {" 1", "embstr"},
      {"1.0", "embstr"},
      {std::string(44, 'a'), "embstr"},
      {std::string(45, 'a'), "raw"},
      {std::string(100, '7'), "raw"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Run({"SET", "k", c.value}), kOk);
    EXPECT_EQ(EncodingOf("k"), c.encoding) << c.value;
    EXPECT_EQ(Run({"GET", "k"}), Bulk(c.value)) << "values are never normalised";
  }
}

TEST_F(StringFamilyTest, OverwriteAcrossSizesAndEncodings) {
  // Exercises the in-place rewrite and the reallocation paths in both directions.
  const std::vector<std::string> values = {"1",
                                           std::string(300, 'x'),
                                           "22",
                                           "abc",
                                           std::string(40, 'y'),
                                           "-5",
                                           std::string(5000, 'z'),
                                           "",
                                           std::string(200, 'w'),
                                           "12345678901234567"};
  for (int round = 0; round < 3; ++round) {
    for (const std::string& v : values) {
      EXPECT_EQ(Run({"SET", "k", v}), kOk);
      EXPECT_EQ(Run({"GET", "k"}), Bulk(v));
    }
  }
  // With a TTL kept in place.
  EXPECT_EQ(Run({"SET", "t", "abc", "PX", "5000"}), kOk);
  EXPECT_EQ(Run({"SET", "t", "xyz", "KEEPTTL"}), kOk);
  EXPECT_EQ(Run({"GET", "t"}), Bulk("xyz"));
  EXPECT_EQ(Pttl("t"), 5000);
  EXPECT_EQ(Run({"SET", "t", "42", "PX", "7000"}), kOk);
  EXPECT_EQ(Pttl("t"), 7000);
  EXPECT_EQ(EncodingOf("t"), "int");
}

TEST_F(StringFamilyTest, SetOverwritesAnyType) {
  MakeList("l");
  EXPECT_EQ(Run({"GET", "l"}), kWrongType);
  EXPECT_EQ(Run({"SET", "l", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "l"}), Bulk("v"));
}

TEST_F(StringFamilyTest, SetExpireOptions) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), kOk);
  EXPECT_EQ(Pttl("k"), 100000);
  EXPECT_EQ(Run({"SET", "k", "v", "px", "1234567"}), kOk);  // options are case-insensitive
  EXPECT_EQ(Pttl("k"), 1234567);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", std::to_string(Now() / 1000 + 300)}), kOk);
  EXPECT_EQ(ExpireAt("k"), (Now() / 1000 + 300) * 1000);
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", std::to_string(Now() + 4321)}), kOk);
  EXPECT_EQ(ExpireAt("k"), Now() + 4321);
  // The same option twice: the last value wins.
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "EX", "20"}), kOk);
  EXPECT_EQ(Pttl("k"), 20000);
}

TEST_F(StringFamilyTest, SetExpiresWithTheClock) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), kOk);
  f_.clock.AdvanceMs(99);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  f_.clock.AdvanceMs(1);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Pttl("k"), -2);
}

TEST_F(StringFamilyTest, SetAbsoluteTimeInThePastIsAcceptedAndTheKeyIsGone) {
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
}

TEST_F(StringFamilyTest, SetExpireLimits) {
  // Largest values: absolute times just fit, relative ones overflow once now is added.
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "9223372036854775807"}), kOk);
  EXPECT_EQ(ExpireAt("k"), 9223372036854775807);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "9223372036854775"}), kOk);
  EXPECT_EQ(ExpireAt("k"), 9223372036854775000);
  for (auto [opt, val] : std::vector<std::pair<std::string, std::string>>{
           {"EX", "0"},
           {"EX", "-1"},
           {"PX", "0"},
           {"PX", "-5"},
           {"EXAT", "0"},
           {"PXAT", "0"},
           {"PXAT", "-1"},
           {"EX", "9223372036854775"},  // * 1000 fits, + now does not
           {"EX", "9223372036854776"},
           {"EX", "9223372036854775807"},
           {"PX", "9223372036854775807"},
           {"PX", "9223372036854775000"},
           {"EXAT", "9223372036854776"},
       }) {
    EXPECT_EQ(Run({"SET", "x", "v", opt, val}), InvalidExpire("set")) << opt << " " << val;
  }
  EXPECT_EQ(Run({"GET", "x"}), kNil);
  EXPECT_EQ(Run({"SET", "x", "v", "EX", "abc"}), kNotInt);
  EXPECT_EQ(Run({"SET", "x", "v", "PX", "1.5"}), kNotInt);
  EXPECT_EQ(Run({"SET", "x", "v", "EX", " 1"}), kNotInt);
  EXPECT_EQ(Run({"SET", "x", "v", "EX", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(Run({"GET", "x"}), kNil);
}

TEST_F(StringFamilyTest, SetSyntaxErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {"NX", "XX"},
      {"XX", "NX"},
      {"KEEPTTL", "EX", "10"},
      {"EX", "10", "KEEPTTL"},
      {"EX", "10", "PX", "100"},
      {"EX"},
      {"PXAT"},
      {"FOO"},
      {"EX", "10", "foo"},
      {"foo", "EX", "abc"},
      {"EX", "abc", "foo"},
      {"PERSIST"},
      {"EX", "1", "EXAT", "5"},
      {"NXX"},
      {"G"},
  };
  for (const auto& opts : bad) {
    std::vector<std::string> argv = {"SET", "k", "v"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    EXPECT_EQ(Run(argv), kSyntax) << opts[0];
  }
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  // Repeating a flag is fine.
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v", "GET", "GET"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "KEEPTTL"}), kOk);
}

TEST_F(StringFamilyTest, SetNxXx) {
  EXPECT_EQ(Run({"SET", "k", "1", "XX"}), kNil);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "1", "NX"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "2", "NX"}), kNil);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("1"));
  EXPECT_EQ(Run({"SET", "k", "3", "XX"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("3"));
  f_.resp3 = true;
  EXPECT_EQ(Run({"SET", "k", "4", "NX"}), kNil3);
  // An expired key counts as missing.
  EXPECT_EQ(Run({"SET", "e", "1", "PX", "10"}), kOk);
  f_.clock.AdvanceMs(10);
  EXPECT_EQ(Run({"SET", "e", "2", "XX"}), kNil3);
  EXPECT_EQ(Run({"SET", "e", "2", "NX"}), kOk);
  // NX/XX against another type: the key exists.
  MakeList("l");
  EXPECT_EQ(Run({"SET", "l", "v", "NX"}), kNil3);
  EXPECT_EQ(Run({"SET", "l", "v", "XX"}), kOk);
}

TEST_F(StringFamilyTest, SetClearsTtlUnlessKeepTtl) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"SET", "k", "v2"}), kOk);
  EXPECT_EQ(Pttl("k"), -1);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), kOk);
  f_.clock.AdvanceMs(1000);
  EXPECT_EQ(Run({"SET", "k", "v3", "KEEPTTL"}), kOk);
  EXPECT_EQ(Pttl("k"), 99000);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v3"));
  // KEEPTTL on a key without TTL (or a missing one) gives none.
  EXPECT_EQ(Run({"SET", "n", "v", "KEEPTTL"}), kOk);
  EXPECT_EQ(Pttl("n"), -1);
  // Replacing a long value by a short one with KEEPTTL (new allocation) keeps it too.
  EXPECT_EQ(Run({"SET", "big", std::string(5000, 'b'), "EX", "50"}), kOk);
  EXPECT_EQ(Run({"SET", "big", "1", "KEEPTTL"}), kOk);
  EXPECT_EQ(Pttl("big"), 50000);
  EXPECT_EQ(EncodingOf("big"), "int");
}

TEST_F(StringFamilyTest, SetGetOption) {
  EXPECT_EQ(Run({"SET", "k", "a", "GET"}), kNil);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("a"));
  EXPECT_EQ(Run({"SET", "k", "b", "GET"}), Bulk("a"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("b"));
  // NX + GET (allowed since 7.0): returns the old value and does not set.
  EXPECT_EQ(Run({"SET", "k", "c", "NX", "GET"}), Bulk("b"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("b"));
  EXPECT_EQ(Run({"SET", "k2", "c", "NX", "GET"}), kNil);
  EXPECT_EQ(Run({"GET", "k2"}), Bulk("c"));
  EXPECT_EQ(Run({"SET", "k3", "c", "XX", "GET"}), kNil);
  EXPECT_EQ(Run({"GET", "k3"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "d", "XX", "GET", "EX", "100"}), Bulk("b"));
  EXPECT_EQ(Pttl("k"), 100000);
  // An invalid expire is reported before anything is read or written.
  EXPECT_EQ(Run({"SET", "k", "e", "GET", "EX", "0"}), InvalidExpire("set"));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("d"));
  // The old value of an int-encoded key is rendered.
  EXPECT_EQ(Run({"SET", "i", "-42"}), kOk);
  EXPECT_EQ(Run({"SET", "i", "x", "GET"}), Bulk("-42"));
  f_.resp3 = true;
  EXPECT_EQ(Run({"SET", "new", "x", "GET"}), kNil3);
}

TEST_F(StringFamilyTest, SetGetOnWrongTypeFailsAndKeepsTheValue) {
  MakeList("l");
  EXPECT_EQ(Run({"SET", "l", "v", "GET"}), kWrongType);
  EXPECT_EQ(Run({"GET", "l"}), kWrongType);
}

TEST_F(StringFamilyTest, KeyspaceHitsAndMisses) {
  Run({"SET", "k", "v"});
  Run({"GET", "k"});
  Run({"GET", "nokey"});
  Run({"MGET", "k", "nokey", "k"});
  EXPECT_EQ(f_.counters.keyspace_hits, 3u);
  EXPECT_EQ(f_.counters.keyspace_misses, 2u);
  Run({"SET", "k", "v2"});  // a plain write is no read
  Run({"INCR", "n"});
  EXPECT_EQ(f_.counters.keyspace_hits, 3u);
  EXPECT_EQ(f_.counters.keyspace_misses, 2u);
  Run({"SET", "k", "v3", "GET"});
  Run({"STRLEN", "nokey"});
  EXPECT_EQ(f_.counters.keyspace_hits, 4u);
  EXPECT_EQ(f_.counters.keyspace_misses, 3u);
}

// -------------------------------------------------------------------- SETNX and friends

TEST_F(StringFamilyTest, SetNx) {
  EXPECT_EQ(Run({"SETNX", "k", "a"}), Int(1));
  EXPECT_EQ(Run({"SETNX", "k", "b"}), Int(0));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("a"));
  MakeList("l");
  EXPECT_EQ(Run({"SETNX", "l", "v"}), Int(0));
  EXPECT_EQ(Run({"SETNX", "n", "12"}), Int(1));
  EXPECT_EQ(EncodingOf("n"), "int");
}

TEST_F(StringFamilyTest, SetExPSetEx) {
  EXPECT_EQ(Run({"SETEX", "k", "100", "v"}), kOk);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), 100000);
  EXPECT_EQ(EncodingOf("k"), "embstr");
  EXPECT_EQ(Run({"SETEX", "k", "100", "12345"}), kOk);
  EXPECT_EQ(EncodingOf("k"), "int");
  EXPECT_EQ(Run({"PSETEX", "p", "100000", "v"}), kOk);
  EXPECT_EQ(Pttl("p"), 100000);
  EXPECT_EQ(Run({"SETEX", "k", "0", "v"}), InvalidExpire("setex"));
  EXPECT_EQ(Run({"SETEX", "k", "-1", "v"}), InvalidExpire("setex"));
  EXPECT_EQ(Run({"SETEX", "k", "9223372036854775", "v"}), InvalidExpire("setex"));
  EXPECT_EQ(Run({"PSETEX", "k", "0", "v"}), InvalidExpire("psetex"));
  EXPECT_EQ(Run({"SETEX", "k", "abc", "v"}), kNotInt);
  EXPECT_EQ(Run({"PSETEX", "k", "1.5", "v"}), kNotInt);
  MakeList("l");
  EXPECT_EQ(Run({"SETEX", "l", "10", "v"}), kOk);  // overwrites any type
  EXPECT_EQ(Run({"GET", "l"}), Bulk("v"));
  f_.clock.AdvanceMs(10000);
  EXPECT_EQ(Run({"GET", "l"}), kNil);
}

TEST_F(StringFamilyTest, GetSet) {
  EXPECT_EQ(Run({"GETSET", "k", "a"}), kNil);
  EXPECT_EQ(Run({"GETSET", "k", "b"}), Bulk("a"));
  EXPECT_EQ(Run({"SET", "k", "c", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"GETSET", "k", "d"}), Bulk("c"));
  EXPECT_EQ(Pttl("k"), -1);  // GETSET drops the TTL
  MakeList("l");
  EXPECT_EQ(Run({"GETSET", "l", "v"}), kWrongType);
  EXPECT_EQ(Run({"GET", "l"}), kWrongType);
  f_.resp3 = true;
  EXPECT_EQ(Run({"GETSET", "n", "v"}), kNil3);
}

TEST_F(StringFamilyTest, GetDel) {
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"GETDEL", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"GETDEL", "k"}), kNil);
  EXPECT_EQ(Run({"SET", "i", "7"}), kOk);
  EXPECT_EQ(Run({"GETDEL", "i"}), Bulk("7"));
  MakeList("l");
  EXPECT_EQ(Run({"GETDEL", "l"}), kWrongType);
  EXPECT_EQ(Run({"SET", "l", "still there", "XX"}), kOk);
  f_.resp3 = true;
  EXPECT_EQ(Run({"GETDEL", "nokey"}), kNil3);
}

TEST_F(StringFamilyTest, GetExSetsAndClearsTtl) {
  EXPECT_EQ(Run({"GETEX", "nokey"}), kNil);
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "10"}), kNil);
  EXPECT_EQ(Run({"GET", "nokey"}), kNil);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GETEX", "k"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), -1);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "100"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), 100000);
  EXPECT_EQ(Run({"GETEX", "k", "PX", "200000"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), 200000);
  EXPECT_EQ(Run({"GETEX", "k", "EXAT", std::to_string(Now() / 1000 + 300)}), Bulk("v"));
  EXPECT_EQ(ExpireAt("k"), (Now() / 1000 + 300) * 1000);
  EXPECT_EQ(Run({"GETEX", "k", "pxat", std::to_string(Now() + 400000)}), Bulk("v"));
  EXPECT_EQ(ExpireAt("k"), Now() + 400000);
  EXPECT_EQ(Run({"GETEX", "k"}), Bulk("v"));  // no option: TTL untouched
  EXPECT_EQ(Pttl("k"), 400000);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "10", "EX", "20"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), 20000);
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), -1);
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "PERSIST"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), -1);
  // With a relative TTL the key really expires.
  EXPECT_EQ(Run({"GETEX", "k", "PX", "50"}), Bulk("v"));
  f_.clock.AdvanceMs(50);
  EXPECT_EQ(Run({"GETEX", "k"}), kNil);
}

TEST_F(StringFamilyTest, GetExAbsoluteTimeInThePastDeletes) {
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", "1"}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), -2);
  EXPECT_EQ(Run({"SET", "k", "12"}), kOk);
  EXPECT_EQ(Run({"GETEX", "k", "EXAT", std::to_string(Now() / 1000)}), Bulk("12"));
  EXPECT_EQ(Pttl("k"), -2);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", std::to_string(Now())}), Bulk("v"));
  EXPECT_EQ(Pttl("k"), -2);
}

TEST_F(StringFamilyTest, GetExErrors) {
  // Option syntax is checked first, then the key, then the expire value.
  EXPECT_EQ(Run({"GETEX", "nokey", "foo"}), kSyntax);
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "abc"}), kNil);
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "0"}), kNil);
  MakeList("l");
  EXPECT_EQ(Run({"GETEX", "l", "EX", "abc"}), kWrongType);
  EXPECT_EQ(Run({"GETEX", "l", "foo"}), kSyntax);
  EXPECT_EQ(Run({"SET", "k", "v"}), kOk);
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), InvalidExpire("getex"));
  EXPECT_EQ(Run({"GETEX", "k", "PX", "-1"}), InvalidExpire("getex"));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "9223372036854775"}), InvalidExpire("getex"));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "abc"}), kNotInt);
  for (const auto& opts : std::vector<std::vector<std::string>>{{"PERSIST", "EX", "10"},
                                                                {"EX", "10", "PERSIST"},
                                                                {"EX", "1", "PX", "1"},
                                                                {"EX"},
                                                                {"KEEPTTL"},
                                                                {"NX"},
                                                                {"XX"},
                                                                {"GET"}}) {
    std::vector<std::string> argv = {"GETEX", "k"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    EXPECT_EQ(Run(argv), kSyntax) << opts[0];
  }
  EXPECT_EQ(Pttl("k"), -1);
  f_.resp3 = true;
  EXPECT_EQ(Run({"GETEX", "nokey", "PERSIST"}), kNil3);
}

// --------------------------------------------------------------------------- MGET/MSET

TEST_F(StringFamilyTest, MGet) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), kOk);
  MakeList("l");
  EXPECT_EQ(Run({"MGET", "a", "b", "l", "nokey"}), Arr(4) + Bulk("1") + Bulk("2") + kNil + kNil);
  f_.resp3 = true;
  EXPECT_EQ(Run({"MGET", "nokey", "a", "l"}), Arr(3) + kNil3 + Bulk("1") + kNil3);
}

TEST_F(StringFamilyTest, MSet) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2", "a", "3"}), kOk);  // last of a repeated key wins
  EXPECT_EQ(Run({"MGET", "a", "b"}), Arr(2) + Bulk("3") + Bulk("2"));
  EXPECT_EQ(Run({"SET", "t", "v", "EX", "100"}), kOk);
  MakeList("l");
  EXPECT_EQ(Run({"MSET", "t", "v2", "l", "x"}), kOk);
  EXPECT_EQ(Pttl("t"), -1);
  EXPECT_EQ(Run({"GET", "l"}), Bulk("x"));
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2", "c"}),
            Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"MSET", "a"}), Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"GET", "c"}), kNil);
}

TEST_F(StringFamilyTest, MSetNx) {
  EXPECT_EQ(Run({"MSETNX", "a", "1", "b", "2"}), Int(1));
  EXPECT_EQ(Run({"MSETNX", "b", "x", "c", "3"}), Int(0));
  EXPECT_EQ(Run({"MGET", "a", "b", "c"}), Arr(3) + Bulk("1") + Bulk("2") + kNil);
  EXPECT_EQ(Run({"MSETNX", "x", "1", "x", "2"}), Int(1));
  EXPECT_EQ(Run({"GET", "x"}), Bulk("2"));
  MakeList("l");
  EXPECT_EQ(Run({"MSETNX", "l", "1", "w", "2"}), Int(0));  // any type counts as existing
  EXPECT_EQ(Run({"GET", "w"}), kNil);
  EXPECT_EQ(Run({"SET", "e", "v", "PX", "5"}), kOk);
  f_.clock.AdvanceMs(5);
  EXPECT_EQ(Run({"MSETNX", "e", "1", "w", "2"}), Int(1));  // expired counts as missing
  EXPECT_EQ(Run({"MSETNX", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'msetnx' command"));
  EXPECT_EQ(Run({"MSETNX", "a"}), Err("ERR wrong number of arguments for 'msetnx' command"));
}

// ------------------------------------------------------------------------ APPEND/STRLEN

TEST_F(StringFamilyTest, Append) {
  EXPECT_EQ(Run({"APPEND", "k", "Hello"}), Int(5));
  EXPECT_EQ(EncodingOf("k"), "embstr");  // a new key is encoded as SET would
  EXPECT_EQ(Run({"APPEND", "k", " World"}), Int(11));
  EXPECT_EQ(EncodingOf("k"), "raw");
  EXPECT_EQ(Run({"GET", "k"}), Bulk("Hello World"));
  EXPECT_EQ(Run({"APPEND", "k", ""}), Int(11));
  EXPECT_EQ(Run({"APPEND", "empty", ""}), Int(0));
  EXPECT_EQ(Run({"GET", "empty"}), kEmpty);  // APPEND of "" creates the key
  EXPECT_EQ(Run({"APPEND", "n", "123"}), Int(3));
  EXPECT_EQ(EncodingOf("n"), "int");
  EXPECT_EQ(Run({"APPEND", "n", "4"}), Int(4));
  EXPECT_EQ(EncodingOf("n"), "raw");
  EXPECT_EQ(Run({"GET", "n"}), Bulk("1234"));
  EXPECT_EQ(Run({"INCR", "n"}), Int(1235));
  EXPECT_EQ(EncodingOf("n"), "int");
  EXPECT_EQ(Run({"APPEND", "big", std::string(61, 'a')}), Int(61));
  EXPECT_EQ(EncodingOf("big"), "raw");
  MakeList("l");
  EXPECT_EQ(Run({"APPEND", "l", "x"}), kWrongType);
}

TEST_F(StringFamilyTest, AppendEmptyMakesRaw) {
  EXPECT_EQ(Run({"SET", "e", ""}), kOk);
  EXPECT_EQ(Run({"APPEND", "e", ""}), Int(0));
  EXPECT_EQ(EncodingOf("e"), "raw");
  EXPECT_EQ(Run({"SET", "i", "1"}), kOk);
  EXPECT_EQ(Run({"APPEND", "i", ""}), Int(1));
  EXPECT_EQ(EncodingOf("i"), "raw");
  EXPECT_EQ(Run({"GET", "i"}), Bulk("1"));
  EXPECT_EQ(Run({"SET", "m", "-9223372036854775808"}), kOk);
  EXPECT_EQ(Run({"APPEND", "m", "0"}), Int(21));
  EXPECT_EQ(Run({"GET", "m"}), Bulk("-92233720368547758080"));
}

TEST_F(StringFamilyTest, AppendKeepsTtlAndCrossesLengthPrefixBoundaries) {
  EXPECT_EQ(Run({"SET", "k", std::string(120, 'a'), "EX", "100"}), kOk);
  std::string expect(120, 'a');
  // 127 -> 128 and 16383 -> 16384 bytes change the size of the varint length prefix.
  for (int i = 0; i < 17000; ++i) {
    char c = static_cast<char>('a' + i % 26);
    std::string piece(1 + i % 3, c);
    expect += piece;
    ASSERT_EQ(Run({"APPEND", "k", piece}), Int(static_cast<int64_t>(expect.size())));
  }
  EXPECT_EQ(Run({"GET", "k"}), Bulk(expect));
  EXPECT_EQ(Pttl("k"), 100000);
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(static_cast<int64_t>(expect.size())));
}

TEST_F(StringFamilyTest, AppendRespectsProtoMaxBulkLen) {
  f_.api.max_bulk = 10;
  EXPECT_EQ(Run({"APPEND", "k", "123456"}), Int(6));
  EXPECT_EQ(Run({"APPEND", "k", "7890"}), Int(10));
  EXPECT_EQ(Run({"APPEND", "k", "x"}), kTooBig);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("1234567890"));
  EXPECT_EQ(Run({"APPEND", "k", ""}), Int(10));
}

TEST_F(StringFamilyTest, StrLen) {
  EXPECT_EQ(Run({"STRLEN", "nokey"}), Int(0));
  EXPECT_EQ(Run({"SET", "i", "12345"}), kOk);
  EXPECT_EQ(Run({"STRLEN", "i"}), Int(5));
  EXPECT_EQ(Run({"SET", "n", "-9223372036854775808"}), kOk);
  EXPECT_EQ(Run({"STRLEN", "n"}), Int(20));
  EXPECT_EQ(Run({"SET", "s", "a\0\r\n"s}), kOk);
  EXPECT_EQ(Run({"STRLEN", "s"}), Int(4));
  MakeList("l");
  EXPECT_EQ(Run({"STRLEN", "l"}), kWrongType);
}

// ----------------------------------------------------------------------------- counters

TEST_F(StringFamilyTest, IncrDecr) {
  EXPECT_EQ(Run({"INCR", "c"}), Int(1));
  EXPECT_EQ(EncodingOf("c"), "int");
  EXPECT_EQ(Run({"INCR", "c"}), Int(2));
  EXPECT_EQ(Run({"DECR", "c"}), Int(1));
  EXPECT_EQ(Run({"DECR", "d"}), Int(-1));
  EXPECT_EQ(Run({"INCRBY", "c", "10"}), Int(11));
  EXPECT_EQ(Run({"DECRBY", "c", "20"}), Int(-9));
  EXPECT_EQ(Run({"INCRBY", "c", "-1"}), Int(-10));
  EXPECT_EQ(Run({"INCRBY", "c", "0"}), Int(-10));
  EXPECT_EQ(Run({"GET", "c"}), Bulk("-10"));
}

TEST_F(StringFamilyTest, IncrOnStringValues) {
  // A byte-encoded canonical integer is accepted and the result is int-encoded.
  EXPECT_EQ(Run({"SET", "r", "5"}), kOk);
  EXPECT_EQ(Run({"APPEND", "r", "0"}), Int(2));
  EXPECT_EQ(EncodingOf("r"), "raw");
  EXPECT_EQ(Run({"INCR", "r"}), Int(51));
  EXPECT_EQ(EncodingOf("r"), "int");
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "7"}), Bulk("7"));
  EXPECT_EQ(EncodingOf("f"), "embstr");
  EXPECT_EQ(Run({"INCR", "f"}), Int(8));
  EXPECT_EQ(EncodingOf("f"), "int");
  // A grown raw value replaced by an int.
  EXPECT_EQ(Run({"SETRANGE", "g", "0", "1"}), Int(1));
  EXPECT_EQ(Run({"APPEND", "g", std::string(3000, '0')}), Int(3001));
  EXPECT_EQ(Run({"SETRANGE", "g", "1", "x"}), Int(3001));
  EXPECT_EQ(Run({"SET", "g", "1", "XX"}), kOk);
  EXPECT_EQ(Run({"INCR", "g"}), Int(2));
}

TEST_F(StringFamilyTest, IncrRejectsNonCanonicalIntegers) {
  for (const std::string& v : {"abc"s, " 1"s, "1 "s, "1.0"s, "-0"s, "010"s, "+1"s, "1\0002"s, ""s,
                               "12345678901234567890"s, "9223372036854775808"s}) {
    EXPECT_EQ(Run({"SET", "s", v}), kOk);
    EXPECT_EQ(Run({"INCR", "s"}), kNotInt) << v;
    EXPECT_EQ(Run({"GET", "s"}), Bulk(v));
  }
}

TEST_F(StringFamilyTest, IncrArgumentAndTypeErrors) {
  MakeList("l");
  EXPECT_EQ(Run({"INCRBY", "l", "abc"}), kNotInt);  // the increment is parsed first
  EXPECT_EQ(Run({"INCRBY", "l", "1"}), kWrongType);
  EXPECT_EQ(Run({"INCR", "l"}), kWrongType);
  EXPECT_EQ(Run({"DECR", "l"}), kWrongType);
  EXPECT_EQ(Run({"DECRBY", "l", "1"}), kWrongType);
  EXPECT_EQ(Run({"INCRBY", "n", "1.5"}), kNotInt);
  EXPECT_EQ(Run({"INCRBY", "n", "1.0"}), kNotInt);
  EXPECT_EQ(Run({"INCRBY", "n", " 1"}), kNotInt);
  EXPECT_EQ(Run({"DECRBY", "n", "x"}), kNotInt);
  EXPECT_EQ(Run({"INCRBY", "n", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(Run({"GET", "n"}), kNil);
}

TEST_F(StringFamilyTest, IncrOverflow) {
  EXPECT_EQ(Run({"SET", "n", "9223372036854775807"}), kOk);
  EXPECT_EQ(Run({"INCR", "n"}), kOverflow);
  EXPECT_EQ(Run({"INCRBY", "n", "1"}), kOverflow);
  EXPECT_EQ(Run({"DECRBY", "n", "-1"}), kOverflow);
  EXPECT_EQ(Run({"INCRBY", "n", "0"}), Int(9223372036854775807));
  EXPECT_EQ(Run({"GET", "n"}), Bulk("9223372036854775807"));
  EXPECT_EQ(Run({"SET", "m", "-9223372036854775808"}), kOk);
  EXPECT_EQ(Run({"DECR", "m"}), kOverflow);
  EXPECT_EQ(Run({"DECRBY", "m", "1"}), kOverflow);
  EXPECT_EQ(Run({"INCRBY", "m", "-9223372036854775808"}), kOverflow);
  EXPECT_EQ(Run({"DECRBY", "m", "-1"}), Int(-9223372036854775807));
  EXPECT_EQ(Run({"DECRBY", "m", "9223372036854775807"}), kOverflow);
  // DECRBY cannot negate INT64_MIN: a dedicated message, whatever the key holds.
  EXPECT_EQ(Run({"DECRBY", "x", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  EXPECT_EQ(Run({"INCRBY", "x", "-9223372036854775808"}), Int(INT64_MIN));
  EXPECT_EQ(Run({"INCRBY", "x", "9223372036854775807"}), Int(-1));
  EXPECT_EQ(Run({"INCRBY", "y", "9223372036854775807"}), Int(INT64_MAX));
  EXPECT_EQ(Run({"INCRBY", "y", "-9223372036854775808"}), Int(-1));
}

TEST_F(StringFamilyTest, IncrKeepsTtlAndSeesExpiry) {
  EXPECT_EQ(Run({"SET", "t", "10", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"INCR", "t"}), Int(11));
  EXPECT_EQ(Pttl("t"), 100000);
  EXPECT_EQ(Run({"SET", "s", "10", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"APPEND", "s", "0"}), Int(3));  // raw "100"
  EXPECT_EQ(Run({"INCRBY", "s", "5"}), Int(105));
  EXPECT_EQ(Pttl("s"), 100000);
  f_.clock.AdvanceMs(100000);
  EXPECT_EQ(Run({"INCR", "t"}), Int(1));  // expired: starts from 0, no TTL
  EXPECT_EQ(Pttl("t"), -1);
}

TEST_F(StringFamilyTest, IncrByFloat) {
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(Run({"GET", "f"}), Bulk("10.5"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "-5"}), Bulk("5.6"));
  EXPECT_EQ(Run({"SET", "g", "5.0e3"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "g", "2.0e2"}), Bulk("5200"));
  EXPECT_EQ(Run({"SET", "i", "3"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "i", "1.5"}), Bulk("4.5"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "z", "3"}), Bulk("3"));
  EXPECT_EQ(EncodingOf("z"), "embstr");  // never int, even when integral
  EXPECT_EQ(Run({"INCRBYFLOAT", "z", "-3"}), Bulk("0"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "h", "0.1"}), Bulk("0.1"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "h", "0.2"}), Bulk("0.3"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "h", "1.23456789012345678901234"}), Bulk("1.53456789012345679"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "neg0", "-0.0"}), Bulk("0"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "tiny", "1e-20"}), Bulk("0"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "hex", "0x10"}), Bulk("16"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "dot", "1."}), Bulk("1"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "lead", ".5"}), Bulk("0.5"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "e30", "1e30"}), Bulk("1000000000000000000024696061952"));
  EXPECT_EQ(EncodingOf("e30"), "embstr");
  EXPECT_EQ(Run({"INCRBYFLOAT", "e50", "1e50"}),
            Bulk("100000000000000000003583830118858923890798487404544"));
  EXPECT_EQ(EncodingOf("e50"), "raw");
  f_.resp3 = true;  // still a bulk string in RESP3
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "1"}), Bulk("6.6"));
}

TEST_F(StringFamilyTest, IncrByFloatErrors) {
  EXPECT_EQ(Run({"SET", "f", "5.6"}), kOk);
  for (const std::string& bad : {"abc"s, "nan"s, " 1"s, ""s, "1e"s, "1e-5000"s, "1 "s}) {
    EXPECT_EQ(Run({"INCRBYFLOAT", "f", bad}), kNotFloat) << bad;
  }
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "inf"}), kNanInf);
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "-inf"}), kNanInf);
  EXPECT_EQ(Run({"GET", "f"}), Bulk("5.6"));
  EXPECT_EQ(Run({"SET", "s", "abc"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), kNotFloat);
  MakeList("l");
  EXPECT_EQ(Run({"INCRBYFLOAT", "l", "abc"}), kWrongType);  // type before the increment
  // The sum overflows long double.
  EXPECT_EQ(Run({"SET", "big", "1e4932"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "big", "1e4932"}), kNanInf);
  EXPECT_EQ(Run({"GET", "big"}), Bulk("1e4932"));
  std::string huge = Run({"INCRBYFLOAT", "big", "0"});
  EXPECT_EQ(huge.substr(0, 8), "$4933\r\n1");
  EXPECT_EQ(EncodingOf("big"), "raw");
}

TEST_F(StringFamilyTest, IncrByFloatKeepsTtl) {
  EXPECT_EQ(Run({"SET", "f", "1", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "1"}), Bulk("2"));
  EXPECT_EQ(Pttl("f"), 100000);
}

// ----------------------------------------------------------------- GETRANGE/SETRANGE

TEST_F(StringFamilyTest, GetRange) {
  EXPECT_EQ(Run({"SET", "s", "hello"}), kOk);
  struct Case {
    std::string start, end, want;
  } cases[] = {
      {"0", "-1", "hello"},
      {"0", "-100", "h"},  // Redis 7.0: the negative end clamps to 0
      {"-100", "-1", "hello"},
      {"-100", "-50", "h"},
      {"-1", "-5", ""},
      {"-3", "-2", "ll"},
      {"1", "0", ""},
      {"4", "100", "o"},
      {"5", "10", ""},
      {"0", "0", "h"},
      {"-1", "0", ""},
      {"2", "-100", ""},
      {"0", "9223372036854775807", "hello"},
      {"-9223372036854775808", "9223372036854775807", "hello"},
      {"-9223372036854775808", "-9223372036854775808", "h"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Run({"GETRANGE", "s", c.start, c.end}), Bulk(c.want)) << c.start << " " << c.end;
    EXPECT_EQ(Run({"SUBSTR", "s", c.start, c.end}), Bulk(c.want)) << c.start << " " << c.end;
  }
  EXPECT_EQ(Run({"SET", "i", "12345"}), kOk);
  EXPECT_EQ(Run({"GETRANGE", "i", "1", "2"}), Bulk("23"));
  EXPECT_EQ(Run({"SET", "e", ""}), kOk);
  EXPECT_EQ(Run({"GETRANGE", "e", "0", "-1"}), kEmpty);
  EXPECT_EQ(Run({"GETRANGE", "e", "0", "0"}), kEmpty);
  EXPECT_EQ(Run({"GETRANGE", "e", "-1", "-1"}), kEmpty);
  EXPECT_EQ(Run({"SET", "b", "a\0\r\nb"s}), kOk);
  EXPECT_EQ(Run({"GETRANGE", "b", "1", "3"}), Bulk("\0\r\n"s));
  f_.resp3 = true;
  EXPECT_EQ(Run({"GETRANGE", "nokey", "0", "-1"}), kEmpty);  // empty string, not null
}

TEST_F(StringFamilyTest, GetRangeErrors) {
  EXPECT_EQ(Run({"GETRANGE", "nokey", "0", "-1"}), kEmpty);
  EXPECT_EQ(Run({"GETRANGE", "nokey", "a", "0"}), kNotInt);
  EXPECT_EQ(Run({"GETRANGE", "nokey", "0", "1.5"}), kNotInt);
  MakeList("l");
  EXPECT_EQ(Run({"GETRANGE", "l", "0", "-1"}), kWrongType);
  EXPECT_EQ(Run({"GETRANGE", "l", "a", "0"}), kNotInt);  // arguments are parsed first
  EXPECT_EQ(Run({"SUBSTR", "l", "0", "1"}), kWrongType);
}

TEST_F(StringFamilyTest, SetRange) {
  EXPECT_EQ(Run({"SET", "k", "Hello World"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "k", "6", "Redis"}), Int(11));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("Hello Redis"));
  EXPECT_EQ(EncodingOf("k"), "raw");
  EXPECT_EQ(Run({"SETRANGE", "k", "1", "EL"}), Int(11));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("HELlo Redis"));
  EXPECT_EQ(Run({"SETRANGE", "k", "15", "X"}), Int(16));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("HELlo Redis\0\0\0\0X"s));
  EXPECT_EQ(Run({"SETRANGE", "pad", "3", "ab"}), Int(5));
  EXPECT_EQ(Run({"GET", "pad"}), Bulk("\0\0\0ab"s));
  EXPECT_EQ(EncodingOf("pad"), "raw");  // even a short new value
  EXPECT_EQ(Run({"SETRANGE", "sm", "0", "abc"}), Int(3));
  EXPECT_EQ(EncodingOf("sm"), "raw");
  EXPECT_EQ(Run({"SET", "i", "12345"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "i", "0", "9"}), Int(5));
  EXPECT_EQ(EncodingOf("i"), "raw");
  EXPECT_EQ(Run({"GET", "i"}), Bulk("92345"));
  EXPECT_EQ(Run({"SET", "j", "1234"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "j", "1", "x\r\n\0"s}), Int(5));
  EXPECT_EQ(Run({"GET", "j"}), Bulk("1x\r\n\0"s));
}

TEST_F(StringFamilyTest, SetRangeWithEmptyValue) {
  EXPECT_EQ(Run({"SETRANGE", "nokey", "0", ""}), Int(0));
  EXPECT_EQ(Run({"SETRANGE", "nokey", "100", ""}), Int(0));
  EXPECT_EQ(Run({"GET", "nokey"}), kNil);  // no key is created
  EXPECT_EQ(Run({"SET", "k", "hello"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "k", "100", ""}), Int(5));                  // never extends
  EXPECT_EQ(Run({"SETRANGE", "k", "9223372036854775807", ""}), Int(5));  // no limit check
  EXPECT_EQ(EncodingOf("k"), "embstr");                                  // and nothing is rewritten
  MakeList("l");
  EXPECT_EQ(Run({"SETRANGE", "l", "0", ""}), kWrongType);
  EXPECT_EQ(Run({"SETRANGE", "l", "0", "x"}), kWrongType);
}

TEST_F(StringFamilyTest, SetRangeLimits) {
  EXPECT_EQ(Run({"SET", "k", "abc"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "k", "-1", "x"}), Err("ERR offset is out of range"));
  EXPECT_EQ(Run({"SETRANGE", "k", "abc", "x"}), kNotInt);
  EXPECT_EQ(Run({"SETRANGE", "k", "9223372036854775808", "x"}), kNotInt);
  EXPECT_EQ(Run({"SETRANGE", "k", "536870912", "x"}), kTooBig);
  EXPECT_EQ(Run({"SETRANGE", "new", "536870911", "xy"}), kTooBig);
  EXPECT_EQ(Run({"SETRANGE", "new", "9223372036854775807", "xy"}), kTooBig);
  EXPECT_EQ(Run({"GET", "new"}), kNil);
  f_.api.max_bulk = 100;
  EXPECT_EQ(Run({"SETRANGE", "k", "99", "x"}), Int(100));
  EXPECT_EQ(Run({"SETRANGE", "k", "100", "x"}), kTooBig);
  EXPECT_EQ(Run({"SETRANGE", "k", "98", "xyz"}), kTooBig);
  EXPECT_EQ(Run({"SETRANGE", "m", "98", "xy"}), Int(100));
  EXPECT_EQ(Run({"SETRANGE", "m2", "98", "xyz"}), kTooBig);
  EXPECT_EQ(Run({"GET", "m2"}), kNil);
}

TEST_F(StringFamilyTest, SetRangeKeepsTtlAndGrowsInPlace) {
  EXPECT_EQ(Run({"SET", "t", "abc", "EX", "100"}), kOk);
  EXPECT_EQ(Run({"SETRANGE", "t", "0", "z"}), Int(3));
  EXPECT_EQ(Pttl("t"), 100000);
  std::string expect = "zbc";
  for (int i = 0; i < 300; ++i) {
    std::string piece = std::to_string(i);
    size_t at = expect.size() - 1;
    expect.replace(at, std::string::npos, piece);
    ASSERT_EQ(Run({"SETRANGE", "t", std::to_string(at), piece}),
              Int(static_cast<int64_t>(expect.size())));
  }
  EXPECT_EQ(Run({"GET", "t"}), Bulk(expect));
  EXPECT_EQ(Pttl("t"), 100000);
}

// ---------------------------------------------------------------------------------- LCS

TEST_F(StringFamilyTest, LcsBasic) {
  EXPECT_EQ(Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"}), kOk);
  EXPECT_EQ(Run({"LCS", "key1", "key2"}), Bulk("mytext"));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN"}), Int(6));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "len", "len"}), Int(6));
  // Options that only matter with IDX are accepted and ignored.
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN", "WITHMATCHLEN"}), Int(6));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "WITHMATCHLEN"}), Bulk("mytext"));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN", "2"}), Bulk("mytext"));
  // Missing keys are empty strings.
  EXPECT_EQ(Run({"LCS", "key1", "nokey"}), kEmpty);
  EXPECT_EQ(Run({"LCS", "nokey", "nokey2", "LEN"}), Int(0));
  // Ties resolve like Redis: this pair has several LCSs of length 4.
  EXPECT_EQ(Run({"MSET", "a", "ABCBDAB", "b", "BDCABA"}), kOk);
  EXPECT_EQ(Run({"LCS", "a", "b"}), Bulk("BDAB"));
  // Int-encoded values take part as their decimal text.
  EXPECT_EQ(Run({"MSET", "n1", "12345", "n2", "2345"}), kOk);
  EXPECT_EQ(Run({"LCS", "n1", "n2"}), Bulk("2345"));
  EXPECT_EQ(Run({"LCS", "key1", "key1"}), Bulk("ohmytext"));
  EXPECT_EQ(Run({"MSET", "x", "a\0b\r\n"s, "y", "\0\r"s}), kOk);
  EXPECT_EQ(Run({"LCS", "x", "y"}), Bulk("\0\r"s));
}

std::string Range(int64_t a, int64_t b) { return Arr(2) + Int(a) + Int(b); }

TEST_F(StringFamilyTest, LcsIdx) {
  EXPECT_EQ(Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"}), kOk);
  const std::string m1 = Range(4, 7) + Range(5, 8);
  const std::string m2 = Range(2, 3) + Range(0, 1);
  const std::string len6 = Bulk("len") + Int(6);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX"}),
            Arr(4) + Bulk("matches") + Arr(2) + Arr(2) + m1 + Arr(2) + m2 + len6);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "WITHMATCHLEN"}),
            Arr(4) + Bulk("matches") + Arr(2) + Arr(3) + m1 + Int(4) + Arr(3) + m2 + Int(2) + len6);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            Arr(4) + Bulk("matches") + Arr(1) + Arr(3) + m1 + Int(4) + len6);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "5"}),
            Arr(4) + Bulk("matches") + Arr(0) + len6);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "-5"}),
            Arr(4) + Bulk("matches") + Arr(2) + Arr(2) + m1 + Arr(2) + m2 + len6);
  EXPECT_EQ(Run({"LCS", "nokey", "nokey2", "IDX"}),
            Arr(4) + Bulk("matches") + Arr(0) + Bulk("len") + Int(0));
  EXPECT_EQ(Run({"LCS", "key1", "key1", "IDX"}), Arr(4) + Bulk("matches") + Arr(1) + Arr(2) +
                                                     Range(0, 7) + Range(0, 7) + Bulk("len") +
                                                     Int(8));
  EXPECT_EQ(Run({"MSET", "a", "ABCBDAB", "b", "BDCABA"}), kOk);
  EXPECT_EQ(Run({"LCS", "a", "b", "IDX", "WITHMATCHLEN"}),
            Arr(4) + Bulk("matches") + Arr(2) + Arr(3) + Range(5, 6) + Range(3, 4) + Int(2) +
                Arr(3) + Range(3, 4) + Range(0, 1) + Int(2) + Bulk("len") + Int(4));
  EXPECT_EQ(Run({"MSET", "n1", "12345", "n2", "2345"}), kOk);
  EXPECT_EQ(Run({"LCS", "n1", "n2", "IDX"}), Arr(4) + Bulk("matches") + Arr(1) + Arr(2) +
                                                 Range(1, 4) + Range(0, 3) + Bulk("len") + Int(4));
  // RESP3: a map.
  f_.resp3 = true;
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX"}),
            "%2\r\n" + Bulk("matches") + Arr(2) + Arr(2) + m1 + Arr(2) + m2 + len6);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN"}), Int(6));
}

TEST_F(StringFamilyTest, LcsErrors) {
  EXPECT_EQ(Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"}), kOk);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN", "IDX"}),
            Err("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN"}), kSyntax);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN", "abc"}), kNotInt);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "foo"}), kSyntax);
  MakeList("l");
  const std::string not_strings = Err("ERR The specified keys must contain string values");
  EXPECT_EQ(Run({"LCS", "key1", "l"}), not_strings);
  EXPECT_EQ(Run({"LCS", "l", "key1", "foo"}), not_strings);  // checked before the options
  EXPECT_EQ(Run({"LCS", "l", "nokey"}), not_strings);
}

TEST_F(StringFamilyTest, LcsTableLimitFollowsProtoMaxBulkLen) {
  f_.api.max_bulk = 1 << 20;
  // (501 * 500) cells of 4 bytes fit in 1 MiB; (601 * 601) do not.
  EXPECT_EQ(Run({"MSET", "a", std::string(500, 'x'), "b", std::string(499, 'x')}), kOk);
  EXPECT_EQ(Run({"LCS", "a", "b", "LEN"}), Int(499));
  EXPECT_EQ(Run({"MSET", "a", std::string(600, 'x'), "b", std::string(600, 'x')}), kOk);
  EXPECT_EQ(Run({"LCS", "a", "b", "LEN"}),
            Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
}

// ------------------------------------------------------------------------------ arity

TEST_F(StringFamilyTest, ArityErrors) {
  const std::vector<std::vector<std::string>> cases = {
      {"get"},
      {"get", "a", "b"},
      {"set", "k"},
      {"mset", "a"},
      {"msetnx", "a"},
      {"mget"},
      {"incr"},
      {"append", "k"},
      {"strlen"},
      {"getrange", "k", "0"},
      {"setrange", "k", "0"},
      {"setnx", "k"},
      {"setex", "k", "10"},
      {"psetex", "k"},
      {"getset", "k"},
      {"getdel"},
      {"getex"},
      {"incrby", "k"},
      {"decrby", "k"},
      {"incrbyfloat", "k"},
      {"lcs", "a"},
      {"substr", "k", "0"},
      {"decr", "a", "b"},
  };
  for (const auto& argv : cases) {
    EXPECT_EQ(Run(argv), Err("ERR wrong number of arguments for '" + argv[0] + "' command"))
        << argv[0];
  }
  EXPECT_EQ(Run({"GeT"}), Err("ERR wrong number of arguments for 'get' command"));
}

// ------------------------------------------------------------------------- string_ops

TEST(StringOpsTest, ParseExpireAt) {
  int64_t at = 0;
  const int64_t now = 1'700'000'000'000;
  EXPECT_EQ(ParseExpireAt("10", ExpireKind::kEx, now, &at), ExpireParse::kOk);
  EXPECT_EQ(at, now + 10000);
  EXPECT_EQ(ParseExpireAt("10", ExpireKind::kPx, now, &at), ExpireParse::kOk);
  EXPECT_EQ(at, now + 10);
  EXPECT_EQ(ParseExpireAt("10", ExpireKind::kExAt, now, &at), ExpireParse::kOk);
  EXPECT_EQ(at, 10000);
  EXPECT_EQ(ParseExpireAt("10", ExpireKind::kPxAt, now, &at), ExpireParse::kOk);
  EXPECT_EQ(at, 10);
  EXPECT_EQ(ParseExpireAt("x", ExpireKind::kEx, now, &at), ExpireParse::kNotInteger);
  EXPECT_EQ(ParseExpireAt("", ExpireKind::kPx, now, &at), ExpireParse::kNotInteger);
  EXPECT_EQ(ParseExpireAt("0", ExpireKind::kPxAt, now, &at), ExpireParse::kInvalid);
  EXPECT_EQ(ParseExpireAt("-9223372036854775808", ExpireKind::kEx, now, &at),
            ExpireParse::kInvalid);
  const int64_t max = INT64_MAX;
  EXPECT_EQ(ParseExpireAt(std::to_string(max - now), ExpireKind::kPx, now, &at), ExpireParse::kOk);
  EXPECT_EQ(at, max);
  EXPECT_EQ(ParseExpireAt(std::to_string(max - now + 1), ExpireKind::kPx, now, &at),
            ExpireParse::kInvalid);
  EXPECT_EQ(ParseExpireAt(std::to_string(max / 1000), ExpireKind::kExAt, now, &at),
            ExpireParse::kOk);
  EXPECT_EQ(ParseExpireAt(std::to_string(max / 1000 + 1), ExpireKind::kExAt, now, &at),
            ExpireParse::kInvalid);
  EXPECT_EQ(InvalidExpireError("set"), "ERR invalid expire time in 'set' command");
}

TEST(StringOpsTest, StringRangeOnEmptyAndHugeIndexes) {
  EXPECT_EQ(StringRange("", 0, -1), "");
  EXPECT_EQ(StringRange("", INT64_MIN, INT64_MAX), "");
  EXPECT_EQ(StringRange("abc", INT64_MAX, INT64_MAX), "");
  EXPECT_EQ(StringRange("abc", 1, 1), "b");
  EXPECT_EQ(StringRange("abc", -2, INT64_MAX), "bc");
}

// The LCS of a and b by brute force over all subsequences (small inputs only).
size_t BruteLcsLength(const std::string& a, const std::string& b) {
  size_t best = 0;
  for (uint32_t mask = 0; mask < (1u << a.size()); ++mask) {
    std::string sub;
    for (size_t i = 0; i < a.size(); ++i) {
      if (mask & (1u << i)) sub.push_back(a[i]);
    }
    size_t j = 0;
    for (char c : b) {
      if (j < sub.size() && sub[j] == c) ++j;
    }
    if (j == sub.size()) best = std::max(best, sub.size());
  }
  return best;
}

bool IsSubsequence(const std::string& sub, std::string_view s) {
  size_t j = 0;
  for (char c : s) {
    if (j < sub.size() && sub[j] == c) ++j;
  }
  return j == sub.size();
}

TEST(StringOpsTest, LcsAgreesWithBruteForceAndMatchesAreConsistent) {
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 300; ++iter) {
    auto gen = [&](size_t max_len) {
      std::string s(rng() % (max_len + 1), ' ');
      for (char& c : s) c = static_cast<char>('a' + rng() % 3);
      return s;
    };
    std::string a = gen(10), b = gen(12);
    LcsResult r;
    ASSERT_EQ(ComputeLcs(a, b, true, true, 0, 1 << 20, &r), LcsStatus::kOk);
    EXPECT_EQ(r.length, BruteLcsLength(a, b)) << a << " " << b;
    EXPECT_EQ(r.sequence.size(), r.length);
    EXPECT_TRUE(IsSubsequence(r.sequence, a));
    EXPECT_TRUE(IsSubsequence(r.sequence, b));
    // The runs, read from the last one to the first, spell the subsequence.
    std::string from_runs;
    uint32_t total = 0;
    for (auto it = r.matches.rbegin(); it != r.matches.rend(); ++it) {
      EXPECT_EQ(a.substr(it->a_start, it->length()), b.substr(it->b_start, it->length()));
      EXPECT_EQ(it->b_end - it->b_start, it->a_end - it->a_start);
      from_runs += a.substr(it->a_start, it->length());
      total += it->length();
    }
    EXPECT_EQ(from_runs, r.sequence);
    EXPECT_EQ(total, r.length);
  }
}

TEST(StringOpsTest, LcsLimits) {
  LcsResult r;
  EXPECT_EQ(ComputeLcs("abc", "abd", false, false, 0, 15, &r), LcsStatus::kTableTooBig);
  EXPECT_EQ(ComputeLcs("abc", "abd", false, false, 0, 16 * 4, &r), LcsStatus::kOk);
  EXPECT_EQ(r.length, 2u);
  EXPECT_TRUE(r.sequence.empty());
  EXPECT_TRUE(r.matches.empty());
}

// ----------------------------------------------------------------------- entry helpers

TEST(StringEntryTest, ResizeKeepsBytesAcrossVarintBoundariesAndZeroFills) {
  Entry* e = NewStringEntry(EntryInit{"key"}, std::string(126, 'a'), Encoding::kEmbStr);
  std::string expect(126, 'a');
  for (size_t len : {127u, 128u, 129u, 16383u, 16384u, 20000u, 100u, 3u, 0u, 5u}) {
    e = ResizeStringValue(e, len);
    expect.resize(len, '\0');
    EXPECT_EQ(e->str_bytes(), expect) << len;
    EXPECT_EQ(e->key(), "key");
    EXPECT_EQ(e->encoding(), Encoding::kRaw);
    if (len > 0) {
      MutableStrBytes(e)[len - 1] = 'z';
      expect[len - 1] = 'z';
    }
  }
  FreeEntry(e);
}

TEST(StringEntryTest, ResizeRendersIntsAndKeepsExpire) {
  Entry* e = NewIntEntry(EntryInit{"k", true, 12345}, -9223372036854775807 - 1);
  e = ResizeStringValue(e, 22);
  EXPECT_EQ(e->str_bytes(), "-9223372036854775808\0\0"s);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 12345);
  FreeEntry(e);
}

TEST(StringEntryTest, AppendLoopReallocatesLogarithmically) {
  Entry* e = NewStringEntry(EntryInit{"k"}, "", Encoding::kEmbStr);
  size_t moves = 0;
  for (size_t len = 1; len <= 200000; ++len) {
    Entry* n = ResizeStringValue(e, len);
    if (n != e) ++moves;
    MutableStrBytes(n)[len - 1] = static_cast<char>('a' + len % 26);
    e = n;
  }
  // Doubling: about log2(200000) reallocations (the allocator may move on top of that).
  EXPECT_LT(moves, 40u);
  EXPECT_GE(EntryAllocSize(e), 200000u);
  EXPECT_EQ(e->str_bytes()[199999], static_cast<char>('a' + 200000 % 26));
  FreeEntry(e);
}

TEST(StringEntryTest, OverwriteInPlace) {
  Entry* e = NewStringEntry(EntryInit{"k"}, std::string(20, 'x'), Encoding::kEmbStr);
  EXPECT_TRUE(OverwriteStringInPlace(e, std::string(12, 'y'), Encoding::kEmbStr, 0));
  EXPECT_EQ(e->str_bytes(), std::string(12, 'y'));
  EXPECT_TRUE(OverwriteStringInPlace(e, {}, Encoding::kInt, 77));
  EXPECT_EQ(e->int_value(), 77);
  EXPECT_EQ(e->encoding(), Encoding::kInt);
  EXPECT_FALSE(OverwriteStringInPlace(e, std::string(500, 'z'), Encoding::kRaw, 0));  // no room
  EXPECT_EQ(e->int_value(), 77);
  FreeEntry(e);
  Entry* big = NewStringEntry(EntryInit{"k"}, std::string(1000, 'x'), Encoding::kRaw);
  EXPECT_FALSE(OverwriteStringInPlace(big, "a", Encoding::kEmbStr, 0));  // would waste it
  FreeEntry(big);
  Entry* obj = NewObjectEntry(EntryInit{"k"}, ValueType::kList, Encoding::kQuicklist,
                              std::make_unique<FakeList>());
  EXPECT_FALSE(OverwriteStringInPlace(obj, "a", Encoding::kEmbStr, 0));  // not a string
  FreeEntry(obj);
}

}  // namespace
}  // namespace ember::families
