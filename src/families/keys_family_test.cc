// Generic key commands through the in-process fixture; replies compared as raw RESP. Expected
// strings were checked against redis-server 7.0.15.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "families/testing.h"

namespace ember::families {
namespace {

std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string Err(std::string_view s) { return "-" + std::string(s) + "\r\n"; }
const std::string kOk = "+OK\r\n";
const std::string kNil = "$-1\r\n";

// Minimal reader for the array-of-bulks replies of KEYS and SCAN.
class RespReader {
 public:
  explicit RespReader(std::string s) : s_(std::move(s)) {}
  int64_t Header(char type) {
    EXPECT_EQ(s_[pos_], type) << s_;
    size_t end = s_.find("\r\n", pos_);
    int64_t n = std::stoll(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 2;
    return n;
  }
  std::string BulkString() {
    int64_t n = Header('$');
    std::string v = s_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n) + 2;
    return v;
  }
  std::vector<std::string> BulkArray() {
    int64_t n = Header('*');
    std::vector<std::string> out;
    for (int64_t i = 0; i < n; ++i) out.push_back(BulkString());
    return out;
  }
  bool done() const { return pos_ == s_.size(); }

 private:
  std::string s_;
  size_t pos_ = 0;
};

std::set<std::string> AsSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// A collection stand-in (lists etc. belong to other families) with a configurable free
// effort, counting copies.
struct FakeList : ValueObject {
  explicit FakeList(size_t effort = 1) : effort(effort) {}
  size_t effort;
  static inline int clones = 0;
  size_t MemoryUsage() const override { return 1000; }
  std::unique_ptr<ValueObject> Clone() const override {
    ++clones;
    return std::make_unique<FakeList>(effort);
  }
  size_t FreeEffort() const override { return effort; }
};

class KeysFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> argv) { return f_.Run(std::move(argv)); }

  void AddList(const std::string& key, size_t effort = 1, int db = 0) {
    f_.keyspace.db(db).Insert(NewObjectEntry(EntryInit{key, false, 0, LruClock(Now())},
                                             ValueType::kList, Encoding::kQuicklist,
                                             std::make_unique<FakeList>(effort)));
  }
  const Entry* Peek(const std::string& key, int db = 0) {
    return f_.keyspace.db(db).Find(key, Now(), true);
  }
  int64_t Now() const { return f_.clock.NowMs(); }

  std::pair<std::string, std::vector<std::string>> Scan(std::vector<std::string> argv) {
    RespReader r(Run(std::move(argv)));
    EXPECT_EQ(r.Header('*'), 2);
    std::string cursor = r.BulkString();
    auto keys = r.BulkArray();
    EXPECT_TRUE(r.done());
    return {cursor, keys};
  }
  std::set<std::string> Keys(const std::string& pattern) {
    RespReader r(Run({"KEYS", pattern}));
    return AsSet(r.BulkArray());
  }

  CommandFixture f_;
};

// ---- DEL / UNLINK / EXISTS / TOUCH / TYPE ----

TEST_F(KeysFamilyTest, DelCountsDeletedKeysOnce) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  EXPECT_EQ(Run({"DEL", "a", "a", "b", "missing"}), Int(2));
  EXPECT_EQ(Run({"DEL", "a"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"DEL"}), Err("ERR wrong number of arguments for 'del' command"));
}

TEST_F(KeysFamilyTest, DelIgnoresExpiredKeys) {
  Run({"SET", "a", "1"});
  Run({"PEXPIRE", "a", "100"});
  f_.clock.AdvanceMs(100);
  EXPECT_EQ(Run({"DEL", "a"}), Int(0));
}

TEST_F(KeysFamilyTest, UnlinkFreesLargeValuesInBackground) {
  Run({"SET", "s", "v"});
  AddList("small", 10);
  AddList("big", 1000);
  EXPECT_EQ(Run({"UNLINK", "s", "small", "big", "big", "nope"}), Int(3));
  EXPECT_EQ(f_.api.background_runs, 1);
  EXPECT_EQ(Run({"EXISTS", "s", "small", "big"}), Int(0));
  EXPECT_EQ(Run({"UNLINK"}), Err("ERR wrong number of arguments for 'unlink' command"));
}

TEST_F(KeysFamilyTest, ExistsCountsRepeatsAndStats) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"EXISTS", "a", "a", "a", "b"}), Int(3));
  EXPECT_EQ(f_.counters.keyspace_hits.load(), 3u);
  EXPECT_EQ(f_.counters.keyspace_misses.load(), 1u);
  EXPECT_EQ(Run({"EXISTS"}), Err("ERR wrong number of arguments for 'exists' command"));
}

TEST_F(KeysFamilyTest, TouchCountsAndRefreshesAccessTime) {
  Run({"SET", "a", "1"});
  f_.clock.AdvanceMs(10'000);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "a"}), Int(10));
  EXPECT_EQ(Run({"TOUCH", "a", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "a"}), Int(0));
  EXPECT_EQ(Run({"TOUCH"}), Err("ERR wrong number of arguments for 'touch' command"));
}

TEST_F(KeysFamilyTest, Type) {
  Run({"SET", "s", "v"});
  AddList("l");
  EXPECT_EQ(Run({"TYPE", "s"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "l"}), "+list\r\n");
  EXPECT_EQ(Run({"TYPE", "nope"}), "+none\r\n");
  Run({"PEXPIRE", "s", "1"});
  f_.clock.AdvanceMs(1);
  EXPECT_EQ(Run({"TYPE", "s"}), "+none\r\n");
  EXPECT_EQ(Run({"TYPE", "a", "b"}), Err("ERR wrong number of arguments for 'type' command"));
}

// ---- KEYS ----

TEST_F(KeysFamilyTest, KeysPatterns) {
  for (std::string k : {"one", "two", "three", "", "h*llo", "hallo"}) Run({"SET", k, "x"});
  EXPECT_EQ(Keys("*"), (std::set<std::string>{"one", "two", "three", "", "h*llo", "hallo"}));
  EXPECT_EQ(Keys("t*"), (std::set<std::string>{"two", "three"}));
  EXPECT_EQ(Keys("???"), (std::set<std::string>{"one", "two"}));
  EXPECT_EQ(Keys("h\\*llo"), (std::set<std::string>{"h*llo"}));
  EXPECT_EQ(Keys("h[a-b]llo"), (std::set<std::string>{"hallo"}));
  EXPECT_EQ(Keys("[^t]*"), (std::set<std::string>{"one", "h*llo", "hallo"}));
  EXPECT_EQ(Keys("nomatch"), std::set<std::string>{});
  EXPECT_EQ(Run({"KEYS", "nomatch"}), "*0\r\n");
  EXPECT_EQ(Run({"KEYS"}), Err("ERR wrong number of arguments for 'keys' command"));
  EXPECT_EQ(Run({"KEYS", "a", "b"}), Err("ERR wrong number of arguments for 'keys' command"));
}

TEST_F(KeysFamilyTest, KeysSkipsExpired) {
  Run({"SET", "live", "1"});
  Run({"SET", "dying", "1"});
  Run({"PEXPIRE", "dying", "5"});
  f_.clock.AdvanceMs(5);
  EXPECT_EQ(Keys("*"), (std::set<std::string>{"live"}));
}

// ---- SCAN ----

TEST_F(KeysFamilyTest, ScanSmallDatabaseInOneCall) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "1"});
  auto [cursor, keys] = Scan({"SCAN", "0"});
  EXPECT_EQ(cursor, "0");
  EXPECT_EQ(AsSet(keys), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH", "a"}), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
}

TEST_F(KeysFamilyTest, ScanFullIterationWithCount) {
  std::set<std::string> all;
  for (int i = 0; i < 3000; ++i) {
    all.insert("k" + std::to_string(i));
    Run({"SET", "k" + std::to_string(i), "v"});
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    auto [next, keys] = Scan({"SCAN", cursor, "COUNT", "50"});
    EXPECT_LE(keys.size(), 100u);
    seen.insert(keys.begin(), keys.end());
    cursor = next;
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen, all);
  EXPECT_GE(calls, 30);
}

TEST_F(KeysFamilyTest, ScanGuaranteeWithWritesBetweenCalls) {
  std::set<std::string> stable;
  for (int i = 0; i < 2000; ++i) {
    stable.insert("s" + std::to_string(i));
    Run({"SET", "s" + std::to_string(i), "v"});
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int step = 0;
  do {
    auto [next, keys] = Scan({"SCAN", cursor, "COUNT", "20"});
    seen.insert(keys.begin(), keys.end());
    cursor = next;
    // Grow, then shrink, the tables between calls.
    for (int i = 0; i < 40; ++i) {
      std::string k = "c" + std::to_string(step * 40 + i);
      if ((step / 10) % 2 == 0) {
        Run({"SET", k, "v"});
      } else {
        Run({"DEL", "c" + std::to_string((step - 10) * 40 + i)});
      }
    }
    ++step;
  } while (cursor != "0");
  for (const auto& k : stable) ASSERT_TRUE(seen.count(k)) << k;
}

TEST_F(KeysFamilyTest, ScanMatchAndType) {
  Run({"SET", "user:1", "a"});
  Run({"SET", "user:2", "b"});
  Run({"SET", "other", "c"});
  AddList("user:list");
  EXPECT_EQ(AsSet(Scan({"SCAN", "0", "MATCH", "user:*", "COUNT", "1000"}).second),
            (std::set<std::string>{"user:1", "user:2", "user:list"}));
  EXPECT_EQ(AsSet(Scan({"SCAN", "0", "TYPE", "list"}).second),
            (std::set<std::string>{"user:list"}));
  EXPECT_EQ(AsSet(Scan({"SCAN", "0", "type", "STRING", "match", "user*"}).second),
            (std::set<std::string>{"user:1", "user:2"}));
  // An unknown type matches nothing in 7.0 (7.2 made it an error).
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "foo"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  // Repeated options: the last wins.
  EXPECT_EQ(AsSet(Scan({"SCAN", "0", "MATCH", "x", "MATCH", "other"}).second),
            (std::set<std::string>{"other"}));
}

TEST_F(KeysFamilyTest, ScanSkipsExpired) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "1"});
  Run({"PEXPIRE", "b", "10"});
  f_.clock.AdvanceMs(10);
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
}

TEST_F(KeysFamilyTest, ScanCursorParsing) {
  Run({"SET", "k", "v"});
  const std::string empty_done = "*2\r\n$1\r\n0\r\n*0\r\n";
  const std::string all = "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n";
  // strtoul's rules: "" is 0, a sign is accepted ("-1" wraps), leading zeros are fine.
  EXPECT_EQ(Run({"SCAN", ""}), all);
  EXPECT_EQ(Run({"SCAN", "+0"}), all);
  EXPECT_EQ(Run({"SCAN", "-0"}), all);
  EXPECT_EQ(Run({"SCAN", "000"}), all);
  EXPECT_EQ(Run({"SCAN", "18446744073709551615"}).substr(0, 4), "*2\r\n");
  EXPECT_EQ(Run({"SCAN", "-1"}).substr(0, 4), "*2\r\n");
  for (std::string bad : {" 1", "1 ", "18446744073709551616", "-", "+", "0x10", "1.5", "abc",
                          "99999999999999999999999"})
    EXPECT_EQ(Run({"SCAN", bad}), Err("ERR invalid cursor")) << bad;
  (void)empty_done;
}

TEST_F(KeysFamilyTest, ScanOptionErrors) {
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "-1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "0", "FOO", "bar"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SCAN", "x", "FOO", "bar"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"SCAN"}), Err("ERR wrong number of arguments for 'scan' command"));
}

TEST_F(KeysFamilyTest, ScanCursorIsUnsignedDecimal) {
  for (int i = 0; i < 5000; ++i) Run({"SET", "k" + std::to_string(i), "v"});
  std::string cursor = "0";
  do {
    auto [next, keys] = Scan({"SCAN", cursor, "COUNT", "7"});
    ASSERT_FALSE(next.empty());
    ASSERT_TRUE(std::all_of(next.begin(), next.end(), [](char c) { return c >= '0' && c <= '9'; }))
        << next;
    cursor = next;
  } while (cursor != "0");
}

// ---- RANDOMKEY / DBSIZE ----

TEST_F(KeysFamilyTest, RandomKey) {
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"RANDOMKEY"}), Bulk("a"));
  Run({"SET", "b", "1"});
  Run({"SET", "c", "1"});
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(Run({"RANDOMKEY"}));
  EXPECT_EQ(seen, (std::set<std::string>{Bulk("a"), Bulk("b"), Bulk("c")}));
  EXPECT_EQ(Run({"RANDOMKEY", "x"}), Err("ERR wrong number of arguments for 'randomkey' command"));
}

TEST_F(KeysFamilyTest, RandomKeySkipsAndDeletesExpired) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "1"});
  Run({"PEXPIRE", "a", "10"});
  Run({"PEXPIRE", "b", "10"});
  f_.clock.AdvanceMs(10);
  EXPECT_EQ(Run({"DBSIZE"}), Int(2));  // not yet reclaimed
  EXPECT_EQ(Run({"RANDOMKEY"}), kNil);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(KeysFamilyTest, DbSize) {
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  for (int i = 0; i < 100; ++i) Run({"SET", "k" + std::to_string(i), "v"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(100));
  f_.db = 1;
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(Run({"DBSIZE", "x"}), Err("ERR wrong number of arguments for 'dbsize' command"));
}

// ---- RENAME / RENAMENX ----

TEST_F(KeysFamilyTest, Rename) {
  EXPECT_EQ(Run({"RENAME", "nope", "x"}), Err("ERR no such key"));
  EXPECT_EQ(Run({"RENAME", "nope", "nope"}), Err("ERR no such key"));
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"RENAME", "a", "a"}), kOk);
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Run({"GET", "b"}), Bulk("1"));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  Run({"SET", "c", "3"});
  EXPECT_EQ(Run({"RENAME", "c", "b"}), kOk);  // overwrites
  EXPECT_EQ(Run({"GET", "b"}), Bulk("3"));
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"RENAME", "b"}), Err("ERR wrong number of arguments for 'rename' command"));
}

TEST_F(KeysFamilyTest, RenameKeepsTtlAndEncoding) {
  Run({"SET", "a", "12345"});
  Run({"PEXPIRE", "a", "5000"});
  f_.clock.AdvanceMs(3000);
  EXPECT_EQ(Run({"RENAME", "a", "b"}), kOk);
  EXPECT_EQ(Run({"PTTL", "b"}), Int(2000));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "b"}), Bulk("int"));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "b"}), Int(0));  // RENAME's lookup is an access
  // Renaming over a key with a TTL: the destination takes the source's (absent) TTL.
  Run({"SET", "c", "x"});
  EXPECT_EQ(Run({"RENAME", "c", "b"}), kOk);
  EXPECT_EQ(Run({"TTL", "b"}), Int(-1));
}

TEST_F(KeysFamilyTest, RenameMovesCollectionsWithoutCopying) {
  AddList("l");
  const ValueObject* obj = Peek("l")->object();
  int clones = FakeList::clones;
  EXPECT_EQ(Run({"RENAME", "l", "m"}), kOk);
  EXPECT_EQ(Peek("m")->object(), obj);
  EXPECT_EQ(FakeList::clones, clones);
  EXPECT_EQ(Run({"TYPE", "m"}), "+list\r\n");
}

TEST_F(KeysFamilyTest, RenameExpiredSource) {
  Run({"SET", "a", "1"});
  Run({"PEXPIRE", "a", "1"});
  f_.clock.AdvanceMs(1);
  EXPECT_EQ(Run({"RENAME", "a", "b"}), Err("ERR no such key"));
}

TEST_F(KeysFamilyTest, RenameNx) {
  EXPECT_EQ(Run({"RENAMENX", "nope", "x"}), Err("ERR no such key"));
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  EXPECT_EQ(Run({"RENAMENX", "a", "a"}), Int(0));
  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("2"));
  EXPECT_EQ(Run({"RENAMENX", "a", "c"}), Int(1));
  EXPECT_EQ(Run({"GET", "c"}), Bulk("1"));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
}

TEST_F(KeysFamilyTest, RenameManyKeysKeepsTableConsistent) {
  for (int i = 0; i < 500; ++i) Run({"SET", "k" + std::to_string(i), std::to_string(i)});
  for (int i = 0; i < 500; ++i)
    ASSERT_EQ(Run({"RENAME", "k" + std::to_string(i), "k" + std::to_string(i + 1000)}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(500));
  for (int i = 0; i < 500; ++i)
    ASSERT_EQ(Run({"GET", "k" + std::to_string(i + 1000)}), Bulk(std::to_string(i)));
}

// ---- COPY ----

TEST_F(KeysFamilyTest, CopyErrors) {
  // The same-object check comes before the lookup: it fires for missing keys too.
  EXPECT_EQ(Run({"COPY", "a", "a"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "0"}),
            Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "1"}), Int(0));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "-1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "01"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "4294967296"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(Run({"COPY", "a", "b", "FOO"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB"}), Err("ERR syntax error"));
  // Left to right: the DB index is checked as soon as it is read.
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "16", "FOO"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "FOO", "DB", "16"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "1", "DB", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "DB", "x", "FOO"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", "a", "b", "REPLACE", "REPLACE"}), Int(0));
  EXPECT_EQ(Run({"COPY", "a"}), Err("ERR wrong number of arguments for 'copy' command"));
}

TEST_F(KeysFamilyTest, CopySameDb) {
  Run({"SET", "a", "hello"});
  Run({"PEXPIRE", "a", "5000"});
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(1));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("hello"));
  EXPECT_EQ(Run({"PTTL", "b"}), Int(5000));
  EXPECT_EQ(Run({"COPY", "a", "b"}), Int(0));
  Run({"SET", "c", "other"});
  EXPECT_EQ(Run({"COPY", "c", "b", "replace"}), Int(1));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("other"));
  EXPECT_EQ(Run({"TTL", "b"}), Int(-1));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("hello"));
  EXPECT_EQ(Run({"COPY", "nope", "b", "REPLACE"}), Int(0));
  EXPECT_EQ(Run({"GET", "b"}), Bulk("other"));
}

TEST_F(KeysFamilyTest, CopyToOtherDb) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "3"}), Int(1));
  EXPECT_EQ(Run({"COPY", "a", "a", "db", "3"}), Int(0));
  EXPECT_EQ(Run({"COPY", "a", "a", "DB", "3", "REPLACE"}), Int(1));
  f_.db = 3;
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  f_.db = 0;
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
}

TEST_F(KeysFamilyTest, CopyCollectionIsDeepAndIndependent) {
  AddList("l");
  int clones = FakeList::clones;
  EXPECT_EQ(Run({"COPY", "l", "m"}), Int(1));
  EXPECT_EQ(FakeList::clones, clones + 1);
  EXPECT_NE(Peek("l")->object(), Peek("m")->object());
  EXPECT_EQ(Run({"TYPE", "m"}), "+list\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "m"}), Bulk("quicklist"));
}

TEST_F(KeysFamilyTest, CopyCountsSourceLookupInStats) {
  Run({"SET", "a", "1"});
  f_.counters.keyspace_hits.store(0);
  f_.counters.keyspace_misses.store(0);
  Run({"COPY", "nope", "x"});
  Run({"COPY", "a", "x"});
  EXPECT_EQ(f_.counters.keyspace_hits.load(), 1u);
  EXPECT_EQ(f_.counters.keyspace_misses.load(), 1u);
}

// ---- MOVE ----

TEST_F(KeysFamilyTest, MoveErrors) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(Run({"MOVE", "a", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "nope", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "a", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "-1"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MOVE", "a", " 1"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "+1"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MOVE", "a", "4294967296"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(Run({"MOVE", "a"}), Err("ERR wrong number of arguments for 'move' command"));
}

TEST_F(KeysFamilyTest, Move) {
  EXPECT_EQ(Run({"MOVE", "nope", "1"}), Int(0));
  Run({"SET", "a", "1"});
  Run({"PEXPIRE", "a", "5000"});
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "a"}), Int(0));
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(0));
  f_.db = 1;
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"PTTL", "a"}), Int(5000));
  // Target already has the key: nothing moves.
  f_.db = 0;
  Run({"SET", "a", "2"});
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(0));
  EXPECT_EQ(Run({"GET", "a"}), Bulk("2"));
  f_.db = 1;
  EXPECT_EQ(Run({"GET", "a"}), Bulk("1"));
}

TEST_F(KeysFamilyTest, MoveOntoExpiredTargetKey) {
  f_.db = 1;
  Run({"SET", "a", "old"});
  Run({"PEXPIRE", "a", "10"});
  f_.db = 0;
  Run({"SET", "a", "new"});
  f_.clock.AdvanceMs(10);
  EXPECT_EQ(Run({"MOVE", "a", "1"}), Int(1));
  f_.db = 1;
  EXPECT_EQ(Run({"GET", "a"}), Bulk("new"));
  EXPECT_EQ(Run({"TTL", "a"}), Int(-1));
}

// ---- FLUSHDB / FLUSHALL / SWAPDB ----

TEST_F(KeysFamilyTest, FlushDb) {
  Run({"SET", "a", "1"});
  f_.db = 1;
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"FLUSHDB"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  f_.db = 0;
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
  EXPECT_EQ(f_.api.background_runs, 1);
  EXPECT_EQ(Run({"FLUSHDB", "sync"}), kOk);
  EXPECT_EQ(Run({"FLUSHDB", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHDB", "sync", "async"}), Err("ERR syntax error"));
}

TEST_F(KeysFamilyTest, FlushAll) {
  for (int db = 0; db < 16; ++db) {
    f_.db = db;
    Run({"SET", "k", "v"});
    Run({"SET", "t", "v"});
    Run({"PEXPIRE", "t", "100"});
  }
  f_.db = 0;
  EXPECT_EQ(Run({"FLUSHALL", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHALL", "ASYNC", "SYNC"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"FLUSHALL", "async"}), kOk);
  for (int db = 0; db < 16; ++db) EXPECT_EQ(f_.keyspace.db(db).Size(), 0u);
  EXPECT_EQ(f_.keyspace.db(5).VolatileSize(), 0u);
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"FLUSHALL"}), kOk);
  EXPECT_EQ(Run({"FLUSHALL", "SYNC"}), kOk);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(KeysFamilyTest, SwapDbErrors) {
  EXPECT_EQ(Run({"SWAPDB", "x", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "x"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "16", "x"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "4294967296", "0"}), Err("ERR invalid first DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "4294967296"}), Err("ERR invalid second DB index"));
  EXPECT_EQ(Run({"SWAPDB", "0", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SWAPDB", "-1", "0"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"SWAPDB", "0"}), Err("ERR wrong number of arguments for 'swapdb' command"));
}

TEST_F(KeysFamilyTest, SwapDb) {
  Run({"SET", "a", "0"});
  Run({"PEXPIRE", "a", "5000"});
  f_.db = 1;
  Run({"SET", "b", "1"});
  EXPECT_EQ(Run({"SWAPDB", "0", "1"}), kOk);
  EXPECT_EQ(Run({"GET", "a"}), Bulk("0"));
  EXPECT_EQ(Run({"PTTL", "a"}), Int(5000));
  EXPECT_EQ(Run({"EXISTS", "b"}), Int(0));
  f_.db = 0;
  EXPECT_EQ(Run({"GET", "b"}), Bulk("1"));
  EXPECT_EQ(Run({"SWAPDB", "0", "0"}), kOk);
  EXPECT_EQ(Run({"GET", "b"}), Bulk("1"));
}

// ---- OBJECT ----

TEST_F(KeysFamilyTest, ObjectEncoding) {
  Run({"SET", "i", "12345"});
  Run({"SET", "e", "abc"});
  Run({"SET", "lead", "007"});
  Run({"SET", "r", std::string(45, 'x')});
  AddList("l");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), Bulk("int"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "e"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "lead"}), Bulk("embstr"));
  EXPECT_EQ(Run({"OBJECT", "encoding", "r"}), Bulk("raw"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), Bulk("quicklist"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "nope"}), kNil);
}

TEST_F(KeysFamilyTest, ObjectErrors) {
  EXPECT_EQ(Run({"OBJECT"}), Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(Run({"OBJECT", "foo"}), Err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
  EXPECT_EQ(Run({"OBJECT", "ENCODING"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(Run({"OBJECT", "HELP", "x"}),
            Err("ERR wrong number of arguments for 'object|help' command"));
}

TEST_F(KeysFamilyTest, ObjectFreqAndIdleTimeFollowPolicy) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"OBJECT", "FREQ", "k"}),
            Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                "Please note that when switching between policies at runtime LRU and LFU data "
                "will take some time to adjust."));
  EXPECT_EQ(Run({"OBJECT", "FREQ", "nope"}), kNil);  // the lookup comes first
  f_.clock.AdvanceMs(42'000);
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), Int(42));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "k"}), Int(42));  // OBJECT does not touch
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "nope"}), kNil);

  f_.api.lfu = true;
  f_.keyspace.access_policy().lfu.store(true);
  Run({"SET", "f", "v"});
  EXPECT_EQ(Run({"OBJECT", "FREQ", "f"}), Int(5));
  Run({"GET", "f"});
  EXPECT_EQ(Run({"OBJECT", "FREQ", "f"}), Int(6));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "f"}),
            Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                "that when switching between policies at runtime LRU and LFU data will take "
                "some time to adjust."));
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "nope"}), kNil);
  f_.clock.AdvanceMs(3 * 60'000);
  EXPECT_EQ(Run({"OBJECT", "FREQ", "f"}), Int(3));  // one decrement per idle minute
}

TEST_F(KeysFamilyTest, ObjectRefCount) {
  Run({"SET", "small", "100"});
  Run({"SET", "big", "10000"});
  Run({"SET", "neg", "-5"});
  Run({"SET", "s", "str"});
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), Int(2147483647));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "big"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "neg"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "s"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "nope"}), kNil);
}

TEST_F(KeysFamilyTest, ObjectHelp) {
  std::string help = Run({"OBJECT", "HELP"});
  EXPECT_EQ(
      help.rfind("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0),
      0u);
  EXPECT_NE(help.find("+    Prints this help.\r\n"), std::string::npos);
}

TEST_F(KeysFamilyTest, ObjectStatsCounted) {
  Run({"SET", "k", "v"});
  f_.counters.keyspace_hits.store(0);
  f_.counters.keyspace_misses.store(0);
  Run({"OBJECT", "ENCODING", "k"});
  Run({"OBJECT", "ENCODING", "nope"});
  Run({"TYPE", "nope"});
  EXPECT_EQ(f_.counters.keyspace_hits.load(), 1u);
  EXPECT_EQ(f_.counters.keyspace_misses.load(), 2u);
}

// ---- MEMORY ----

TEST_F(KeysFamilyTest, MemoryUsage) {
  Run({"SET", "k", "v"});
  Run({"SET", "big", std::string(1000, 'x')});
  std::string small = Run({"MEMORY", "USAGE", "k"});
  ASSERT_EQ(small[0], ':');
  int64_t s = std::stoll(small.substr(1));
  int64_t b = std::stoll(Run({"MEMORY", "USAGE", "big"}).substr(1));
  EXPECT_GT(s, 0);
  EXPECT_GT(b, s + 900);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k", "SAMPLES", "0"}), small);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k", "samples", "5", "SAMPLES", "6"}), small);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "nope"}), kNil);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k", "SAMPLES"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k", "SAMPLES", "-1"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k", "SAMPLES", "x"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"MEMORY", "USAGE", "nope", "foo"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"MEMORY", "USAGE"}),
            Err("ERR wrong number of arguments for 'memory|usage' command"));
  EXPECT_EQ(Run({"MEMORY"}), Err("ERR wrong number of arguments for 'memory' command"));
  EXPECT_EQ(Run({"MEMORY", "foo"}), Err("ERR unknown subcommand 'foo'. Try MEMORY HELP."));
}

TEST_F(KeysFamilyTest, MemoryHelpAndPurge) {
  EXPECT_EQ(
      Run({"MEMORY", "HELP"})
          .rfind("*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0),
      0u);
  EXPECT_EQ(Run({"MEMORY", "PURGE"}), kOk);
}

TEST_F(KeysFamilyTest, DirtyCounts) {
  Run({"SET", "a", "1"});
  Run({"SET", "b", "1"});
  auto dirty_of = [&](std::vector<std::string> argv) {
    uint64_t before = f_.dirty;
    Run(std::move(argv));
    return f_.dirty - before;
  };
  EXPECT_EQ(dirty_of({"DEL", "a", "nope"}), 1u);
  EXPECT_EQ(dirty_of({"RENAME", "b", "c"}), 1u);
  EXPECT_EQ(dirty_of({"RENAMENX", "c", "c"}), 0u);
  EXPECT_EQ(dirty_of({"COPY", "c", "d"}), 1u);
  EXPECT_EQ(dirty_of({"COPY", "c", "d"}), 0u);
  EXPECT_EQ(dirty_of({"MOVE", "d", "1"}), 1u);
  EXPECT_EQ(dirty_of({"EXISTS", "c"}), 0u);
  EXPECT_EQ(dirty_of({"SWAPDB", "0", "1"}), 1u);
  EXPECT_EQ(dirty_of({"FLUSHDB"}), 1u);  // one key (d) in the swapped-in db
  Run({"SET", "x", "1"});
  EXPECT_EQ(dirty_of({"FLUSHALL"}), 2u);  // x and c (Redis 7.0: the keys removed, no more)
  EXPECT_EQ(dirty_of({"FLUSHALL"}), 0u);
}

}  // namespace
}  // namespace ember::families
