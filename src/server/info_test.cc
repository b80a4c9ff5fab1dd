// INFO text, error statistics and latency buckets on a server that is built but not started
// (no threads, no sockets).
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "server/server.h"

namespace ember::server {
namespace {

class InfoTest : public ::testing::Test {
 protected:
  InfoTest() : server_(std::make_unique<Config>(), &clock_) {}

  std::vector<std::string> Headers(const std::string& text) {
    std::vector<std::string> out;
    std::regex re("^# (\\w+)\r$", std::regex::multiline);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
      out.push_back((*it)[1]);
    return out;
  }

  void AddKey(int db, const std::string& key, bool volatile_key) {
    Database& d = server_.keyspace().db(db);
    std::lock_guard lk(d.PartitionFor(key).mu);
    EntryInit init{key, volatile_key, clock_.NowMs() + 100000, 0};
    d.Insert(NewStringEntry(init, "v", Encoding::kEmbStr));
  }

  ManualClock clock_;
  Server server_;
};

TEST_F(InfoTest, SectionSelectionAndOrder) {
  std::vector<std::string> def = {"Server",     "Clients",     "Memory",  "Persistence",
                                  "Stats",      "Replication", "CPU",     "Modules",
                                  "Errorstats", "Cluster",     "Keyspace"};
  EXPECT_EQ(Headers(server_.InfoText({})), def);
  EXPECT_EQ(Headers(server_.InfoText({"default"})), def);
  auto all = Headers(server_.InfoText({"all"}));
  EXPECT_EQ(all.size(), def.size() + 1);
  EXPECT_EQ(all[8], "Commandstats");
  EXPECT_EQ(Headers(server_.InfoText({"everything"})), all);
  EXPECT_EQ(Headers(server_.InfoText({"KEYSPACE", "cpu", "Server"})),
            (std::vector<std::string>{"Server", "CPU", "Keyspace"}));
  EXPECT_EQ(server_.InfoText({"nosuch"}), "");
  EXPECT_EQ(server_.InfoText({"keyspace"}), "# Keyspace\r\n");
  EXPECT_EQ(server_.InfoText({"cluster", "modules"}),
            "# Modules\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n");
}

TEST_F(InfoTest, LinesAreFieldsWithCrlf) {
  std::string text = server_.InfoText({"everything"});
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos);
    std::string line = text.substr(pos, end - pos);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    if (!line.empty() && line[0] != '#') {
      EXPECT_NE(line.find(':'), std::string::npos) << line;
    }
    pos = end + 2;
  }
  EXPECT_NE(text.find("\r\nredis_version:7.0.15\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\nmaxmemory_policy:noeviction\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\nloading:0\r\n"), std::string::npos);
  EXPECT_TRUE(std::regex_search(text, std::regex("\r\nused_memory:[1-9][0-9]*\r\n")));
  EXPECT_TRUE(std::regex_search(text, std::regex("\r\nused_cpu_user:[0-9]+\\.[0-9]{6}\r\n")));
}

TEST_F(InfoTest, Keyspace) {
  AddKey(0, "a", false);
  AddKey(0, "b", true);
  AddKey(3, "c", false);
  EXPECT_EQ(server_.InfoText({"keyspace"}),
            "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n");
}

TEST_F(InfoTest, PersistenceCountsDirtyAndLastSave) {
  server_.dirty.store(42);
  std::string text = server_.InfoText({"persistence"});
  EXPECT_NE(text.find("\r\nrdb_changes_since_last_save:42\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\nrdb_last_save_time:" + std::to_string(clock_.NowMs() / 1000) + "\r\n"),
            std::string::npos)
      << text;
}

TEST_F(InfoTest, ErrorStats) {
  server_.CountErrorReply("-ERR syntax error");
  server_.CountErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value");
  server_.CountErrorReply("ERR unknown command");
  server_.CountErrorReply("nospace");  // no code: counted as ERR
  EXPECT_EQ(server_.InfoText({"errorstats"}),
            "# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_WRONGTYPE:count=1\r\n");
  EXPECT_EQ(server_.error_replies.load(), 4u);
  // Too many distinct codes (a client sending garbage) disable the table until a reset.
  for (int i = 0; i < 200; ++i) server_.CountErrorReply("CODE" + std::to_string(i) + " x");
  EXPECT_EQ(server_.InfoText({"errorstats"}), "# Errorstats\r\n");
  server_.ResetStats();
  EXPECT_EQ(server_.error_replies.load(), 0u);
  server_.CountErrorReply("-NOAUTH Authentication required.");
  EXPECT_EQ(server_.InfoText({"errorstats"}), "# Errorstats\r\nerrorstat_NOAUTH:count=1\r\n");
}

TEST(LatencyBucketTest, PowerOfTwoBuckets) {
  // Bucket b holds durations up to the HDR highest equivalent value of 2^(b+10) ns.
  EXPECT_EQ(LatencyBucket(0), 0u);
  EXPECT_EQ(LatencyBucket(1), 0u);  // 1000 ns <= 1031
  EXPECT_EQ(LatencyBucket(2), 1u);  // 2000 ns <= 2063
  EXPECT_EQ(LatencyBucket(3), 2u);  // 3000 ns <= 4127
  EXPECT_EQ(LatencyBucket(8), 3u);  // 8000 ns <= 8255
  EXPECT_EQ(LatencyBucket(9), 4u);
  EXPECT_EQ(LatencyBucket(33), 5u);  // 33000 ns <= 33023
  EXPECT_EQ(LatencyBucket(34), 6u);
  EXPECT_EQ(LatencyBucket(INT64_MAX / 1000), kLatencyBuckets - 1);
  for (int64_t us = 1; us < 100000; ++us) EXPECT_LE(LatencyBucket(us - 1), LatencyBucket(us));
}

}  // namespace
}  // namespace ember::server
