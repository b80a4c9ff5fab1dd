#include "base/strutil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

// Expected values marked "redis" were produced by redis-server 7.0.15 (x86-64) with the command
// shown next to them.

namespace ember {
namespace {

using namespace std::string_literals;

// ---------------------------------------------------------------------------------------------
// ParseInt64 / ParseUint64

TEST(ParseInt64Test, AcceptsWhatRedisAccepts) {
  // redis: SET k 0; INCRBY k <s>
  struct Case {
    const char* in;
    int64_t want;
  } cases[] = {
      {"0", 0},
      {"1", 1},
      {"-1", -1},
      {"10", 10},
      {"123456789", 123456789},
      {"-123456789", -123456789},
      {"9223372036854775807", std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<int64_t>::min()},
      {"1000000000000000000", 1000000000000000000},
      {"-9223372036854775807", -9223372036854775807},
  };
  for (const auto& c : cases) {
    int64_t v = 42;
    EXPECT_TRUE(ParseInt64(c.in, &v)) << c.in;
    EXPECT_EQ(v, c.want) << c.in;
  }
}

TEST(ParseInt64Test, RejectsWhatRedisRejects) {
  // redis: every one of these gives "ERR value is not an integer or out of range".
  const std::string bad[] = {
      "",
      "-0",
      "01",
      "00",
      "-01",
      "+1",
      " 1",
      "1 ",
      "-",
      "1a",
      "0x10",
      "9223372036854775808",
      "-9223372036854775809",
      "18446744073709551615",
      "99999999999999999999",
      "100000000000000000000",
      "1.0",
      "1e3",
      "/",
      ":",
      "1/",
      "1:",
      "--1",
      "1-",
      "\t1",
      "1\0"s,
      "\0"s,
      "12345678901234567890123",
  };
  for (const auto& s : bad) {
    int64_t v = 42;
    EXPECT_FALSE(ParseInt64(s, &v)) << s;
    EXPECT_EQ(v, 42) << "output written on failure for " << s;
  }
}

TEST(ParseInt64Test, DoesNotReadPastTheView) {
  const char buf[] = "12345";
  int64_t v = 0;
  ASSERT_TRUE(ParseInt64(std::string_view(buf, 3), &v));
  EXPECT_EQ(v, 123);
  ASSERT_TRUE(ParseInt64(std::string_view(buf, 1), &v));
  EXPECT_EQ(v, 1);
  EXPECT_FALSE(ParseInt64(std::string_view(buf, 0), &v));
  // "-0" as a prefix of "-05" is still "-0".
  EXPECT_FALSE(ParseInt64(std::string_view("-05", 2), &v));
}

TEST(ParseInt64Test, RoundTripsRandomValues) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 200000; ++i) {
    int64_t x = static_cast<int64_t>(rng());
    x >>= rng() % 64;  // Spread over all magnitudes.
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(x));
    int64_t y = 0;
    ASSERT_TRUE(ParseInt64(buf, &y)) << buf;
    ASSERT_EQ(x, y) << buf;
  }
}

TEST(ParseUint64Test, Basic) {
  uint64_t v = 7;
  EXPECT_TRUE(ParseUint64("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(ParseUint64("18446744073709551615", &v));
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(ParseUint64("9223372036854775808", &v));
  EXPECT_EQ(v, uint64_t{1} << 63);
  EXPECT_TRUE(ParseUint64("10000000000000000000", &v));
  EXPECT_EQ(v, 10000000000000000000u);
  EXPECT_TRUE(ParseUint64("18446744073709551609", &v));
  EXPECT_EQ(v, 18446744073709551609u);

  v = 7;
  for (const char* s : {"", "-0", "-1", "+1", "01", "00", " 1", "1 ", "18446744073709551616",
                        "18446744073709551620", "19000000000000000000", "99999999999999999999",
                        "100000000000000000000", "1844674407370955161a", "1x"}) {
    EXPECT_FALSE(ParseUint64(s, &v)) << s;
  }
  EXPECT_EQ(v, 7u);
}

// ---------------------------------------------------------------------------------------------
// FormatInt64 / Int64ToString

TEST(FormatInt64Test, MatchesPrintf) {
  std::vector<int64_t> values = {0, std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::min() + 1};
  for (int64_t p = 1;; p *= 10) {  // Every power of ten up to 10^18, and its neighbours.
    for (int64_t d : {-1, 0, 1}) {
      values.push_back(p + d);
      values.push_back(-(p + d));
    }
    if (p > std::numeric_limits<int64_t>::max() / 10) break;
  }
  std::mt19937_64 rng(99);
  for (int i = 0; i < 100000; ++i) {
    values.push_back(static_cast<int64_t>(rng()) >> (rng() % 64));
  }
  for (int64_t v : values) {
    char want[32];
    const int n = std::snprintf(want, sizeof(want), "%lld", static_cast<long long>(v));
    char got[32];
    std::memset(got, 'X', sizeof(got));
    const size_t len = FormatInt64(v, got);
    ASSERT_EQ(std::string(got, len), std::string(want, n));
    ASSERT_EQ(got[21], 'X') << "wrote past 21 bytes";
    ASSERT_EQ(Int64ToString(v), std::string(want, n));
  }
}

TEST(FormatInt64Test, ExtremesFitIn21Bytes) {
  char buf[21];
  EXPECT_EQ(FormatInt64(std::numeric_limits<int64_t>::min(), buf), 20u);
  EXPECT_EQ(std::string(buf, 20), "-9223372036854775808");
  EXPECT_EQ(FormatInt64(std::numeric_limits<int64_t>::max(), buf), 19u);
  EXPECT_EQ(std::string(buf, 19), "9223372036854775807");
  EXPECT_EQ(FormatInt64(0, buf), 1u);
  EXPECT_EQ(buf[0], '0');
}

// ---------------------------------------------------------------------------------------------
// ParseLongDouble (INCRBYFLOAT)

TEST(ParseLongDoubleTest, Accepts) {
  // redis: SET k 0; INCRBYFLOAT k <s>  -> a number (or, for the infinities, the separate
  // "increment would produce NaN or Infinity" error that the caller detects).
  struct Case {
    const char* in;
    long double want;
  } cases[] = {
      {"0", 0.0L},           {"1e5", 1e5L},
      {"0x10", 16.0L},       {"0X1p3", 8.0L},
      {"0x1.8p1", 3.0L},     {"+1", 1.0L},
      {"01", 1.0L},          {".5", 0.5L},
      {"5.", 5.0L},          {"1.5", 1.5L},
      {"-1.5e-3", -1.5e-3L}, {"0.0", 0.0L},
      {"1e-400", 1e-400L},  // Fine for 80-bit long double.
      {"1.5e400", 1.5e400L}, {"1e4932", 1e4932L},
      {"-0", -0.0L},         {"9223372036854775808", 9223372036854775808.0L},
  };
  for (const auto& c : cases) {
    long double v = 42;
    EXPECT_TRUE(ParseLongDouble(c.in, &v)) << c.in;
    EXPECT_EQ(v, c.want) << c.in;
  }
  long double v = 0;
  EXPECT_TRUE(ParseLongDouble("-0", &v));
  EXPECT_TRUE(std::signbit(v));
  // Denormals are accepted even though strtold reports ERANGE (redis: 1e-4950, 3e-4951 -> 0).
  EXPECT_TRUE(ParseLongDouble("1e-4950", &v));
  EXPECT_GT(v, 0.0L);
  EXPECT_TRUE(ParseLongDouble("3e-4951", &v));
  EXPECT_GT(v, 0.0L);
}

TEST(ParseLongDoubleTest, AcceptsInfinityLiterals) {
  // redis: INCRBYFLOAT k inf -> "ERR increment would produce NaN or Infinity", so these parse
  // and the caller rejects the infinite sum.
  for (const char* s : {"inf", "-inf", "+inf", "INF", "infinity", "-Infinity"}) {
    long double v = 0;
    EXPECT_TRUE(ParseLongDouble(s, &v)) << s;
    EXPECT_TRUE(std::isinf(v)) << s;
    EXPECT_EQ(v < 0, s[0] == '-') << s;
  }
}

TEST(ParseLongDoubleTest, Rejects) {
  // redis: "ERR value is not a valid float" for all of these, both as the increment and as
  // the stored value.
  const std::string bad[] = {
      "",         " 1", "1 ", "\t1", "\n1", "  ",  "nan", "-nan", "NaN",  "nan(123)",
      "1e5000",    // Overflow.
      "-1e5000",   // Overflow.
      "1.2e4932",  // Overflow.
      "1e-5000",   // Underflow to zero.
      ".",        "e5", "1e", "1e+", "0x",  "1_0", "1,5", "abc",  "infx", "1\0"s,     "1\0abc"s,
  };
  for (const auto& s : bad) {
    long double v = 42;
    EXPECT_FALSE(ParseLongDouble(s, &v)) << s;
    EXPECT_EQ(v, 42) << s;
  }
}

TEST(ParseLongDoubleTest, LengthLimit) {
  // redis: "000...01" of 5119 bytes is accepted, 5120 bytes is "not a valid float".
  long double v = 0;
  EXPECT_TRUE(ParseLongDouble(std::string(5000 - 1, '0') + "1", &v));
  EXPECT_EQ(v, 1.0L);
  EXPECT_TRUE(ParseLongDouble(std::string(5119 - 1, '0') + "1", &v));
  EXPECT_EQ(v, 1.0L);
  EXPECT_FALSE(ParseLongDouble(std::string(5120 - 1, '0') + "1", &v));
  EXPECT_FALSE(ParseLongDouble(std::string(100000, '1'), &v));
}

TEST(ParseLongDoubleTest, DoesNotReadPastTheView) {
  const char buf[] = "1.5e10";
  long double v = 0;
  ASSERT_TRUE(ParseLongDouble(std::string_view(buf, 3), &v));
  EXPECT_EQ(v, 1.5L);
  // "1.5e" alone is not a number.
  EXPECT_FALSE(ParseLongDouble(std::string_view(buf, 4), &v));
}

// ---------------------------------------------------------------------------------------------
// ParseDouble (ZADD scores and other float arguments)

TEST(ParseDoubleTest, Accepts) {
  // redis: ZADD z <s> m (accepted), ZSCORE shows the value.
  struct Case {
    const char* in;
    double want;
  } cases[] = {
      {"0", 0.0},
      {"3", 3.0},
      {"-1.5", -1.5},
      {"0x10", 16.0},
      {"+.5", 0.5},
      {"1.1", 1.1},
      {"1e308", 1e308},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"4.9e-324", 4.9e-324},  // Denormal: accepted although strtod reports ERANGE.
      {"2e-320", 2e-320},
      {"2.5e-324", 4.9406564584124654e-324},
      {"123456789012345678", 123456789012345678.0},
      {"-9223372036854775808", -9223372036854775808.0},
      {"999999999999999", 999999999999999.0},
      {"9999999999999999", 9999999999999999.0},
      {"12345678901234567890", 12345678901234567890.0},
      {"007", 7.0},
      {"-007", -7.0},
  };
  for (const auto& c : cases) {
    double v = 42;
    EXPECT_TRUE(ParseDouble(c.in, &v)) << c.in;
    EXPECT_EQ(v, c.want) << c.in;
  }
  for (const char* s : {"inf", "+inf", "-inf", "infinity", "INF"}) {
    double v = 0;
    EXPECT_TRUE(ParseDouble(s, &v)) << s;
    EXPECT_TRUE(std::isinf(v)) << s;
    EXPECT_EQ(v < 0, s[0] == '-') << s;
  }
  double v = 0;
  EXPECT_TRUE(ParseDouble("-0", &v));
  EXPECT_TRUE(std::signbit(v));
  EXPECT_TRUE(ParseDouble("-0.0", &v));
  EXPECT_TRUE(std::signbit(v));
  // No length limit (redis: ZADD with "000...01" of 100000 bytes works).
  EXPECT_TRUE(ParseDouble(std::string(100000, '0') + "1", &v));
  EXPECT_EQ(v, 1.0);
  EXPECT_TRUE(ParseDouble("0." + std::string(400, '0') + "1e401", &v));
  EXPECT_EQ(v, 1.0);
}

TEST(ParseDoubleTest, Rejects) {
  // redis: ZADD z <s> m -> "ERR value is not a valid float".
  const std::string bad[] = {
      "",
      " 1",
      "1 ",
      "\t1",
      "nan",
      "-nan",
      "NaN",
      "1e400",                   // Overflow.
      "1.7976931348623159e308",  // Rounds to infinity.
      "1e-400",                  // Underflow to zero.
      "2.4e-324",                // Underflow to zero.
      "1\0abc"s,
      "1\0"s,
      "-",
      "+",
      ".",
      "1e",
      "abc",
      "1x",
  };
  for (const auto& s : bad) {
    double v = 42;
    EXPECT_FALSE(ParseDouble(s, &v)) << s;
    EXPECT_EQ(v, 42) << s;
  }
}

TEST(ParseDoubleTest, DoesNotReadPastTheView) {
  const char buf[] = "12.5e3";
  double v = 0;
  ASSERT_TRUE(ParseDouble(std::string_view(buf, 2), &v));
  EXPECT_EQ(v, 12.0);
  ASSERT_TRUE(ParseDouble(std::string_view(buf, 4), &v));
  EXPECT_EQ(v, 12.5);
}

// ---------------------------------------------------------------------------------------------
// FormatLongDoubleHuman (INCRBYFLOAT reply)

// Parses both operands like INCRBYFLOAT does and formats the sum.
std::string IncrByFloat(const std::string& stored, const std::string& incr) {
  long double a = 0, b = 0;
  if (!ParseLongDouble(stored, &a) || !ParseLongDouble(incr, &b)) {
    return "ERR value is not a valid float";
  }
  const long double sum = a + b;
  if (std::isnan(sum) || std::isinf(sum)) return "ERR increment would produce NaN or Infinity";
  return FormatLongDoubleHuman(sum);
}

TEST(FormatLongDoubleHumanTest, MatchesRedisIncrByFloat) {
  // redis: SET k <stored>; INCRBYFLOAT k <incr>
  struct Case {
    const char* stored;
    const char* incr;
    const char* want;
  } cases[] = {
      {"10.5", "0.1", "10.6"},
      {"10.5", "5.0e3", "5010.5"},
      {"10.5", "-1e-5", "10.49999"},
      {"0", "3.0e17", "300000000000000000"},
      {"3.0e17", "1", "300000000000000001"},
      {"1", "1e17", "100000000000000001"},
      {"1", "1e18", "1000000000000000001"},
      {"0", "1e-18", "0"},
      {"0", "-1e-18", "0"},
      {"0", "-1e-17", "-0.00000000000000001"},
      {"0", "1e-17", "0.00000000000000001"},
      {"0", "5e-18", "0"},
      {"0", "-5e-18", "0"},
      {"0", "0.000000000000000015", "0.00000000000000002"},
      {"0", "0.000000000000000005", "0"},
      {"0", "1e-300", "0"},
      {"0", "0.1", "0.1"},
      {"0", "0.3", "0.3"},
      {"0.1", "0.2", "0.3"},
      {"1", "-1", "0"},
      {"-1", "0.5", "-0.5"},
      {"0", "1.5", "1.5"},
      {"0", "2.5", "2.5"},
      {"5", "0x1p-3", "5.125"},
      {"0", "1e20", "100000000000000000000"},
      {"0", "1.1e20", "110000000000000000000"},
      {"0", "1e30", "1000000000000000000024696061952"},
      {"0", "123456789.123456789", "123456789.12345678899873747"},
      {"0", "3.14159265358979323846", "3.14159265358979324"},
      {"0", "9223372036854775807", "9223372036854775807"},
      {"0", "9223372036854775808", "9223372036854775808"},
      {"0", "-0.0", "0"},
      {"-0", "0", "0"},
      {"0", "1e5", "100000"},
      {"0", "0x10", "16"},
      {"0", "1e-4950", "0"},
      {"1", "0.99999999999999999999", "2"},
      {"1.1e4932", "-1.1e4932", "0"},
      {"8790093", "-468585017754865971.66380498379864279835", "-468585017746075878.65625"},
      {"-4356620", "-621", "-4357241"},
      {"-3758", "-4.895292647376084144e9", "-4895296405.37608414422720671"},
      {"-43260678.", "0x6Aa377.8p1", "-29283351"},
      {"-765443.0992569", "0", "-765443.09925690000000031"},
      {"-08741384.36224368", "0", "-8741384.36224367999966489"},
      {"46758126869782.2529333721", "-546067744965421727", "-546020986838551944.75"},
      // Errors.
      {"0", "inf", "ERR increment would produce NaN or Infinity"},
      {"0", "-inf", "ERR increment would produce NaN or Infinity"},
      {"inf", "0", "ERR increment would produce NaN or Infinity"},
      {"1e4932", "1e4932", "ERR increment would produce NaN or Infinity"},
      {"0", "nan", "ERR value is not a valid float"},
      {"0", "1e5000", "ERR value is not a valid float"},
      {"0", "", "ERR value is not a valid float"},
      {"abc", "1", "ERR value is not a valid float"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IncrByFloat(c.stored, c.incr), c.want) << c.stored << " + " << c.incr;
  }
}

TEST(FormatLongDoubleHumanTest, HugeValues) {
  // redis: SET k 0; INCRBYFLOAT k 1.5e400 -> all 401 integer digits, no fraction.
  long double v = 0;
  ASSERT_TRUE(ParseLongDouble("1.5e400", &v));
  EXPECT_EQ(FormatLongDoubleHuman(v),
            "14999999999999999999787571258180632757602016556244109946451118100412878837797666"
            "93964085702378656337103141748215243124700293264932981216193408118009524136201031"
            "69850746138968510303502206742055517157231429300942533815243663795016618227633134"
            "44432730033420723993367836898563414035343077389097880907026312693852238299714434"
            "05696034032619480497933363781803328952583617894341743480564575127253090145455308"
            "8");

  // redis: SET k 0; INCRBYFLOAT k 1e4932 -> 4933 digits.
  ASSERT_TRUE(ParseLongDouble("1e4932", &v));
  const std::string big = FormatLongDoubleHuman(v);
  EXPECT_EQ(big.size(), 4933u);
  EXPECT_EQ(big.substr(0, 40), "1000000000000000000006018949387963891323");
  EXPECT_EQ(big.substr(big.size() - 40), "0876379371163141086538418113791886622720");

  const std::string max = FormatLongDoubleHuman(-std::numeric_limits<long double>::max());
  EXPECT_EQ(max.size(), 4934u);
  EXPECT_EQ(max[0], '-');
  EXPECT_EQ(max.find('.'), std::string::npos);
}

TEST(FormatLongDoubleHumanTest, Direct) {
  EXPECT_EQ(FormatLongDoubleHuman(0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(-1e-30L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(1e-30L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(10.0L), "10");
  EXPECT_EQ(FormatLongDoubleHuman(100.0L), "100");  // Zeros before the '.' stay.
  EXPECT_EQ(FormatLongDoubleHuman(-2.5L), "-2.5");
  EXPECT_EQ(FormatLongDoubleHuman(0.5L), "0.5");
  EXPECT_EQ(FormatLongDoubleHuman(std::numeric_limits<long double>::infinity()), "inf");
  EXPECT_EQ(FormatLongDoubleHuman(-std::numeric_limits<long double>::infinity()), "-inf");
  EXPECT_EQ(FormatLongDoubleHuman(std::numeric_limits<long double>::quiet_NaN()), "nan");
}

// ---------------------------------------------------------------------------------------------
// FormatDouble (RESP2 doubles, e.g. ZSCORE)

TEST(FormatDoubleTest, MatchesRedisZscore) {
  // redis: ZADD z <in> m; ZSCORE z m
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"3", "3"},
      {"-1.5", "-1.5"},
      {"1.1", "1.1000000000000001"},
      {"0.1", "0.10000000000000001"},
      {"0.0001", "0.0001"},
      {"1e-5", "1.0000000000000001e-05"},
      {"1e16", "10000000000000000"},
      {"1e17", "1e+17"},
      {"1e20", "1e+20"},
      {"123456789012345678", "1.2345678901234568e+17"},
      {"1e308", "1e+308"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"2.2250738585072014e-308", "2.2250738585072014e-308"},
      {"4.9e-324", "4.9406564584124654e-324"},
      {"2e-320", "1.999977734365366e-320"},
      {"-1e-320", "-9.9998886718268301e-321"},
      {"0x10", "16"},
      {"+.5", "0.5"},
      {"-765443.0992569", "-765443.09925690002"},
      {"64.4383354118578802484", "64.438335411857878"},
      {"-1415025354447.0424016693459E+5", "-1.4150253544470424e+17"},
      {"inf", "inf"},
      {"+inf", "inf"},
      {"infinity", "inf"},
      {"-inf", "-inf"},
      // Skiplist-encoded zset (zset-max-listpack-entries 0); a listpack zset loses the sign
      // when storing the score and replies "0".
      {"-0", "-0"},
  };
  for (const auto& c : cases) {
    double v = 0;
    ASSERT_TRUE(ParseDouble(c.in, &v)) << c.in;
    EXPECT_EQ(FormatDouble(v), c.want) << c.in;
  }
  EXPECT_EQ(FormatDouble(0.0), "0");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(FormatDoubleTest, RoundTrips) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (std::isnan(d)) continue;
    double back = 0;
    const std::string s = FormatDouble(d);
    ASSERT_TRUE(ParseDouble(s, &back)) << s;
    ASSERT_EQ(back, d) << s;
  }
}

// ---------------------------------------------------------------------------------------------
// GlobMatch

// The key set used with KEYS on real redis (db with exactly these keys).
const std::vector<std::string>& GlobUniverse() {
  static const std::vector<std::string> keys = {
      "a",   "b",  "-",  "]",   "[",   "\\", "^",  "_",    "`",    "z",   "Z",
      "A",   "ab", "a]", "a[",  "[]",  "x",  "]a", "a-",   "aa",   "",    "ba",
      "\\]", "*",  "?",  "abc", "a\\", "M",  "m",  "\x80", "\xff", "\x7f"};
  return keys;
}

TEST(GlobMatchTest, MatchesRedisKeys) {
  // redis: KEYS <pattern> over GlobUniverse(); `want` is the exact (sorted) reply.
  struct Case {
    std::string pattern;
    std::vector<std::string> want;
  } cases[] = {
      {"[a-]", {"]", "^", "_", "`", "a"}},  // "a-]" is a range ']'..'a'; set unterminated.
      {"[]", {}},
      {"[]a]", {}},
      {"[]]", {}},
      {"[^]", {"*", "-", "?", "A", "M", "Z", "[", "\\",   "]",    "^",
               "_", "`", "a", "b", "m", "x", "z", "\x7f", "\x80", "\xff"}},
      {"[\\]]", {"]"}},
      {"[z-a]", {"a", "b", "m", "x", "z"}},
      {"[Z-a]", {"Z", "[", "\\", "]", "^", "_", "`", "a"}},
      {"[a-Z]", {"Z", "[", "\\", "]", "^", "_", "`", "a"}},
      {"[A-z]", {"A", "M", "Z", "[", "\\", "]", "^", "_", "`", "a", "b", "m", "x", "z"}},
      {"a\\", {"a\\"}},
      {"\\", {"\\"}},
      {"a[", {}},
      {"[", {}},
      {"[^", {"*", "-", "?", "A", "M", "Z", "[", "\\",   "]",    "^",
              "_", "`", "a", "b", "m", "x", "z", "\x7f", "\x80", "\xff"}},
      {"[a", {"a"}},
      {"[ab", {"a", "b"}},
      {"[a-", {"-", "a"}},
      {"[a-]x", {"]", "^", "_", "`", "a", "x"}},
      {"[\\", {"\\"}},
      {"[\\a-z]", {"-", "a", "z"}},
      {"[a\\-z]", {"-", "a", "z"}},
      {"[\\]-a]", {"-", "]", "a"}},
      {"[-a]", {"-", "a"}},
      {"*\\", {"\\", "a\\"}},
      {"\\*", {"*"}},
      {"\\?", {"?"}},
      {"?", {"*", "-", "?", "A", "M", "Z", "[", "\\",   "]",    "^",
             "_", "`", "a", "b", "m", "x", "z", "\x7f", "\x80", "\xff"}},
      {"[^a]",
       {"*", "-", "?", "A", "M", "Z", "[", "\\", "]", "^", "_", "`", "b", "m", "x", "z", "\x7f",
        "\x80", "\xff"}},
      {"[!a]", {"a"}},
      {"a*", {"a", "a-", "a[", "a\\", "a]", "aa", "ab", "abc"}},
      {"*a", {"]a", "a", "aa", "ba"}},
      {"**",
       {"*",   "-", "?",  "A", "M", "Z",  "[",    "[]",   "\\",  "\\]", "]",
        "]a",  "^", "_",  "`", "a", "a-", "a[",   "a\\",  "a]",  "aa",  "ab",
        "abc", "b", "ba", "m", "x", "z",  "\x7f", "\x80", "\xff"}},  // No "": an empty key only
                                                                     // matches the empty pattern.
      {"", {""}},
      // Range bounds and subject bytes compare as signed chars.
      {"[a-\xff]", {"*", "-", "?", "A", "M", "Z", "[", "\\", "]", "^", "_", "`", "a", "\xff"}},
      {"[\x80-a]",
       {"*", "-", "?", "A", "M", "Z", "[", "\\", "]", "^", "_", "`", "a", "\x80", "\xff"}},
      {"[a-\x7f]", {"a", "b", "m", "x", "z", "\x7f"}},
      {"[\x80-\xff]", {"\x80", "\xff"}},
      {"[\xff-\x80]", {"\x80", "\xff"}},
      {"\x80", {"\x80"}},
      {"[^\x80]",
       {"*", "-", "?", "A", "M", "Z", "[", "\\", "]", "^", "_", "`", "a", "b", "m", "x", "z",
        "\x7f", "\xff"}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> got;
    for (const auto& key : GlobUniverse()) {
      if (GlobMatch(c.pattern, key)) got.push_back(key);
    }
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = c.want;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << "pattern " << c.pattern;
  }
}

TEST(GlobMatchTest, Basics) {
  EXPECT_TRUE(GlobMatch("hello", "hello"));
  EXPECT_FALSE(GlobMatch("hello", "hell"));
  EXPECT_FALSE(GlobMatch("hell", "hello"));
  EXPECT_TRUE(GlobMatch("h?llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:1000:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:1000:age"));
  EXPECT_TRUE(GlobMatch("*:*:*", "a:b:c"));
  EXPECT_TRUE(GlobMatch("*:*:*", "::"));
  EXPECT_FALSE(GlobMatch("*:*:*", ":"));
  EXPECT_TRUE(GlobMatch("a*b*c", "abbbbc"));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbxxbxxc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbxxbxxcd"));
  EXPECT_TRUE(GlobMatch("*abc", "abababc"));
  EXPECT_TRUE(GlobMatch("*aab", "aaaab"));
  EXPECT_TRUE(GlobMatch("a*", "a"));
  EXPECT_TRUE(GlobMatch("a***", "a"));
  EXPECT_TRUE(GlobMatch("*?", "a"));
  EXPECT_FALSE(GlobMatch("?*?", "a"));
  EXPECT_TRUE(GlobMatch("\\\\", "\\"));
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("[*]", "*"));
  EXPECT_FALSE(GlobMatch("[*]", "a"));
  // Binary-safe.
  EXPECT_TRUE(GlobMatch("a?c"s, "a\0c"s));
  EXPECT_TRUE(GlobMatch("a\0*"s, "a\0bc"s));
  EXPECT_FALSE(GlobMatch("a\0*"s, "a"s));
}

TEST(GlobMatchTest, EmptySubjectOnlyMatchesEmptyPattern) {
  // redis: PSUBSCRIBE * does not receive PUBLISH "" ...; HSCAN h 0 MATCH ** skips field "".
  // (KEYS * and SCAN MATCH * special-case the bare "*" before matching.)
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("**", ""));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("*", "a"));
}

TEST(GlobMatchTest, NoCase) {
  // redis: CONFIG GET <pattern> (case-insensitive matching against "maxmemory"/"appendonly").
  struct Case {
    const char* pattern;
    const char* name;
    bool want;
  } cases[] = {
      {"MAXMEMOR?", "maxmemory", true},
      {"[M]axmemory", "maxmemory", true},
      {"[\\M]axmemory", "maxmemory", false},  // Escaped set member is case-sensitive.
      {"[\\m]axmemory", "maxmemory", true},
      {"\\Maxmemor?", "maxmemory", true},       // Escape outside a set folds case.
      {"[Z-a]ppendonly", "appendonly", false},  // Folded after the swap: 'z'..'a' is empty.
      {"[a-Z]ppendonly", "appendonly", false},
      {"[A-M]axmemory", "maxmemory", true},
      {"[^M]axmemory", "maxmemory", false},
      {"[a-z]ppendonl?", "appendonly", true},
      {"[A-Z]ppendonl?", "appendonly", true},
      {"[_-a]ppendonly", "appendonly", true},
      {"[a-_]ppendonly", "appendonly", true},
      {"[A-_]ppendonly", "appendonly", false},  // 'a'..'_' after folding.
  };
  for (const auto& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.name, /*nocase=*/true), c.want) << c.pattern;
  }
  EXPECT_TRUE(GlobMatch("HeLLo*", "hello world", true));
  EXPECT_FALSE(GlobMatch("HeLLo*", "hello world", false));
  EXPECT_TRUE(GlobMatch("[A-Z]", "q", true));
  EXPECT_FALSE(GlobMatch("[A-Z]", "q", false));
  // Only ASCII folds.
  EXPECT_FALSE(GlobMatch("\xc0", "\xe0", true));
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(GlobMatchTest, StarNestingLimit) {
  // redis: KEYS <pattern> with a single key of 1100 'a's. More than 1000 '*' runs that are
  // followed by more pattern never match.
  const std::string key(1100, 'a');
  EXPECT_TRUE(GlobMatch(Repeat("*a", 1000), key));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 1001), key));
  EXPECT_TRUE(GlobMatch(Repeat("*a", 1000) + "*", key));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 1001) + "*", key));
  EXPECT_FALSE(GlobMatch(Repeat("**a", 1001), key));
  EXPECT_TRUE(GlobMatch(Repeat("*?", 1000), key));
  EXPECT_FALSE(GlobMatch(Repeat("*?", 1001), key));
  EXPECT_TRUE(GlobMatch(Repeat("a*", 1001), key));
  EXPECT_TRUE(GlobMatch(Repeat("a*", 1000) + "a", key));
  EXPECT_FALSE(GlobMatch(Repeat("a*", 1001) + "a", key));
  EXPECT_TRUE(GlobMatch(Repeat("?*", 1001), key));
  EXPECT_FALSE(GlobMatch(Repeat("?*", 1002), key));
  EXPECT_FALSE(GlobMatch(Repeat("?*", 1001) + "?", key));
  // Escaped and bracketed stars do not count.
  EXPECT_TRUE(GlobMatch(Repeat("\\*", 1500), std::string(1500, '*')));
  EXPECT_TRUE(GlobMatch(Repeat("[*]", 1500), std::string(1500, '*')));
}

TEST(GlobMatchTest, PathologicalPatternsAreFast) {
  const auto start = std::chrono::steady_clock::now();
  const std::string as(100000, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*b", as));
  EXPECT_TRUE(GlobMatch("*a*a*a*a*a*a*a*a", as));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 100) + "b", as.substr(0, 5000)));
  EXPECT_FALSE(GlobMatch(Repeat("*?", 200) + "b", as.substr(0, 5000)));
  EXPECT_FALSE(GlobMatch("*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[b]", as));
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*b", as, /*nocase=*/true));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Exponential backtracking would take practically forever; linear-ish work is milliseconds.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

// Straightforward recursive reference (exponential, only for short inputs), written from the
// rules observed on redis.
bool RefSetMatch(std::string_view p, size_t* i, char c, bool nocase) {
  auto fold = [nocase](int x) { return nocase && x >= 'A' && x <= 'Z' ? x + 32 : x; };
  size_t j = *i + 1;
  bool neg = j < p.size() && p[j] == '^';
  if (neg) ++j;
  bool m = false;
  while (j < p.size()) {
    if (p[j] == '\\' && j + 1 < p.size()) {
      m |= p[j + 1] == c;
      j += 2;
    } else if (p[j] == ']') {
      ++j;
      *i = j;
      return m != neg;
    } else if (j + 2 < p.size() && p[j + 1] == '-') {
      int a = static_cast<signed char>(p[j]), b = static_cast<signed char>(p[j + 2]);
      if (a > b) std::swap(a, b);
      const int x = fold(static_cast<signed char>(c));
      m |= x >= fold(a) && x <= fold(b);
      j += 3;
    } else {
      m |= fold(static_cast<signed char>(p[j])) == fold(static_cast<signed char>(c));
      ++j;
    }
  }
  *i = j;
  return m != neg;
}

bool RefMatch(std::string_view p, std::string_view s, bool nocase) {
  if (p.empty()) return s.empty();
  if (p[0] == '*') {
    for (size_t k = 0; k <= s.size(); ++k) {
      if (RefMatch(p.substr(1), s.substr(k), nocase)) return true;
    }
    return false;
  }
  if (s.empty()) return false;
  size_t next = 1;
  bool ok;
  if (p[0] == '?') {
    ok = true;
  } else if (p[0] == '[') {
    next = 0;
    ok = RefSetMatch(p, &next, s[0], nocase);
  } else {
    char lit = p[0];
    if (p[0] == '\\' && p.size() >= 2) {
      lit = p[1];
      next = 2;
    }
    auto fold = [nocase](char x) {
      return nocase && x >= 'A' && x <= 'Z' ? static_cast<char>(x + 32) : x;
    };
    ok = fold(lit) == fold(s[0]);
  }
  return ok && RefMatch(p.substr(next), s.substr(1), nocase);
}

TEST(GlobMatchTest, AgreesWithReferenceOnRandomInputs) {
  // The same rules were fuzzed against redis-server (KEYS for case-sensitive, CONFIG GET for
  // nocase) with ~10M pattern/key pairs and no differences.
  std::mt19937 rng(2024);
  const std::string palpha = "ab*?[]^-\\Az_`\x80";
  const std::string salpha = "ab-]^[\\*?Az_`\x80";
  for (int iter = 0; iter < 300000; ++iter) {
    std::string p, s;
    const int plen = static_cast<int>(rng() % 9);
    const int slen = 1 + static_cast<int>(rng() % 7);
    for (int i = 0; i < plen; ++i) p += palpha[rng() % palpha.size()];
    for (int i = 0; i < slen; ++i) s += salpha[rng() % salpha.size()];
    const bool nocase = rng() % 2;
    ASSERT_EQ(GlobMatch(p, s, nocase), RefMatch(p, s, nocase))
        << "pattern '" << p << "' string '" << s << "' nocase " << nocase;
  }
}

// ---------------------------------------------------------------------------------------------
// EqualsIgnoreCase

TEST(EqualsIgnoreCaseTest, Basic) {
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_TRUE(EqualsIgnoreCase("GET", "get"));
  EXPECT_TRUE(EqualsIgnoreCase("gEt", "GeT"));
  EXPECT_TRUE(EqualsIgnoreCase("withscores", "WITHSCORES"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "gets"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "set"));
  EXPECT_FALSE(EqualsIgnoreCase("", "a"));
  // Only ASCII letters fold: '@' / '`' and '[' / '{' differ by 0x20 but are not letters.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc0", "\xe0"));
  EXPECT_TRUE(EqualsIgnoreCase("\xc0", "\xc0"));
  EXPECT_TRUE(EqualsIgnoreCase("a\0b"s, "A\0B"s));
  EXPECT_FALSE(EqualsIgnoreCase("a\0b"s, "a\0c"s));
}

}  // namespace
}  // namespace ember
