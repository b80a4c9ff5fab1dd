#include "store/key_table.h"

#include <gtest/gtest.h>

#include <bit>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/hash.h"

namespace ember {
namespace {

std::string Key(int i) { return "key:" + std::to_string(i); }

void Add(KeyTable& t, const std::string& k) { t.Insert(NewIntEntry(EntryInit{k}, 1), HashKey(k)); }

bool Remove(KeyTable& t, const std::string& k) {
  Entry** l = t.FindLink(k, HashKey(k));
  if (l == nullptr) return false;
  FreeEntry(t.Unlink(l));
  return true;
}

std::set<std::string> ScanAll(const KeyTable& t) {
  std::set<std::string> seen;
  uint64_t c = 0;
  do {
    c = t.Scan(c, [&](const Entry* e) { seen.emplace(e->key()); });
  } while (c != 0);
  return seen;
}

TEST(KeyTableTest, EmptyTable) {
  KeyTable t;
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.bucket_count(), 0u);
  EXPECT_EQ(t.Find("x", HashKey("x")), nullptr);
  EXPECT_EQ(t.Random(123), nullptr);
  int visits = 0;
  EXPECT_EQ(t.Scan(0, [&](const Entry*) { ++visits; }), 0u);
  EXPECT_EQ(visits, 0);
}

TEST(KeyTableTest, InsertFindUnlink) {
  KeyTable t;
  for (int i = 0; i < 1000; ++i) Add(t, Key(i));
  EXPECT_EQ(t.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    Entry* e = t.Find(Key(i), HashKey(Key(i)));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->key(), Key(i));
  }
  EXPECT_EQ(t.Find("missing", HashKey("missing")), nullptr);
  for (int i = 0; i < 1000; i += 2) EXPECT_TRUE(Remove(t, Key(i)));
  EXPECT_EQ(t.size(), 500u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(t.Find(Key(i), HashKey(Key(i))) != nullptr, i % 2 == 1);
}

TEST(KeyTableTest, EmptyKeyAndBinaryKeys) {
  KeyTable t;
  std::string bin("a\0b", 3);
  Add(t, "");
  Add(t, bin);
  Add(t, "a");
  EXPECT_NE(t.Find("", HashKey("")), nullptr);
  EXPECT_EQ(t.Find(bin, HashKey(bin))->key(), bin);
  EXPECT_EQ(t.Find("a", HashKey("a"))->key(), "a");
}

TEST(KeyTableTest, GrowsAtLoadFactorOneAndShrinksWhenSparse) {
  KeyTable t;
  Add(t, Key(0));
  EXPECT_EQ(t.bucket_count(), 4u);
  for (int i = 1; i < 4096; ++i) {
    Add(t, Key(i));
    EXPECT_LE(t.size(), t.bucket_count() * 2);  // never far above load factor 1
  }
  EXPECT_EQ(t.bucket_count(), 4096u);
  for (int i = 0; i < 4096; ++i) Remove(t, Key(i));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.bucket_count(), KeyTable::kMinShrinkBuckets);
  // Still usable after shrinking.
  Add(t, "again");
  EXPECT_NE(t.Find("again", HashKey("again")), nullptr);
}

TEST(KeyTableTest, ScanVisitsEveryKeyExactlyOnceWhenStable) {
  KeyTable t;
  for (int i = 0; i < 5000; ++i) Add(t, Key(i));
  std::map<std::string, int> count;
  uint64_t c = 0;
  do {
    c = t.Scan(c, [&](const Entry* e) { ++count[std::string(e->key())]; });
  } while (c != 0);
  EXPECT_EQ(count.size(), 5000u);
  for (auto& [k, n] : count) EXPECT_EQ(n, 1) << k;
}

// The reverse-binary cursor: keys present for the whole scan are returned even when the table
// doubles or halves (repeatedly) between steps.
TEST(KeyTableTest, ScanGuaranteeUnderGrowthAndShrink) {
  for (int round = 0; round < 20; ++round) {
    std::mt19937_64 rng(round);
    KeyTable t;
    std::set<std::string> stable;
    for (int i = 0; i < 300; ++i) {
      Add(t, Key(i));
      stable.insert(Key(i));
    }
    int next = 1'000'000;
    std::vector<std::string> churn;
    std::set<std::string> seen;
    uint64_t c = 0;
    int step = 0;
    do {
      c = t.Scan(c, [&](const Entry* e) { seen.emplace(e->key()); });
      // Alternate phases of heavy growth and heavy shrinking.
      bool grow = (step / 8) % 2 == 0;
      if (grow) {
        int n = static_cast<int>(rng() % 400);
        for (int i = 0; i < n; ++i) {
          churn.push_back(Key(next++));
          Add(t, churn.back());
        }
      } else {
        size_t n = churn.size() / 2 + 1;  // shrink hard: several halvings per phase
        while (!churn.empty() && n-- > 0) {
          Remove(t, churn.back());
          churn.pop_back();
        }
      }
      ASSERT_LT(++step, 1'000'000) << "the scan does not terminate";
    } while (c != 0);
    for (const auto& k : stable) ASSERT_TRUE(seen.count(k)) << "round " << round << " " << k;
  }
}

TEST(KeyTableTest, ScanEraseRemovesChosenEntries) {
  KeyTable t;
  for (int i = 0; i < 2000; ++i) Add(t, Key(i));
  uint64_t c = 0;
  size_t removed = 0;
  do {
    c = t.ScanErase(c, [&](Entry* e) {
      int i = std::stoi(std::string(e->key().substr(4)));
      if (i % 3 != 0) return false;
      FreeEntry(e);
      ++removed;
      return true;
    });
  } while (c != 0);
  EXPECT_EQ(removed, 667u);
  EXPECT_EQ(t.size(), 2000u - 667u);
  std::set<std::string> left = ScanAll(t);
  EXPECT_EQ(left.size(), t.size());
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(left.count(Key(i)) == 1, i % 3 != 0);
}

TEST(KeyTableTest, ScanEraseEverythingShrinksAndStillCompletes) {
  KeyTable t;
  for (int i = 0; i < 10000; ++i) Add(t, Key(i));
  uint64_t c = 0;
  size_t removed = 0;
  size_t steps = 0;
  do {
    c = t.ScanErase(c, [&](Entry* e) {
      FreeEntry(e);
      ++removed;
      return true;
    });
    ++steps;
  } while (c != 0);
  EXPECT_EQ(removed, 10000u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_LE(steps, 16384u);
  EXPECT_LT(t.bucket_count(), 16384u);
}

TEST(KeyTableTest, RandomReturnsEveryKeyEventually) {
  KeyTable t;
  for (int i = 0; i < 50; ++i) Add(t, Key(i));
  std::mt19937_64 rng(7);
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    Entry* e = t.Random(rng());
    ASSERT_NE(e, nullptr);
    seen.emplace(e->key());
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(KeyTableTest, RandomOnSparseTable) {
  KeyTable t;
  for (int i = 0; i < 64; ++i) Add(t, Key(i));
  for (int i = 1; i < 64; ++i) Remove(t, Key(i));
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(t.Random(rng())->key(), Key(0));
}

TEST(KeyTableTest, MoveAndClear) {
  KeyTable a;
  for (int i = 0; i < 100; ++i) Add(a, Key(i));
  KeyTable b(std::move(a));
  EXPECT_EQ(a.size(), 0u);  // NOLINT: moved-from state is specified (empty)
  EXPECT_EQ(b.size(), 100u);
  KeyTable c;
  Add(c, "other");
  c = std::move(b);
  EXPECT_EQ(c.size(), 100u);
  EXPECT_EQ(c.Find("other", HashKey("other")), nullptr);
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.bucket_count(), 0u);
}

TEST(KeyTableTest, ForEachVisitsEveryEntryOnce) {
  // Sizes around the walk's look-ahead (8 buckets): tables smaller than it, and larger.
  for (int count : {0, 1, 3, 9, 777}) {
    KeyTable t;
    for (int i = 0; i < count; ++i) Add(t, Key(i));
    std::multiset<std::string> seen;
    t.ForEach([&](const Entry* e) { seen.emplace(e->key()); });
    ASSERT_EQ(seen.size(), static_cast<size_t>(count)) << count;
    for (int i = 0; i < count; ++i) EXPECT_EQ(seen.count(Key(i)), 1u) << Key(i);
  }
}

// Fills a table until a doubling has just started: it holds both arrays.
KeyTable TableJustResized(int* next) {
  KeyTable t;
  size_t buckets = 0;
  while (true) {
    Add(t, Key((*next)++));
    if (buckets != 0 && t.bucket_count() != buckets && t.bucket_count() >= 1024) break;
    buckets = t.bucket_count();
  }
  return t;
}

TEST(KeyTableTest, GrowthMovesAFewBucketsPerChange) {
  int next = 0;
  KeyTable t = TableJustResized(&next);
  const size_t old_buckets = t.bucket_count() / 2;
  ASSERT_TRUE(t.resizing());
  // The old array is moved kMigrateBuckets buckets per insert: not sooner, not later.
  size_t inserts = 0;
  while (t.resizing()) {
    Add(t, Key(next++));
    ++inserts;
    ASSERT_LE(inserts, old_buckets);
  }
  const size_t steps = (old_buckets + KeyTable::kMigrateBuckets - 1) / KeyTable::kMigrateBuckets;
  EXPECT_GE(inserts, steps - 1);
  EXPECT_LE(inserts, steps);
  for (int i = 0; i < next; ++i) ASSERT_NE(t.Find(Key(i), HashKey(Key(i))), nullptr) << Key(i);
  EXPECT_EQ(t.size(), static_cast<size_t>(next));
}

// Every operation on a table caught between its two arrays, growing and shrinking.
TEST(KeyTableTest, EveryOperationWhileResizing) {
  int next = 0;
  KeyTable t = TableJustResized(&next);
  std::set<std::string> live;
  for (int i = 0; i < next; ++i) live.insert(Key(i));
  // Mix in changes; the table stays between arrays for a while.
  for (int i = 0; i < 50; ++i) {
    Add(t, Key(next));
    live.insert(Key(next++));
    ASSERT_TRUE(Remove(t, Key(i * 7)));
    live.erase(Key(i * 7));
  }
  ASSERT_TRUE(t.resizing());
  EXPECT_EQ(t.size(), live.size());
  for (const auto& k : live) ASSERT_NE(t.Find(k, HashKey(k)), nullptr) << k;
  EXPECT_EQ(t.Find(Key(0), HashKey(Key(0))), nullptr);

  // Scan and ForEach see every key exactly once.
  std::map<std::string, int> scanned;
  uint64_t c = 0;
  do {
    c = t.Scan(c, [&](const Entry* e) { ++scanned[std::string(e->key())]; });
  } while (c != 0);
  ASSERT_TRUE(t.resizing());
  EXPECT_EQ(scanned.size(), live.size());
  for (auto& [k, n] : scanned) EXPECT_EQ(n, 1) << k;
  std::multiset<std::string> each;
  t.ForEach([&](const Entry* e) { each.emplace(e->key()); });
  EXPECT_EQ(each, std::multiset<std::string>(live.begin(), live.end()));

  // Random reaches keys of both arrays.
  std::mt19937_64 rng(3);
  std::set<std::string> random_seen;
  for (int i = 0; i < 200000 && random_seen.size() < live.size(); ++i) {
    random_seen.emplace(t.Random(rng())->key());
  }
  EXPECT_EQ(random_seen.size(), live.size());

  // A move keeps both arrays; ScanErase of every other key, then of the rest, leaves an
  // empty table that has shrunk.
  KeyTable m(std::move(t));
  ASSERT_TRUE(m.resizing());
  bool odd = false;
  c = 0;
  do {
    c = m.ScanErase(c, [&](Entry* e) {
      odd = !odd;
      if (!odd) return false;
      live.erase(std::string(e->key()));
      FreeEntry(e);
      return true;
    });
  } while (c != 0);
  EXPECT_EQ(m.size(), live.size());
  EXPECT_EQ(ScanAll(m), live);
  c = 0;
  do {
    c = m.ScanErase(c, [&](Entry* e) {
      FreeEntry(e);
      return true;
    });
  } while (c != 0);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.resizing());
  EXPECT_EQ(m.bucket_count(), KeyTable::kMinShrinkBuckets);
}

TEST(KeyTableTest, ShrinkIsIncrementalToo) {
  KeyTable t;
  for (int i = 0; i < 8192; ++i) Add(t, Key(i));
  while (t.resizing()) ASSERT_FALSE(t.MigrateStep(1 << 20));  // settle the last doubling
  const size_t before = t.bucket_count();
  int i = 0;
  while (!t.resizing()) ASSERT_TRUE(Remove(t, Key(i++)));
  // Below 1/8 fill the table shrinks to fill 1/2, moving a few buckets per change.
  EXPECT_LT(t.size() * 8, before);
  EXPECT_EQ(t.bucket_count(), std::bit_ceil(t.size() * 2));
  for (int k = i; k < 8192; ++k) ASSERT_NE(t.Find(Key(k), HashKey(Key(k))), nullptr) << k;
  // An idle table's cron step finishes the move.
  EXPECT_TRUE(t.MigrateStep(1));
  EXPECT_FALSE(t.MigrateStep(before));
  EXPECT_FALSE(t.resizing());
  for (int k = i; k < 8192; ++k) ASSERT_NE(t.Find(Key(k), HashKey(Key(k))), nullptr) << k;
}

// The background step leaves a table to its writers while they move it on.
TEST(KeyTableTest, MigrateIdleYieldsToWriters) {
  int next = 0;
  KeyTable t = TableJustResized(&next);
  ASSERT_TRUE(t.resizing());
  Add(t, Key(next++));                           // a change moved buckets
  EXPECT_FALSE(t.MigrateIdle(size_t{1} << 20));  // so the background step skips this table
  EXPECT_TRUE(t.resizing());
  EXPECT_TRUE(t.MigrateIdle(KeyTable::kMigrateBuckets));  // no change since: it moves on
  EXPECT_TRUE(t.resizing());
  EXPECT_FALSE(t.MigrateIdle(size_t{1} << 20));  // no change since: it finishes the move
  EXPECT_FALSE(t.resizing());
  for (int i = 0; i < next; ++i) ASSERT_NE(t.Find(Key(i), HashKey(Key(i))), nullptr) << Key(i);
}

// Large bucket arrays are mapped outside the allocator; memory reports add MappedBytes.
TEST(KeyTableTest, LargeBucketArraysAreCounted) {
  const uint64_t before = KeyTable::MappedBytes();
  {
    KeyTable t;
    for (int i = 0; i < 20000; ++i) Add(t, Key(i));
    while (t.MigrateStep(1 << 20)) {
    }
    EXPECT_EQ(KeyTable::MappedBytes() - before, t.bucket_count() * sizeof(Entry*));
    KeyTable moved(std::move(t));
    EXPECT_EQ(KeyTable::MappedBytes() - before, moved.bucket_count() * sizeof(Entry*));
    for (int i = 0; i < 20000; i += 3) ASSERT_NE(moved.Find(Key(i), HashKey(Key(i))), nullptr);
    int i = 0;
    while (moved.bucket_count() * sizeof(Entry*) >= (64 << 10) || moved.resizing())
      ASSERT_TRUE(Remove(moved, Key(i++)));  // shrinks below the mapped size
    EXPECT_EQ(KeyTable::MappedBytes(), before);
  }
  EXPECT_EQ(KeyTable::MappedBytes(), before);
}

// A walk in pieces over a frozen table (a snapshot's copy): the table stays as it is whatever
// changes come between the pieces, each entry is visited at its bucket's position, and an
// entry present throughout is visited exactly once; thawed, the table grows and moves again.
TEST(KeyTableTest, FrozenTableWalkedInPieces) {
  for (bool resizing : {true, false}) {
    SCOPED_TRACE(resizing ? "between two arrays" : "one array");
    int next = 0;
    KeyTable t = TableJustResized(&next);
    if (!resizing)
      while (t.resizing()) Add(t, Key(next++));
    ASSERT_EQ(t.resizing(), resizing);
    const size_t buckets = t.bucket_count();
    const size_t positions = t.positions();
    EXPECT_EQ(positions, resizing ? buckets + buckets / 2 : buckets);
    std::set<std::string> throughout;
    for (int i = 0; i < next; ++i) throughout.insert(Key(i));
    t.Freeze();
    std::map<std::string, int> seen;
    size_t pos = 0, pieces = 0;
    int added = 0, removed = 0;
    while (pos < positions) {
      std::vector<size_t> at;
      pos = t.ForEachFrom(pos, 1, [&](const Entry* e) {
        ++seen[std::string(e->key())];
        at.push_back(t.PositionOf(HashKey(e->key())));
      });
      // A budget of 1: one non-empty bucket per piece, the one just before the new position.
      for (size_t p : at) ASSERT_EQ(p + 1, pos);
      ++pieces;
      // Changes between pieces: far more inserts than the table's growth fill.
      for (int j = 0; j < 8; ++j) Add(t, "new:" + std::to_string(added++));
      if (removed < next && (pieces % 2) == 0) {
        ASSERT_TRUE(Remove(t, Key(removed)));
        throughout.erase(Key(removed++));
      }
      ASSERT_EQ(t.bucket_count(), buckets);
      ASSERT_EQ(t.resizing(), resizing);
      ASSERT_EQ(t.positions(), positions);
      ASSERT_FALSE(t.MigrateIdle(64));
    }
    EXPECT_EQ(pos, positions);
    for (const auto& k : throughout) EXPECT_EQ(seen[k], 1) << k;
    for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
    EXPECT_GT(t.size(), buckets * 3 / 2);  // past the highest fill at which it would grow
    t.Thaw();
    Add(t, "thawed");
    EXPECT_TRUE(t.resizing() || t.bucket_count() > buckets);
    for (const auto& k : throughout) ASSERT_NE(t.Find(k, HashKey(k)), nullptr) << k;
  }
}

// ForEachFrom stops after whole buckets once the budget is spent, and positions match.
TEST(KeyTableTest, ForEachFromVisitsWholeBucketsAtTheirPositions) {
  int next = 0;
  KeyTable t = TableJustResized(&next);
  for (int i = 0; i < 40; ++i) Add(t, Key(next++));  // some of the old array moved
  ASSERT_TRUE(t.resizing());
  t.Freeze();
  size_t pos = 0, total = 0;
  while (pos < t.positions()) {
    size_t n = 0;
    size_t lo = SIZE_MAX, hi = 0;
    const size_t from = pos;
    pos = t.ForEachFrom(pos, 5, [&](const Entry* e) {
      const size_t p = t.PositionOf(HashKey(e->key()));
      lo = std::min(lo, p);
      hi = std::max(hi, p);
      ++n;
    });
    total += n;
    ASSERT_GT(pos, from);
    if (n != 0) {
      EXPECT_GE(lo, from);
      EXPECT_LT(hi, pos);
      EXPECT_EQ(hi + 1, pos);  // it stopped right after the bucket that spent the budget
    }
    if (pos < t.positions()) {
      EXPECT_GE(n, 5u);
    }
  }
  EXPECT_EQ(total, t.size());
  t.Thaw();
}

TEST(KeyTableTest, ClearWhileResizing) {
  int next = 0;
  KeyTable t = TableJustResized(&next);
  ASSERT_TRUE(t.resizing());
  t.Freeze();
  t.Clear();  // frees the entries of both arrays (leaks show under ASan), thaws
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.resizing());
  EXPECT_EQ(t.bucket_count(), 0u);
  EXPECT_FALSE(t.frozen());
  Add(t, "after");
  EXPECT_NE(t.Find("after", HashKey("after")), nullptr);
}

}  // namespace
}  // namespace ember
