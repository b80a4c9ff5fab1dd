// A Redis database (SELECT index) split into partitions, each with its own lock and table,
// and the Keyspace holding all databases.
//
// Locking contract: methods taking a key require the caller to hold that key's partition
// lock (the dispatcher locks every partition a command's keys hash to, in address order,
// before the handler runs; see LockSet). Whole-database methods lock partitions themselves,
// one at a time, and must be called with no partition lock held.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "base/hash.h"
#include "store/entry.h"
#include "store/key_table.h"

namespace ember {

struct Partition {
  std::mutex mu;
  KeyTable table;
  size_t volatile_keys = 0;    // entries with an expire time
  uint64_t expire_cursor = 0;  // where the active expiry cycle resumes
};

// 24-bit seconds clock stored in entries for OBJECT IDLETIME.
inline uint32_t LruClock(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000) & 0xffffff; }

class Database {
 public:
  static constexpr int kPartitionBits = 10;
  static constexpr size_t kPartitions = size_t{1} << kPartitionBits;
  static size_t PartitionIndex(uint64_t hash) { return hash >> (64 - kPartitionBits); }

  Database() : parts_(std::make_unique<Partition[]>(kPartitions)) {}

  Partition& partition(size_t i) { return parts_[i]; }
  Partition& PartitionFor(std::string_view key) { return parts_[PartitionIndex(HashKey(key))]; }

  // ---- Per-key operations: the key's partition lock must be held. ----

  // The live entry for key or nullptr. An expired entry is deleted here (lazy expiry).
  // Unless no_touch, refreshes the entry's access time.
  Entry* Find(std::string_view key, int64_t now_ms, bool no_touch = false);
  // Same, returning the link so the caller can replace or unlink the entry.
  Entry** FindLink(std::string_view key, int64_t now_ms, bool no_touch = false);
  // Adds an entry for a key that is absent (after Find returned nullptr).
  void Insert(Entry* e);
  // Replaces the entry at link (same key) by e and frees the old one.
  void Replace(Entry** link, Entry* e);
  // Removes and frees the entry at link.
  void Erase(Entry** link);
  // Deletes key if present and live; returns whether it existed.
  bool Delete(std::string_view key, int64_t now_ms);
  // Sets or clears the expire time of the entry at link; may reallocate it.
  Entry* SetExpire(Entry** link, bool has_expire, int64_t expire_ms);
  // Removes the entry at link from the table without freeing it (RENAME/MOVE reuse it).
  Entry* Detach(Entry** link);

  // ---- Whole-database operations: lock partitions themselves. ----
  size_t Size();
  size_t VolatileSize();
  // Removes every key; the entries are freed by the returned callable (run it after
  // releasing locks, or on a background thread for FLUSHALL ASYNC).
  std::function<void()> TakeAll();
  // Visits one SCAN step from `cursor` with each partition locked while visited; calls fn for
  // live entries. Returns the next cursor, 0 when the iteration is complete.
  uint64_t Scan(uint64_t cursor, size_t count, int64_t now_ms,
                const std::function<void(const Entry*)>& fn);
  // Active expiry over up to `budget` buckets; returns number of keys deleted.
  size_t ExpireCycle(int64_t now_ms, size_t budget, size_t* sampled, int64_t* ttl_sum);
  // Exchanges the contents of two databases (SWAPDB); locks every partition of both.
  static void SwapContents(Database& a, Database& b);

  std::atomic<uint64_t> expired_keys{0};  // lazily or actively expired
  std::atomic<int64_t> avg_ttl_ms{0};      // estimate from the expiry cycle's samples

 private:
  void CountExpire(bool had, bool has, Partition& p);

  std::unique_ptr<Partition[]> parts_;
  size_t expire_partition_ = 0;  // active expiry's partition cursor (cron thread only)
};

class Keyspace {
 public:
  explicit Keyspace(int num_dbs);
  int num_dbs() const { return static_cast<int>(dbs_.size()); }
  Database& db(int i) { return *dbs_[static_cast<size_t>(i)]; }

 private:
  std::vector<std::unique_ptr<Database>> dbs_;
};

// Locks a set of partitions in a global order (by address) so multi-key commands never
// deadlock. Releases on destruction.
class LockSet {
 public:
  LockSet() = default;
  ~LockSet() { Unlock(); }
  LockSet(const LockSet&) = delete;
  LockSet& operator=(const LockSet&) = delete;
  void Add(Partition* p) { parts_.push_back(p); }
  void AddKey(Database& db, std::string_view key) { Add(&db.PartitionFor(key)); }
  void Lock();
  void Unlock();
  bool empty() const { return parts_.empty(); }

 private:
  std::vector<Partition*> parts_;
  size_t locked_ = 0;
};

}  // namespace ember
