#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ember {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

std::string Key(int i) { return "key:" + std::to_string(i); }

// A collection stand-in that counts deep copies and frees.
struct CountingObject : ValueObject {
  static inline std::atomic<int> clones{0};
  static inline std::atomic<int> frees{0};
  ~CountingObject() override { ++frees; }
  size_t MemoryUsage() const override { return 100; }
  std::unique_ptr<ValueObject> Clone() const override {
    ++clones;
    return std::make_unique<CountingObject>();
  }
};

void Put(Database& db, const std::string& k, int64_t v = 1, int64_t expire_ms = 0) {
  LockSet locks;
  locks.AddKey(db, k);
  locks.Lock();
  Entry* e = NewIntEntry(EntryInit{k, expire_ms != 0, expire_ms}, v);
  if (Entry** l = db.FindLink(k, kNow, true)) {
    db.Replace(l, e);
  } else {
    db.Insert(e);
  }
}

bool Has(Database& db, const std::string& k, int64_t now = kNow) {
  LockSet locks;
  locks.AddKey(db, k);
  locks.Lock();
  return db.Find(k, now, true) != nullptr;
}

void Del(Database& db, const std::string& k) {
  LockSet locks;
  locks.AddKey(db, k);
  locks.Lock();
  db.Delete(k, kNow);
}

std::vector<std::string> ScanStep(Database& db, uint64_t* cursor, size_t count,
                                  int64_t now = kNow) {
  std::vector<std::string> out;
  *cursor = db.Scan(*cursor, count, now, [&](const Entry* e) { out.emplace_back(e->key()); });
  return out;
}

TEST(DatabaseTest, LazyExpiryOnFind) {
  Database db;
  Put(db, "a", 1, kNow + 1000);
  Put(db, "b", 2);
  EXPECT_EQ(db.Size(), 2u);
  EXPECT_EQ(db.VolatileSize(), 1u);
  EXPECT_TRUE(Has(db, "a", kNow + 999));
  EXPECT_FALSE(Has(db, "a", kNow + 1000));  // expire time reached: gone
  EXPECT_EQ(db.Size(), 1u);
  EXPECT_EQ(db.VolatileSize(), 0u);
  EXPECT_EQ(db.expired_keys.load(), 1u);
}

TEST(DatabaseTest, SetExpireAddsAndRemovesWithoutCopyingCollections) {
  Database db;
  int clones = CountingObject::clones;
  int frees = CountingObject::frees;
  {
    LockSet locks;
    locks.AddKey(db, "list");
    locks.Lock();
    db.Insert(NewObjectEntry(EntryInit{"list"}, ValueType::kList, Encoding::kQuicklist,
                             std::make_unique<CountingObject>()));
    Entry** l = db.FindLink("list", kNow);
    ValueObject* obj = (*l)->object();
    Entry* e = db.SetExpire(l, true, kNow + 5000);
    EXPECT_EQ(*l, e);
    EXPECT_TRUE(e->has_expire());
    EXPECT_EQ(e->expire_ms(), kNow + 5000);
    EXPECT_EQ(e->object(), obj);
    EXPECT_EQ(e->key(), "list");
    EXPECT_EQ(db.VolatileSize(), 1u);
    e = db.SetExpire(l, true, kNow + 9000);  // same shape: updated in place
    EXPECT_EQ(e->expire_ms(), kNow + 9000);
    e = db.SetExpire(l, false, 0);
    EXPECT_FALSE(e->has_expire());
    EXPECT_EQ(e->object(), obj);
    EXPECT_EQ(e->type(), ValueType::kList);
    EXPECT_EQ(e->encoding(), Encoding::kQuicklist);
    EXPECT_EQ(db.VolatileSize(), 0u);
  }
  EXPECT_EQ(CountingObject::clones, clones);
  EXPECT_EQ(CountingObject::frees, frees);
  db.TakeAll()();
  EXPECT_EQ(CountingObject::frees, frees + 1);
}

TEST(DatabaseTest, SetExpireKeepsStringValuesAndNeighbours) {
  Database db;
  // Many keys so some share a bucket chain with the one we change.
  for (int i = 0; i < 2000; ++i) Put(db, Key(i), i);
  for (int i = 0; i < 2000; i += 3) {
    LockSet locks;
    locks.AddKey(db, Key(i));
    locks.Lock();
    Entry** l = db.FindLink(Key(i), kNow);
    db.SetExpire(l, true, kNow + i + 1);
  }
  for (int i = 0; i < 2000; ++i) {
    LockSet locks;
    locks.AddKey(db, Key(i));
    locks.Lock();
    Entry* e = db.Find(Key(i), kNow);
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->int_value(), i);
    EXPECT_EQ(e->has_expire(), i % 3 == 0);
  }
  EXPECT_EQ(db.VolatileSize(), 667u);
}

TEST(DatabaseTest, TransferEntryRekeysAndKeepsMetadata) {
  Entry* e = NewStringEntry(EntryInit{"old", true, 42, 77}, "hello", Encoding::kEmbStr);
  e->freq = 9;
  Entry* n = TransferEntry(e, EntryInit{"a-much-longer-new-key", false, 0, 77});
  EXPECT_EQ(n->key(), "a-much-longer-new-key");
  EXPECT_EQ(n->str_bytes(), "hello");
  EXPECT_EQ(n->encoding(), Encoding::kEmbStr);
  EXPECT_FALSE(n->has_expire());
  EXPECT_EQ(n->freq, 9);
  EXPECT_EQ(n->access_time(), 77u);
  FreeEntry(n);
}

TEST(DatabaseTest, ScanSmallDatabaseCompletesInOneCall) {
  Database db;
  Put(db, "a");
  Put(db, "b");
  Put(db, "c");
  uint64_t cursor = 0;
  auto keys = ScanStep(db, &cursor, 10);
  EXPECT_EQ(cursor, 0u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()),
            (std::set<std::string>{"a", "b", "c"}));
}

TEST(DatabaseTest, ScanEmptyDatabase) {
  Database db;
  uint64_t cursor = 0;
  EXPECT_TRUE(ScanStep(db, &cursor, 10).empty());
  EXPECT_EQ(cursor, 0u);
}

TEST(DatabaseTest, ScanFullIterationReturnsEachKeyOnceWhenStable) {
  Database db;
  for (int i = 0; i < 20000; ++i) Put(db, Key(i));
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    for (auto& k : ScanStep(db, &cursor, 100)) ++seen[k];
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 20000u);
  for (auto& [k, n] : seen) ASSERT_EQ(n, 1) << k;
  EXPECT_GT(calls, 100);  // COUNT bounds the work per call
}

TEST(DatabaseTest, ScanCountBoundsReplySize) {
  Database db;
  for (int i = 0; i < 5000; ++i) Put(db, Key(i));
  uint64_t cursor = 0;
  do {
    auto keys = ScanStep(db, &cursor, 10);
    // Whole buckets are returned, so a few more than COUNT are possible; never many more.
    EXPECT_LE(keys.size(), 30u);
  } while (cursor != 0);
}

TEST(DatabaseTest, ScanSkipsExpiredKeys) {
  Database db;
  Put(db, "live");
  Put(db, "dead", 1, kNow - 1);
  uint64_t cursor = 0;
  auto keys = ScanStep(db, &cursor, 1000);
  EXPECT_EQ(keys, std::vector<std::string>{"live"});
}

// The SCAN guarantee at database level: every key present from the first call to the last is
// returned, while other keys are inserted (growing tables) and deleted (shrinking them).
TEST(DatabaseTest, ScanGuaranteeWhileTablesGrowAndShrink) {
  for (int round = 0; round < 5; ++round) {
    std::mt19937_64 rng(round);
    Database db;
    std::set<std::string> stable;
    for (int i = 0; i < 3000; ++i) {
      Put(db, Key(i));
      stable.insert(Key(i));
    }
    std::vector<std::string> churn;
    int next = 1'000'000;
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int step = 0;
    do {
      for (auto& k : ScanStep(db, &cursor, 1 + rng() % 50)) seen.insert(k);
      if ((step / 20) % 2 == 0) {
        for (int i = 0; i < 500; ++i) {
          churn.push_back("churn:" + std::to_string(next++));
          Put(db, churn.back());
        }
      } else {
        for (int i = 0; i < 700 && !churn.empty(); ++i) {
          Del(db, churn.back());
          churn.pop_back();
        }
      }
      ++step;
    } while (cursor != 0);
    for (const auto& k : stable) ASSERT_TRUE(seen.count(k)) << "round " << round << " " << k;
  }
}

// Same guarantee where it is hardest: every key in one partition, so one table doubles and
// halves several times while the cursor is inside it.
TEST(DatabaseTest, ScanGuaranteeWithinOnePartition) {
  std::vector<std::string> same;  // keys of partition 0
  for (int i = 0; same.size() < 6000; ++i) {
    std::string k = Key(i);
    if (Database::PartitionIndex(HashKey(k)) == 0) same.push_back(k);
  }
  for (int round = 0; round < 4; ++round) {
    Database db;
    std::set<std::string> stable(same.begin(), same.begin() + 400);
    for (const auto& k : stable) Put(db, k);
    std::vector<std::string> churn(same.begin() + 400, same.end());
    size_t live_churn = 0;
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int step = 0;
    do {
      for (auto& k : ScanStep(db, &cursor, 3 + round)) seen.insert(k);
      if (step % 7 == round) {
        if (live_churn == 0) {
          for (const auto& k : churn) Put(db, k);  // 400 -> 6000 keys: several doublings
          live_churn = churn.size();
        } else {
          for (const auto& k : churn) Del(db, k);  // and back: several halvings
          live_churn = 0;
        }
      }
      ASSERT_LT(++step, 100'000) << "the scan does not terminate";
    } while (cursor != 0);
    for (const auto& k : stable) ASSERT_TRUE(seen.count(k)) << "round " << round << " " << k;
  }
}

TEST(DatabaseTest, ScanToleratesArbitraryCursors) {
  Database db;
  for (int i = 0; i < 100; ++i) Put(db, Key(i));
  for (uint64_t c : {uint64_t{1}, uint64_t{1023}, uint64_t{1} << 40, ~uint64_t{0}}) {
    uint64_t cursor = c;
    int calls = 0;
    do {
      ScanStep(db, &cursor, 10);
      ASSERT_LT(++calls, 10000);
    } while (cursor != 0);
  }
}

TEST(DatabaseTest, ForEachLiveSkipsExpired) {
  Database db;
  for (int i = 0; i < 100; ++i) Put(db, Key(i), i, i % 2 ? kNow - 1 : 0);
  size_t n = 0;
  db.ForEachLive(kNow, [&](const Entry* e) {
    EXPECT_EQ(e->int_value() % 2, 0);
    ++n;
  });
  EXPECT_EQ(n, 50u);
}

TEST(DatabaseTest, RandomKey) {
  Database db;
  std::mt19937_64 rng(3);
  auto rnd = [&] { return rng(); };
  std::string key;
  EXPECT_FALSE(db.RandomKey(kNow, rnd, &key));
  Put(db, "only");
  ASSERT_TRUE(db.RandomKey(kNow, rnd, &key));
  EXPECT_EQ(key, "only");
  for (int i = 0; i < 200; ++i) Put(db, Key(i));
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(db.RandomKey(kNow, rnd, &key));
    seen.insert(key);
  }
  EXPECT_GT(seen.size(), 190u);
}

TEST(DatabaseTest, RandomKeyDeletesExpiredAndReturnsFalseWhenAllExpired) {
  Database db;
  std::mt19937_64 rng(5);
  auto rnd = [&] { return rng(); };
  for (int i = 0; i < 50; ++i) Put(db, Key(i), 1, kNow + 10);
  Put(db, "live");
  std::string key;
  ASSERT_TRUE(db.RandomKey(kNow + 10, rnd, &key));
  EXPECT_EQ(key, "live");
  Del(db, "live");
  EXPECT_FALSE(db.RandomKey(kNow + 10, rnd, &key));
  EXPECT_EQ(db.Size(), 0u);
  EXPECT_EQ(db.expired_keys.load(), 50u);
}

TEST(DatabaseTest, ExpireCycleWithoutVolatileKeys) {
  Database db;
  for (int i = 0; i < 1000; ++i) Put(db, Key(i));
  size_t sampled = 0;
  int64_t ttl_sum = 0;
  EXPECT_EQ(db.ExpireCycle(kNow, 256, &sampled, &ttl_sum), 0u);
  EXPECT_EQ(sampled, 0u);
  EXPECT_EQ(db.Size(), 1000u);
}

TEST(DatabaseTest, ExpireCycleSamplesLiveKeys) {
  Database db;
  for (int i = 0; i < 100; ++i) Put(db, Key(i), 1, kNow + 10'000);
  size_t sampled = 0;
  int64_t ttl_sum = 0;
  size_t deleted = 0;
  for (int i = 0; i < 100; ++i) deleted += db.ExpireCycle(kNow, 1000, &sampled, &ttl_sum);
  EXPECT_EQ(deleted, 0u);
  EXPECT_GE(sampled, 100u);
  EXPECT_EQ(ttl_sum, static_cast<int64_t>(sampled) * 10'000);
}

TEST(DatabaseTest, ExpireCycleDeletesOnlyExpired) {
  Database db;
  for (int i = 0; i < 10000; ++i) Put(db, Key(i), i, i % 4 == 0 ? 0 : kNow + (i % 2 ? 100 : 200));
  size_t sampled = 0;
  int64_t ttl_sum = 0;
  size_t deleted = 0;
  for (int i = 0; i < 1000 && db.VolatileSize() > 2500; ++i)
    deleted += db.ExpireCycle(kNow + 100, 256, &sampled, &ttl_sum);
  EXPECT_EQ(deleted, 5000u);
  EXPECT_EQ(db.Size(), 5000u);
  EXPECT_EQ(db.VolatileSize(), 2500u);
  for (int i = 0; i < 10000; ++i) EXPECT_EQ(Has(db, Key(i), kNow + 100), i % 2 == 0) << i;
}

TEST(DatabaseTest, ExpireCycleBudgetBoundsWork) {
  Database db;
  for (int i = 0; i < 100000; ++i) Put(db, Key(i), 1, kNow + 1);
  size_t sampled = 0;
  int64_t ttl_sum = 0;
  // One bucket of budget visits one bucket: a handful of keys at most (load factor <= 1).
  size_t d = db.ExpireCycle(kNow + 1, 1, &sampled, &ttl_sum);
  EXPECT_LE(d, 16u);
  EXPECT_EQ(d, sampled);
  sampled = 0;
  d = db.ExpireCycle(kNow + 1, 256, &sampled, &ttl_sum);
  EXPECT_LE(sampled, 256u * 8);
}

// A million keys expiring in the same second are reclaimed by repeated bounded cycles, each
// doing a bounded amount of work.
TEST(DatabaseTest, ExpireCycleReclaimsAMillionKeys) {
  Database db;
  constexpr int kKeys = 1'000'000;
  for (int i = 0; i < kKeys; ++i) {
    std::string k = Key(i);
    db.Insert(NewIntEntry(EntryInit{k, true, kNow + 1000 + i % 1000}, i));
  }
  Put(db, "persistent");
  EXPECT_EQ(db.VolatileSize(), static_cast<size_t>(kKeys));
  size_t total = 0;
  size_t calls = 0;
  size_t max_per_call = 0;
  while (db.VolatileSize() > 0) {
    size_t sampled = 0;
    int64_t ttl_sum = 0;
    size_t d = db.ExpireCycle(kNow + 2000, 256, &sampled, &ttl_sum);
    total += d;
    max_per_call = std::max(max_per_call, d);
    ASSERT_LT(++calls, 100'000u);
  }
  EXPECT_EQ(total, static_cast<size_t>(kKeys));
  EXPECT_EQ(db.Size(), 1u);
  EXPECT_EQ(db.expired_keys.load(), static_cast<uint64_t>(kKeys));
  EXPECT_LE(max_per_call, 256u * 8);  // bounded by the bucket budget
  EXPECT_TRUE(Has(db, "persistent"));
}

TEST(DatabaseTest, ExpireCycleRunsConcurrentlyWithWriters) {
  Database db;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> now{kNow};
  std::thread cron([&] {
    while (!stop.load()) {
      size_t sampled = 0;
      int64_t ttl_sum = 0;
      db.ExpireCycle(now.load(), 64, &sampled, &ttl_sum);
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        std::string k = "w" + std::to_string(t) + ":" + std::to_string(i % 500);
        LockSet locks;
        locks.AddKey(db, k);
        locks.Lock();
        int64_t n = now.load();
        Entry* e = NewIntEntry(EntryInit{k, i % 3 != 0, n + (i % 7)}, i);
        if (Entry** l = db.FindLink(k, n, true)) {
          db.Replace(l, e);
        } else {
          db.Insert(e);
        }
        if (i % 100 == 0) now.fetch_add(1);
      }
    });
  }
  for (auto& w : writers) w.join();
  stop.store(true);
  cron.join();
  // The volatile counters agree with the tables.
  size_t volatile_seen = 0;
  db.ForEachLive(INT64_MIN, [&](const Entry* e) { volatile_seen += e->has_expire(); });
  EXPECT_EQ(db.VolatileSize(), volatile_seen);
}

TEST(DatabaseTest, TakeAllEmptiesAndCounts) {
  Database db;
  for (int i = 0; i < 1000; ++i) Put(db, Key(i), i, i % 2 ? kNow + 100 : 0);
  size_t removed = 0;
  auto free_all = db.TakeAll(&removed);
  EXPECT_EQ(removed, 1000u);
  EXPECT_EQ(db.Size(), 0u);
  EXPECT_EQ(db.VolatileSize(), 0u);
  Put(db, "after");  // usable before the old entries are freed
  free_all();
  EXPECT_TRUE(Has(db, "after"));
  EXPECT_EQ(db.Size(), 1u);
}

TEST(DatabaseTest, TakeAllCallableFreesValues) {
  Database db;
  int frees = CountingObject::frees;
  {
    LockSet locks;
    locks.AddKey(db, "obj");
    locks.Lock();
    db.Insert(NewObjectEntry(EntryInit{"obj"}, ValueType::kSet, Encoding::kHashtable,
                             std::make_unique<CountingObject>()));
  }
  auto free_all = db.TakeAll();
  EXPECT_EQ(CountingObject::frees, frees);
  free_all();
  EXPECT_EQ(CountingObject::frees, frees + 1);
}

TEST(DatabaseTest, SwapContents) {
  Database a, b;
  for (int i = 0; i < 100; ++i) Put(a, "a" + std::to_string(i), i, kNow + 100);
  for (int i = 0; i < 10; ++i) Put(b, "b" + std::to_string(i), i);
  Database::SwapContents(a, b);
  EXPECT_EQ(a.Size(), 10u);
  EXPECT_EQ(b.Size(), 100u);
  EXPECT_EQ(a.VolatileSize(), 0u);
  EXPECT_EQ(b.VolatileSize(), 100u);
  EXPECT_TRUE(Has(a, "b3"));
  EXPECT_TRUE(Has(b, "a42"));
  EXPECT_FALSE(Has(a, "a42"));
  Database::SwapContents(a, a);  // no-op
  EXPECT_EQ(a.Size(), 10u);
}

// Whether another thread holds mu (try_lock by the owning thread itself is undefined).
bool HeldByAnyone(std::mutex& mu) {
  bool free = false;
  std::thread([&] {
    free = mu.try_lock();
    if (free) mu.unlock();
  }).join();
  return !free;
}

TEST(DatabaseTest, LockSetDeduplicatesAndUnlocks) {
  Database db;
  {
    LockSet locks;
    locks.AddKey(db, "x");
    locks.AddKey(db, "x");  // same partition twice must not self-deadlock
    locks.Add(&db.partition(0));
    locks.Add(&db.partition(0));
    locks.Lock();
    EXPECT_TRUE(HeldByAnyone(db.partition(0).mu));
  }
  EXPECT_FALSE(HeldByAnyone(db.partition(0).mu));
  LockSet early;
  early.Add(&db.partition(1));
  early.Lock();
  early.Unlock();
  EXPECT_TRUE(early.empty());
  EXPECT_FALSE(HeldByAnyone(db.partition(1).mu));
}

TEST(DatabaseTest, LockSetManyPartitionsWithDuplicates) {
  Database db;
  for (size_t n : {size_t{7}, size_t{8}, size_t{9}, size_t{40}}) {
    {
      LockSet locks;
      // Each partition added three times, in descending order: dedup and sort both matter.
      for (int rep = 0; rep < 3; ++rep)
        for (size_t i = n; i > 0; --i) locks.Add(&db.partition(i * 3));
      locks.Lock();
      for (size_t i = 1; i <= n; ++i) EXPECT_TRUE(HeldByAnyone(db.partition(i * 3).mu)) << n;
      EXPECT_FALSE(HeldByAnyone(db.partition(1).mu));
    }
    for (size_t i = 1; i <= n; ++i) EXPECT_FALSE(HeldByAnyone(db.partition(i * 3).mu)) << n;
  }
}

// Two databases locked in opposite argument orders from two threads (MOVE a->b and b->a)
// never deadlock, because LockSet orders by address; SWAPDB runs alongside.
TEST(DatabaseTest, LockSetAcrossDatabasesDoesNotDeadlock) {
  Keyspace ks(2);
  auto worker = [&](int from, int to) {
    for (int i = 0; i < 20000; ++i) {
      std::string k = Key(i % 64);
      LockSet locks;
      locks.AddKey(ks.db(from), k);
      locks.AddKey(ks.db(to), k);
      locks.Lock();
    }
  };
  std::thread t1(worker, 0, 1);
  std::thread t2(worker, 1, 0);
  std::thread t3([&] {
    for (int i = 0; i < 50; ++i) Database::SwapContents(ks.db(0), ks.db(1));
  });
  t1.join();
  t2.join();
  t3.join();
  SUCCEED();
}

TEST(DatabaseTest, LfuCounter) {
  EXPECT_EQ(LfuIncrement(255, 10, 0), 255);
  EXPECT_EQ(LfuIncrement(5, 10, ~uint64_t{0}), 6);  // at the initial value: always
  EXPECT_EQ(LfuIncrement(0, 10, ~uint64_t{0}), 1);
  // Far above the initial value the probability is small.
  std::mt19937_64 rng(1);
  int bumps = 0;
  for (int i = 0; i < 10000; ++i) bumps += LfuIncrement(105, 10, rng()) == 106;
  EXPECT_LT(bumps, 100);

  Entry* e = NewIntEntry(EntryInit{"k", false, 0, LruClock(kNow)}, 1);
  e->freq = 10;
  EXPECT_EQ(LfuDecayed(e, kNow, 1), 10);
  EXPECT_EQ(LfuDecayed(e, kNow + 59'000, 1), 10);
  EXPECT_EQ(LfuDecayed(e, kNow + 60'000, 1), 9);
  EXPECT_EQ(LfuDecayed(e, kNow + 600'000, 2), 5);
  EXPECT_EQ(LfuDecayed(e, kNow + 3'600'000, 1), 0);
  EXPECT_EQ(LfuDecayed(e, kNow + 3'600'000, 0), 10);  // decay disabled
  FreeEntry(e);
}

TEST(DatabaseTest, AccessUpdatesLruOrLfu) {
  Keyspace ks(1);
  Database& db = ks.db(0);
  Put(db, "k");
  {
    LockSet locks;
    locks.AddKey(db, "k");
    locks.Lock();
    Entry* e = db.Find("k", kNow + 5000);
    EXPECT_EQ(e->access_time(), LruClock(kNow + 5000));
    EXPECT_EQ(e->freq, kLfuInitVal);  // LRU mode leaves the counter alone
    db.Find("k", kNow + 9000, /*no_touch=*/true);
    EXPECT_EQ(IdleSeconds(e, kNow + 9000), 4u);
  }
  ks.access_policy().lfu.store(true);
  {
    LockSet locks;
    locks.AddKey(db, "k");
    locks.Lock();
    Entry* e = db.Find("k", kNow + 9000);
    EXPECT_EQ(e->freq, kLfuInitVal + 1);
    EXPECT_EQ(db.Frequency(e, kNow + 9000), kLfuInitVal + 1);
    EXPECT_EQ(db.Frequency(e, kNow + 9000 + 120'000), kLfuInitVal - 1);
  }
}

// Tables resize incrementally, advanced by writes; RehashStep (the cron's activerehashing)
// finishes what no write did, a bounded number of buckets per call.
TEST(DatabaseTest, RehashStepFinishesIdleResizes) {
  Database db;
  for (int i = 0; i < 100000; ++i) Put(db, Key(i));
  size_t resizing = 0;
  for (size_t i = 0; i < Database::kPartitions; ++i) resizing += db.partition(i).table.resizing();
  ASSERT_GT(resizing, 0u);  // ~100 keys per partition: some doublings are under way
  EXPECT_TRUE(db.RehashStep(0));
  int calls = 0;
  // The first pass leaves the tables that writes moved on since (each insert moves a few
  // buckets); the second, with no write in between, finishes them.
  for (int pass = 0; pass < 2; ++pass) {
    while (db.RehashStep(64)) ASSERT_LT(++calls, 100000);
  }
  EXPECT_GT(calls, 0);
  for (size_t i = 0; i < Database::kPartitions; ++i)
    ASSERT_FALSE(db.partition(i).table.resizing()) << i;
  EXPECT_FALSE(db.RehashStep(64));
  EXPECT_EQ(db.Size(), 100000u);
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(Has(db, Key(i))) << i;
}

}  // namespace
}  // namespace ember
