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
#include <string>
#include <string_view>
#include <vector>

#include "base/hash.h"
#include "store/entry.h"
#include "store/key_table.h"

namespace ember {

// A count written only under the partition lock but read without it (the expiry cycle skips
// partitions that have no volatile keys without locking them). Relaxed loads and stores: the
// lock orders the writers, the lock-free reader only needs a recent value.
class PartitionCount {
 public:
  size_t load() const { return v_.load(std::memory_order_relaxed); }
  void store(size_t n) { v_.store(n, std::memory_order_relaxed); }
  void Inc() { store(load() + 1); }
  void Dec() { store(load() - 1); }

 private:
  std::atomic<size_t> v_{0};
};

class Database;

// One cache line holds the lock and the table's header (what a lookup touches first).
struct alignas(64) Partition {
  std::mutex mu;
  KeyTable table;
  PartitionCount volatile_keys;  // entries with an expire time
  uint64_t expire_cursor = 0;    // where the active expiry cycle resumes
  uint64_t snapshot_epoch = 0;   // the last snapshot that has this partition (under mu)
  Database* owner = nullptr;     // set by Database
};

// A point-in-time snapshot being written without fork (persist/background_snapshot.h): told
// before a partition (or one key of it) is modified, with the partition's lock held, so it
// can keep what the snapshot needs as it was when the snapshot began. Expired keys deleted on
// access or by the expiry cycle are not modifications in this sense (no snapshot taken later
// could hold them either).
class WriteBarrier {
 public:
  virtual ~WriteBarrier() = default;
  // The whole partition may change (FLUSHALL, SWAPDB, commands with their own lock sets).
  virtual void BeforeWrite(Partition& p) = 0;
  // Only `key` (present or not; HashKey(key) is `hash`) may change.
  virtual void BeforeWriteKey(Partition& p, std::string_view key, uint64_t hash) = 0;
  // p's whole table is about to be removed (FLUSHALL, FLUSHDB). The barrier may take the
  // table itself instead of copying what it needs (returns true: p.table is then empty and
  // the barrier frees the entries); false: BeforeWrite(p) was done, the caller frees them.
  virtual bool TakeTable(Partition& p) {
    BeforeWrite(p);
    return false;
  }
  // Every partition of a and of b (all locked) is about to swap contents with its
  // counterpart (SWAPDB). The barrier may follow the contents to their new places instead of
  // copying what it needs (returns true); false: the caller does BeforeWrite for each.
  virtual bool BeforeSwap(Database& a, Database& b) { return false; }
};

// 24-bit seconds clock stored in entries for OBJECT IDLETIME.
inline uint32_t LruClock(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 1000) & 0xffffff; }

// Seconds since the entry's access time (OBJECT IDLETIME), modulo the 24-bit clock.
inline uint32_t IdleSeconds(const Entry* e, int64_t now_ms) {
  return (LruClock(now_ms) - e->access_time()) & 0xffffff;
}

// How key accesses are recorded, shared by every database of a keyspace. The server sets it
// from maxmemory-policy, lfu-log-factor and lfu-decay-time. Under LFU an access bumps the
// entry's logarithmic counter (freq) and the access time doubles as the counter's last
// decay time, as in Redis (OBJECT IDLETIME is then refused).
struct AccessPolicy {
  std::atomic<bool> lfu{false};
  std::atomic<int> lfu_log_factor{10};
  std::atomic<int> lfu_decay_time{1};  // minutes per decrement; 0 never decays
};

// Told about every key the store deletes because it expired (lazily on access or by the
// active cycle), with the key's partition lock held, so the AOF can log a DEL in the order
// the key changed (a replay must not see the key live where the original run did not).
class ExpiryObserver {
 public:
  virtual ~ExpiryObserver() = default;
  virtual void KeyExpired(int db, std::string_view key) = 0;
};

// Settings shared by the databases of a keyspace, set before clients are served.
struct StoreHooks {
  std::atomic<ExpiryObserver*> expiry_observer{nullptr};
  // While an AOF is replayed nothing expires (as in Redis): the log already holds a DEL for
  // each key that expired while it was written, and a later command may depend on a key
  // whose time has passed since (SET k v PXAT t; INCR k).
  std::atomic<bool> expiry_paused{false};
  // The snapshot in progress, if any; set and cleared with every partition locked.
  std::atomic<WriteBarrier*> barrier{nullptr};
  uint64_t snapshot_epoch = 0;  // the latest snapshot's number (changed with all locked)
};

// Redis's LFU_INIT_VAL: the counter of a new key.
inline constexpr uint8_t kLfuInitVal = 5;
// The counter after decay for the time since the entry's access time (OBJECT FREQ).
uint8_t LfuDecayed(const Entry* e, int64_t now_ms, int decay_time);
// Counter after one access: +1 with probability 1 / ((counter - init) * log_factor + 1).
// `rnd` is a uniformly random 64-bit number.
uint8_t LfuIncrement(uint8_t counter, int log_factor, uint64_t rnd);

// Moves src's value into a new entry built from init (new key and/or expire), keeping the
// encoding and the LFU counter, and frees src's memory without freeing its value: RENAME and
// expire changes cost O(1) for collections instead of a deep copy.
Entry* TransferEntry(Entry* src, const EntryInit& init);

class Database {
 public:
  static constexpr int kPartitionBits = 10;
  static constexpr size_t kPartitions = size_t{1} << kPartitionBits;
  static size_t PartitionIndex(uint64_t hash) { return hash >> (64 - kPartitionBits); }

  explicit Database(const AccessPolicy* policy = nullptr)
      : parts_(std::make_unique<Partition[]>(kPartitions)), policy_(policy) {
    for (size_t i = 0; i < kPartitions; ++i) {
      parts_[i].owner = this;
      // Spread over 0..255 in a scrambled order: neighbours grow at different fills.
      parts_[i].table.set_grow_jitter(static_cast<uint8_t>((i * 0x9E3779B1u) >> 24));
    }
  }

  Partition& partition(size_t i) { return parts_[i]; }
  // Where this database reports expired keys (Keyspace sets it); `index` is its number.
  void SetHooks(int index, StoreHooks* hooks) {
    index_ = index;
    hooks_ = hooks;
  }
  bool expiry_paused() const {
    return hooks_ != nullptr && hooks_->expiry_paused.load(std::memory_order_relaxed);
  }
  int index() const { return index_; }
  // The snapshot in progress, if any (see WriteBarrier).
  WriteBarrier* barrier() const {
    return hooks_ ? hooks_->barrier.load(std::memory_order_acquire) : nullptr;
  }
  // Call with p's lock held before modifying p (see WriteBarrier).
  void BeforeWrite(Partition& p) {
    if (WriteBarrier* b = barrier()) b->BeforeWrite(p);
  }
  // Call with key's partition locked before modifying key (and nothing else of it).
  void BeforeWriteKey(std::string_view key) {
    if (WriteBarrier* b = barrier()) {
      const uint64_t hash = HashKey(key);
      b->BeforeWriteKey(parts_[PartitionIndex(hash)], key, hash);
    }
  }
  Partition& PartitionFor(std::string_view key) { return parts_[PartitionIndex(HashKey(key))]; }

  // Cache hints for a key (by HashKey) that a command will look up soon, in passes over a
  // batch of keys so that their misses overlap (each pass needs what the previous one
  // loaded): PrefetchPartition starts loading the partition's lock and table header,
  // PrefetchSlot (no lock needed) the key's bucket slot, PrefetchHead the chain's first
  // entry, PrefetchNext the second when the first holds another key (these two are skipped
  // when another thread holds the partition's lock).
  void PrefetchPartition(uint64_t hash) const { __builtin_prefetch(&parts_[PartitionIndex(hash)]); }
  void PrefetchSlot(uint64_t hash) const { parts_[PartitionIndex(hash)].table.PrefetchSlot(hash); }
  void PrefetchHead(uint64_t hash) {
    IfUnlocked(hash, [&](const KeyTable& t) { t.PrefetchHead(hash); });
  }
  void PrefetchNext(std::string_view key, uint64_t hash) {
    IfUnlocked(hash, [&](const KeyTable& t) { t.PrefetchNext(key, hash); });
  }

  // ---- Per-key operations: the key's partition lock must be held. ----

  // The live entry for key or nullptr. An expired entry is deleted here (lazy expiry).
  // Unless no_touch, records an access (access time, or the LFU counter under LFU).
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
  // Sets or clears the expire time of the entry at link; may reallocate it (the link stays
  // valid and points at the returned entry). Collections are moved, never copied.
  Entry* SetExpire(Entry** link, bool has_expire, int64_t expire_ms);
  // Removes the entry at link from the table without freeing it (RENAME/MOVE reuse it).
  Entry* Detach(Entry** link);
  // Points link at `moved`, the entry that was at link before a realloc moved it (e.g.
  // ResizeStringValue); its key, expire flag and `next` came along: nothing freed or recounted.
  static void Relink(Entry** link, Entry* moved) { *link = moved; }
  // Records an access to e (what Find does unless no_touch).
  void Touch(Entry* e, int64_t now_ms);
  // The entry's LFU counter after decay (OBJECT FREQ).
  uint8_t Frequency(const Entry* e, int64_t now_ms) const;

  // ---- Whole-database operations: lock partitions themselves. ----
  size_t Size();
  size_t VolatileSize();
  // Removes every key atomically (all partitions locked at once); the entries are freed by
  // the returned callable (run it with no lock held, or on a background thread for
  // FLUSHALL ASYNC). *removed, if given, receives the number of keys taken. while_locked,
  // if given, runs with every partition still locked (to log the flush in order).
  std::function<void()> TakeAll(size_t* removed = nullptr,
                                const std::function<void()>& while_locked = {});
  // One SCAN step from `cursor`: calls fn for live entries of whole buckets until about
  // `count` were seen or count*10 (at least 100) non-empty buckets were visited. Returns the
  // next cursor, 0 when the iteration is complete. A full iteration returns every key that
  // was present from its start to its end at least once, however tables grow or shrink
  // between calls; keys may be returned more than once. fn must not touch the database.
  uint64_t Scan(uint64_t cursor, size_t count, int64_t now_ms,
                const std::function<void(const Entry*)>& fn);
  // Calls fn for every live entry, one partition locked at a time (KEYS).
  void ForEachLive(int64_t now_ms, const std::function<void(const Entry*)>& fn);
  // A random live key into *key (RANDOMKEY); expired keys met on the way are deleted. False
  // when the database is empty. `rnd` returns random numbers.
  bool RandomKey(int64_t now_ms, const std::function<uint64_t()>& rnd, std::string* key);
  // Active expiry: visits up to `budget` buckets of partitions that hold volatile keys,
  // resuming where the previous call stopped, and deletes expired entries. Holds a partition
  // lock for at most kExpireBucketsPerLock buckets and frees entries after releasing it.
  // Adds the volatile keys seen to *sampled and the TTL of the live ones to *ttl_sum; returns
  // the number deleted. Call from one thread at a time (the cron thread).
  size_t ExpireCycle(int64_t now_ms, size_t budget, size_t* sampled, int64_t* ttl_sum);
  static constexpr size_t kExpireBucketsPerLock = 64;
  // Active rehashing: a pass over the partitions moves the buckets of the tables that are
  // between two arrays (KeyTable's incremental resize, which otherwise advances only with
  // writes), at most kRehashBucketsPerLock under each lock, and leaves the tables that writes
  // moved on since the previous pass to them (KeyTable::MigrateIdle). A call moves up to
  // `budget` buckets and returns true if it ran out before the pass's end: the next call
  // resumes there. Call from one thread at a time (the cron thread).
  bool RehashStep(size_t budget);
  static constexpr size_t kRehashBucketsPerLock = 128;
  // Exchanges the contents of two databases (SWAPDB); locks every partition of both and
  // runs while_locked, if given, before unlocking.
  static void SwapContents(Database& a, Database& b,
                           const std::function<void()>& while_locked = {});

  std::atomic<uint64_t> expired_keys{0};  // lazily or actively expired
  std::atomic<int64_t> avg_ttl_ms{0};     // estimate from the expiry cycle's samples

 private:
  // fn(table of hash's partition) under its lock, unless another thread holds it (hints
  // never wait).
  template <typename Fn>
  void IfUnlocked(uint64_t hash, Fn&& fn) {
    Partition& p = parts_[PartitionIndex(hash)];
    if (!p.mu.try_lock()) return;
    fn(p.table);
    p.mu.unlock();
  }
  void CountExpire(bool had, bool has, Partition& p);
  void EraseExpired(Partition& p, Entry** link);

  // Whether e is past its expire time (never while expiry is paused).
  bool Expired(const Entry* e, int64_t now_ms) const {
    return e->has_expire() && e->expire_ms() <= now_ms && !expiry_paused();
  }
  void NotifyExpired(std::string_view key) {
    ExpiryObserver* o = hooks_ ? hooks_->expiry_observer.load(std::memory_order_acquire) : nullptr;
    if (o != nullptr) o->KeyExpired(index_, key);
  }

  std::unique_ptr<Partition[]> parts_;
  const AccessPolicy* policy_;  // nullptr: LRU
  StoreHooks* hooks_ = nullptr;
  int index_ = 0;
  size_t rehash_partition_ = 0;  // where RehashStep resumes
  size_t expire_partition_ = 0;  // active expiry's partition cursor (cron thread only)
};

class Keyspace {
 public:
  explicit Keyspace(int num_dbs);
  int num_dbs() const { return static_cast<int>(dbs_.size()); }
  Database& db(int i) { return *dbs_[static_cast<size_t>(i)]; }
  AccessPolicy& access_policy() { return policy_; }
  StoreHooks& hooks() { return hooks_; }

 private:
  AccessPolicy policy_;
  StoreHooks hooks_;
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
  void Add(Partition* p) {
    if (n_ < kInline) {
      inline_[n_++] = p;
    } else {
      if (more_.empty()) more_.assign(inline_, inline_ + kInline);
      more_.push_back(p);
      ++n_;
    }
  }
  void AddKey(Database& db, std::string_view key) { Add(&db.PartitionFor(key)); }
  void Lock();
  void Unlock();
  bool empty() const { return n_ == 0; }

 private:
  // Most commands touch one to a few keys: no allocation for them.
  static constexpr size_t kInline = 8;
  Partition** data() { return n_ <= kInline ? inline_ : more_.data(); }
  Partition* inline_[kInline];
  std::vector<Partition*> more_;
  size_t n_ = 0;
  size_t locked_ = 0;
};

}  // namespace ember
