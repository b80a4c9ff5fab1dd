// Expiry commands through the in-process fixture; replies compared as raw RESP. Expected
// strings were checked against redis-server 7.0.15. Time only moves when the test advances
// the manual clock.
#include <gtest/gtest.h>

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
const std::string kNil = "$-1\r\n";

struct FakeHash : ValueObject {
  static inline int clones = 0;
  size_t MemoryUsage() const override { return 64; }
  std::unique_ptr<ValueObject> Clone() const override {
    ++clones;
    return std::make_unique<FakeHash>();
  }
};

class ExpireFamilyTest : public ::testing::Test {
 protected:
  std::string Run(std::vector<std::string> argv) { return f_.Run(std::move(argv)); }
  int64_t Now() const { return f_.clock.NowMs(); }
  std::string S(int64_t v) { return std::to_string(v); }

  CommandFixture f_;
};

TEST_F(ExpireFamilyTest, ExpireAndTtl) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"TTL", "nope"}), Int(-2));
  EXPECT_EQ(Run({"PTTL", "nope"}), Int(-2));
  EXPECT_EQ(Run({"EXPIRE", "k", "100"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(100000));
  f_.clock.AdvanceMs(99'999);
  EXPECT_EQ(Run({"PTTL", "k"}), Int(1));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  f_.clock.AdvanceMs(1);
  EXPECT_EQ(Run({"GET", "k"}), kNil);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-2));
  EXPECT_EQ(Run({"EXPIRE", "nope", "10"}), Int(0));
}

TEST_F(ExpireFamilyTest, TtlRoundsToNearestSecond) {
  Run({"SET", "k", "v"});
  Run({"PEXPIRE", "k", "1500"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(2));
  Run({"PEXPIRE", "k", "1499"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(1));
  Run({"PEXPIRE", "k", "500"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(1));
  Run({"PEXPIRE", "k", "499"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(0));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(499));
}

TEST_F(ExpireFamilyTest, PExpireAtAndExpireAt) {
  Run({"SET", "k", "v"});
  int64_t at = Now() + 12'345;
  EXPECT_EQ(Run({"PEXPIREAT", "k", S(at)}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(at));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(at / 1000));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(12'345));
  int64_t at_s = Now() / 1000 + 100;
  EXPECT_EQ(Run({"EXPIREAT", "k", S(at_s)}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(at_s * 1000));
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(at_s));
}

TEST_F(ExpireFamilyTest, ExpireTimeWithoutTtlOrKey) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), Int(-1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRETIME", "nope"}), Int(-2));
  EXPECT_EQ(Run({"PEXPIRETIME", "nope"}), Int(-2));
}

TEST_F(ExpireFamilyTest, PastOrPresentTimeDeletesTheKey) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"EXPIRE", "k", "0"},
                                       {"EXPIRE", "k", "-10"},
                                       {"PEXPIRE", "k", "0"},
                                       {"PEXPIRE", "k", "-9223372036854775808"},
                                       {"EXPIREAT", "k", "1"},
                                       {"PEXPIREAT", "k", S(Now())}}) {
    Run({"SET", "k", "v"});
    uint64_t dirty = f_.dirty;
    EXPECT_EQ(Run(cmd), Int(1)) << cmd[0] << " " << cmd[2];
    EXPECT_EQ(f_.dirty, dirty + 1);
    EXPECT_EQ(Run({"EXISTS", "k"}), Int(0)) << cmd[0] << " " << cmd[2];
    EXPECT_EQ(f_.keyspace.db(0).Size(), 0u);
  }
  // A key that does not exist is not "deleted".
  EXPECT_EQ(Run({"PEXPIREAT", "k", "-9223372036854775808"}), Int(0));
}

TEST_F(ExpireFamilyTest, OneMillisecondInTheFutureSurvives) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"PEXPIREAT", "k", S(Now() + 1)}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(1));
  f_.clock.AdvanceMs(1);
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_F(ExpireFamilyTest, OverflowErrors) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"EXPIRE", "k", "-9223372036854775808"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854775"}),  // * 1000 fits, + now does not
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(Run({"PEXPIRE", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854776"}),
            Err("ERR invalid expire time in 'expireat' command"));
  // PEXPIREAT has no unit conversion nor base: the maximum is accepted.
  EXPECT_EQ(Run({"PEXPIREAT", "k", "9223372036854775807"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), Int(9223372036854775807));
  EXPECT_EQ(Run({"TTL", "k"}), Int((9223372036854775807 - Now() + 500) / 1000));
  // The overflow check does not need the key.
  EXPECT_EQ(Run({"EXPIRE", "nope", "9223372036854775807"}),
            Err("ERR invalid expire time in 'expire' command"));
}

TEST_F(ExpireFamilyTest, NotAnInteger) {
  Run({"SET", "k", "v"});
  for (std::string bad : {"abc", "1.5", "", " 1", "01", "+1", "99999999999999999999"}) {
    EXPECT_EQ(Run({"EXPIRE", "k", bad}), Err("ERR value is not an integer or out of range")) << bad;
    EXPECT_EQ(Run({"PEXPIREAT", "nope", bad}), Err("ERR value is not an integer or out of range"))
        << bad;
  }
}

TEST_F(ExpireFamilyTest, OptionErrors) {
  Run({"SET", "k", "v"});
  const std::string nx_err =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  const std::string gtlt_err = Err("ERR GT and LT options at the same time are not compatible");
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX", "XX"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "nx", "gt"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "LT", "NX"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX", "GT", "LT"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "GT", "LT"}), gtlt_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "XX", "GT", "LT"}), gtlt_err);
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "FoO"}), Err("ERR Unsupported option FoO"));
  EXPECT_EQ(Run({"PEXPIREAT", "k", "10", "XX", "bar", "NX"}), Err("ERR Unsupported option bar"));
  // Options are checked before the number and before the key.
  EXPECT_EQ(Run({"EXPIRE", "nope", "abc", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(Run({"EXPIRE", "nope", "abc", "NX", "XX"}), nx_err);
  EXPECT_EQ(Run({"EXPIRE", "k"}), Err("ERR wrong number of arguments for 'expire' command"));
  EXPECT_EQ(Run({"PEXPIREAT", "k"}), Err("ERR wrong number of arguments for 'pexpireat' command"));
  // Repeating a compatible option is fine.
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "XX", "XX", "GT", "gt"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  // Errors change nothing.
  EXPECT_EQ(f_.dirty, 1u);  // the SET
}

TEST_F(ExpireFamilyTest, NxXx) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "XX"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "NX"}), Int(1));
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "NX"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "xx"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(200));
  EXPECT_EQ(Run({"EXPIRE", "nope", "200", "NX"}), Int(0));
}

TEST_F(ExpireFamilyTest, GtLt) {
  Run({"SET", "k", "v"});
  // No TTL counts as infinite: GT never passes, LT always does.
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), Int(0));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "LT"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), Int(0));  // equal is not greater
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "LT"}), Int(0));  // nor less
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "GT"}), Int(0));
  EXPECT_EQ(Run({"EXPIRE", "k", "150", "GT"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(150));
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "LT"}), Int(0));
  EXPECT_EQ(Run({"PEXPIRE", "k", "149999", "LT"}), Int(1));
  EXPECT_EQ(Run({"PTTL", "k"}), Int(149999));
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "XX", "GT"}), Int(1));
  EXPECT_EQ(Run({"TTL", "k"}), Int(200));
  // LT with a past time deletes.
  EXPECT_EQ(Run({"EXPIRE", "k", "-1", "LT"}), Int(1));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
  // GT with a past time on a key without TTL: refused, key kept.
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"EXPIRE", "k", "-1", "GT"}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(1));
}

TEST_F(ExpireFamilyTest, Persist) {
  EXPECT_EQ(Run({"PERSIST", "nope"}), Int(0));
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  Run({"EXPIRE", "k", "100"});
  uint64_t dirty = f_.dirty;
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(1));
  EXPECT_EQ(f_.dirty, dirty + 1);
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(f_.keyspace.db(0).VolatileSize(), 0u);
  f_.clock.AdvanceMs(200'000);
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"PERSIST", "k", "x"}), Err("ERR wrong number of arguments for 'persist' command"));
}

TEST_F(ExpireFamilyTest, PersistExpiredKey) {
  Run({"SET", "k", "v"});
  Run({"PEXPIRE", "k", "10"});
  f_.clock.AdvanceMs(10);
  EXPECT_EQ(Run({"PERSIST", "k"}), Int(0));
  EXPECT_EQ(f_.keyspace.db(0).Size(), 0u);
}

TEST_F(ExpireFamilyTest, ValuesSurviveExpireChanges) {
  Run({"SET", "i", "12345"});
  Run({"SET", "s", "hello"});
  Run({"SET", "r", std::string(100, 'r')});
  for (std::string k : {"i", "s", "r"}) {
    EXPECT_EQ(Run({"EXPIRE", k, "10"}), Int(1));
    EXPECT_EQ(Run({"PERSIST", k}), Int(1));
    EXPECT_EQ(Run({"EXPIRE", k, "10"}), Int(1));
  }
  EXPECT_EQ(Run({"GET", "i"}), Bulk("12345"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), Bulk("int"));
  EXPECT_EQ(Run({"GET", "s"}), Bulk("hello"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("embstr"));
  EXPECT_EQ(Run({"GET", "r"}), Bulk(std::string(100, 'r')));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "r"}), Bulk("raw"));
  EXPECT_EQ(f_.keyspace.db(0).VolatileSize(), 3u);
}

TEST_F(ExpireFamilyTest, ExpireOnCollectionDoesNotCopyIt) {
  f_.keyspace.db(0).Insert(NewObjectEntry(EntryInit{"h"}, ValueType::kHash, Encoding::kListpack,
                                          std::make_unique<FakeHash>()));
  int clones = FakeHash::clones;
  EXPECT_EQ(Run({"EXPIRE", "h", "100"}), Int(1));
  EXPECT_EQ(Run({"PERSIST", "h"}), Int(1));
  EXPECT_EQ(Run({"PEXPIRE", "h", "5"}), Int(1));
  EXPECT_EQ(FakeHash::clones, clones);
  EXPECT_EQ(Run({"TYPE", "h"}), "+hash\r\n");
  f_.clock.AdvanceMs(5);
  EXPECT_EQ(Run({"TYPE", "h"}), "+none\r\n");
}

TEST_F(ExpireFamilyTest, ReadCommandsCountStatsWritesDoNot) {
  Run({"SET", "k", "v"});
  Run({"TTL", "k"});
  Run({"PTTL", "nope"});
  Run({"EXPIRETIME", "nope"});
  Run({"PEXPIRETIME", "k"});
  EXPECT_EQ(f_.counters.keyspace_hits.load(), 2u);
  EXPECT_EQ(f_.counters.keyspace_misses.load(), 2u);
  Run({"EXPIRE", "k", "10"});
  Run({"EXPIRE", "nope", "10"});
  Run({"PERSIST", "nope"});
  EXPECT_EQ(f_.counters.keyspace_hits.load(), 2u);
  EXPECT_EQ(f_.counters.keyspace_misses.load(), 2u);
}

TEST_F(ExpireFamilyTest, ActiveExpiryThroughDatabase) {
  for (int i = 0; i < 1000; ++i) {
    Run({"SET", "k" + S(i), "v"});
    Run({"PEXPIRE", "k" + S(i), S(1 + i % 10)});
  }
  Run({"SET", "stay", "v"});
  f_.clock.AdvanceMs(10);
  Database& db = f_.keyspace.db(0);
  size_t deleted = 0;
  for (int i = 0; i < 100 && db.VolatileSize() > 0; ++i) {
    size_t sampled = 0;
    int64_t ttl_sum = 0;
    deleted += db.ExpireCycle(Now(), 256, &sampled, &ttl_sum);
  }
  EXPECT_EQ(deleted, 1000u);
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
}

}  // namespace
}  // namespace ember::families
