#include "server/key_prefetcher.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/server.h"
#include "server/worker.h"
#include "store/database.h"

namespace ember::server {
namespace {

std::string Req(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

class KeyPrefetcherTest : public ::testing::Test {
 protected:
  KeyPrefetcherTest() : lookup_(Table()) {}
  static const cmd::CommandTable& Table() {
    static cmd::CommandTable* table = [] {
      auto* t = new cmd::CommandTable;
      RegisterAllCommands(*t);
      return t;
    }();
    return *table;
  }
  std::vector<std::string> KeysOf(const std::string& data) {
    pf_.Start(db_, lookup_, data);
    std::vector<std::string> keys = Peeked();
    pf_.Clear();
    return keys;
  }
  std::vector<std::string> Peeked() const {
    std::vector<std::string> keys;
    for (size_t i = 0; i < pf_.peeked(); ++i) keys.emplace_back(pf_.peeked_key(i));
    return keys;
  }

  Database db_;
  CommandLookup lookup_;
  KeyPrefetcher pf_;
};

TEST_F(KeyPrefetcherTest, TakesTheKeysOfCompleteRequestsByKeyPositions) {
  std::string data = Req({"SET", "a", "1"}) + Req({"PING"}) + Req({"get", "b"}) +
                     Req({"MSET", "c", "1", "d", "2"}) + Req({"CONFIG", "GET", "x"}) +
                     Req({"NOSUCHCOMMAND", "y"}) + Req({"GET", "e"});
  EXPECT_EQ(KeysOf(data), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  // A request still arriving ends the look-ahead.
  std::string partial = Req({"GET", "f"});
  EXPECT_EQ(KeysOf(Req({"GET", "a"}) + partial.substr(0, partial.size() - 3)),
            std::vector<std::string>{"a"});
}

TEST_F(KeyPrefetcherTest, StopsAtInlineRequestsAndAfterMaxKeys) {
  EXPECT_EQ(KeysOf(Req({"GET", "a"})), std::vector<std::string>{"a"});
  EXPECT_TRUE(KeysOf("GET a\r\nGET b\r\n").empty());
  EXPECT_EQ(KeysOf(Req({"GET", "a"}) + "GET b\r\n" + Req({"GET", "c"})),
            std::vector<std::string>{"a"});
  std::string many;
  for (int i = 0; i < 100; ++i) many += Req({"GET", "k" + std::to_string(i)});
  auto keys = KeysOf(many);
  ASSERT_EQ(keys.size(), KeyPrefetcher::kMaxKeys);
  EXPECT_EQ(keys.front(), "k0");
  EXPECT_EQ(keys.back(), "k" + std::to_string(KeyPrefetcher::kMaxKeys - 1));
}

// As the requests of a long read run, the prefetcher keeps peeking ahead of them, in order,
// until the read's last complete request: every lookup gets its hints, not only the first
// kMaxKeys.
TEST_F(KeyPrefetcherTest, PeeksFurtherAsRequestsRun) {
  std::string data;
  std::vector<std::string> want;
  for (int i = 0; i < 300; ++i) {
    want.push_back("k" + std::to_string(i));
    data += i % 3 == 1 ? Req({"SET", want.back(), "v"}) : Req({"GET", want.back()});
  }
  std::string partial = Req({"GET", "late"});
  data += partial.substr(0, partial.size() - 2);
  pf_.Start(db_, lookup_, data);
  EXPECT_EQ(pf_.peeked(), KeyPrefetcher::kMaxKeys);
  for (size_t ran = 1; ran <= 300; ++ran) {
    pf_.Advance();
    // Never fewer than kRefillAhead requests peeked ahead of the one about to run (while
    // there are any), never more than kMaxKeys + kRefillKeys.
    const size_t ahead = pf_.peeked() - ran;
    if (pf_.peeked() < 300) {
      EXPECT_GE(ahead, KeyPrefetcher::kRefillAhead) << ran;
    }
    EXPECT_LE(ahead, KeyPrefetcher::kMaxKeys + KeyPrefetcher::kRefillKeys) << ran;
    ASSERT_EQ(pf_.peeked_key(pf_.peeked() - 1), want[pf_.peeked() - 1]);
  }
  EXPECT_EQ(pf_.peeked(), 300u);  // the request still arriving is not peeked
  pf_.Clear();

  // A request without keys, or with several, is taken in its turn; an inline one ends it.
  data = Req({"PING"}) + Req({"MSET", "a", "1", "b", "2"});
  for (int i = 0; i < 60; ++i) data += Req({"GET", "x" + std::to_string(i)});
  data += "GET y\r\n" + Req({"GET", "z"});
  pf_.Start(db_, lookup_, data);
  for (int i = 0; i < 100; ++i) pf_.Advance();
  std::vector<std::string> keys;
  for (size_t i = pf_.peeked() - 10; i < pf_.peeked(); ++i) keys.emplace_back(pf_.peeked_key(i));
  EXPECT_EQ(pf_.peeked(), 62u);
  EXPECT_EQ(keys.front(), "x50");
  EXPECT_EQ(keys.back(), "x59");
  pf_.Clear();
}

// Hints leave the data alone, whatever the tables look like (empty, chained, one partition
// locked by another thread), and never wait for a lock.
TEST_F(KeyPrefetcherTest, HintsChangeNothingAndNeverBlock) {
  std::string data;
  for (int i = 0; i < 40; ++i) data += Req({"GET", "key:" + std::to_string(i)});
  pf_.Start(db_, lookup_, data);  // empty database
  for (size_t i = 0; i < 40; ++i) pf_.Advance();
  pf_.Clear();

  for (int i = 0; i < 5000; ++i) {
    std::string k = "key:" + std::to_string(i);
    std::lock_guard lk(db_.PartitionFor(k).mu);
    db_.Insert(NewStringEntry(EntryInit{k}, "v" + std::to_string(i), Encoding::kEmbStr));
  }
  Partition& held = db_.PartitionFor("key:3");
  std::mutex ready_mu;
  std::unique_lock ready(ready_mu);
  std::thread other([&] {
    std::lock_guard lk(held.mu);
    std::lock_guard wait_for_test(ready_mu);  // released when the test is done
  });
  while (held.mu.try_lock()) held.mu.unlock();  // until the other thread has it
  pf_.Start(db_, lookup_, data);
  EXPECT_EQ(pf_.peeked(), KeyPrefetcher::kMaxKeys);
  for (size_t i = 0; i < 50; ++i) pf_.Advance();  // more calls than requests: harmless
  EXPECT_EQ(pf_.peeked(), 40u);
  pf_.Clear();
  ready.unlock();
  other.join();

  for (int i = 0; i < 5000; ++i) {
    std::string k = "key:" + std::to_string(i);
    std::lock_guard lk(db_.PartitionFor(k).mu);
    Entry* e = db_.Find(k, 0);
    ASSERT_NE(e, nullptr) << k;
    EXPECT_EQ(e->str_bytes(), "v" + std::to_string(i));
  }
}

}  // namespace
}  // namespace ember::server
