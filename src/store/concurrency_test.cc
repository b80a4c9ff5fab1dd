// Stress test of the partition locking contract, meant to run under TSan: writers replace a
// group of keys spread over partitions atomically (LockSet), readers check they never see a
// mix, and counters incremented under the lock add up exactly.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"

namespace ember {
namespace {

constexpr int kGroup = 6;

std::string KeyName(int g, int i) { return "g" + std::to_string(g) + ":k" + std::to_string(i); }

void WriteGroup(Database& db, int g, int64_t value) {
  LockSet locks;
  for (int i = 0; i < kGroup; ++i) locks.AddKey(db, KeyName(g, i));
  locks.Lock();
  for (int i = 0; i < kGroup; ++i) {
    std::string k = KeyName(g, i);
    Entry* e = NewIntEntry(EntryInit{k}, value);
    if (Entry** link = db.FindLink(k, 0)) {
      db.Replace(link, e);
    } else {
      db.Insert(e);
    }
  }
}

bool ReadGroupConsistent(Database& db, int g) {
  LockSet locks;
  for (int i = 0; i < kGroup; ++i) locks.AddKey(db, KeyName(g, i));
  locks.Lock();
  int64_t first = -1;
  for (int i = 0; i < kGroup; ++i) {
    Entry* e = db.Find(KeyName(g, i), 0);
    int64_t v = e ? e->int_value() : -1;
    if (i == 0) first = v;
    if (v != first) return false;
  }
  return true;
}

TEST(ConcurrencyStress, MultiKeyWritesAreAtomicAndCountersExact) {
  Database db;
  constexpr int kThreads = 4, kIters = 3000, kGroups = 3;
  std::atomic<int> torn{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIters; ++i) {
        int g = i % kGroups;
        if ((i + t) % 2 == 0) {
          WriteGroup(db, g, t * 1000000 + i);
        } else if (!ReadGroupConsistent(db, g)) {
          ++torn;
        }
        // A shared counter incremented under its partition lock.
        LockSet locks;
        locks.AddKey(db, "counter");
        locks.Lock();
        Entry** link = db.FindLink("counter", 0);
        int64_t v = link ? (*link)->int_value() : 0;
        Entry* e = NewIntEntry(EntryInit{"counter"}, v + 1);
        if (link) {
          db.Replace(link, e);
        } else {
          db.Insert(e);
        }
      }
    });
  }
  // Whole-database operations run concurrently with the writers.
  std::thread scanner([&] {
    for (int r = 0; r < 20; ++r) {
      uint64_t cursor = 0;
      do {
        cursor = db.Scan(cursor, 50, 0, [](const Entry*) {});
      } while (cursor != 0);
      (void)db.Size();
    }
  });
  for (auto& th : threads) th.join();
  scanner.join();
  EXPECT_EQ(torn.load(), 0);
  LockSet locks;
  locks.AddKey(db, "counter");
  locks.Lock();
  ASSERT_NE(db.Find("counter", 0), nullptr);
  EXPECT_EQ(db.Find("counter", 0)->int_value(), kThreads * kIters);
}

TEST(ConcurrencyStress, SwapAndFlushWhileWriting) {
  Keyspace ks(2);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) WriteGroup(ks.db(i % 2), i % 5, i);
  });
  for (int r = 0; r < 50; ++r) {
    Database::SwapContents(ks.db(0), ks.db(1));
    if (r % 10 == 0) ks.db(r % 2).TakeAll()();
  }
  stop = true;
  writer.join();
  for (int g = 0; g < 5; ++g) {
    EXPECT_TRUE(ReadGroupConsistent(ks.db(0), g));
    EXPECT_TRUE(ReadGroupConsistent(ks.db(1), g));
  }
}

}  // namespace
}  // namespace ember
