// A point-in-time snapshot of the whole keyspace written by a background thread, without
// fork (BGSAVE, and the base of an AOF rewrite).
//
// Start() is called with every partition of every database locked: that instant is the
// snapshot's point in time. The thread then walks the partitions one at a time and copies the
// ones still "pending" (encoding them after the lock). A command about to modify a key of a
// pending partition (WriteBarrier::BeforeWriteKey, called with the partition's lock held)
// first keeps a copy of that key's entry as it was (or notes that it did not exist) once per
// snapshot; the walk takes those copies instead of what the table holds for the same keys, so
// the file is exactly the dataset at Start(). A writer's cost is one entry, not its partition
// (a partition copy at 10M keys is ~10K entries, ~1 ms: with writes spread over all
// partitions that stalled the event loop for tens of ms in a row).
//
// A partition larger than walk_chunk entries is copied in pieces of about that many, its lock
// released in between, so that a request for it waits for one piece (tens of µs), not for
// the whole copy (1-4 ms at 10M keys, which a probe of the latency benchmark met as the
// slowest reply of a BGSAVE). Meanwhile the partition's table is frozen (KeyTable::Freeze:
// no resize, no bucket moves), so the walk's position splits its keys into those already
// copied, whose writers need keep nothing (the copy holds them as they were), and the rest,
// kept as above.
// MOVE and COPY ... DB n keep their key of the other database the same way (they copied that
// key's whole partition until 2026-11-23: ~1-2 ms at 10M keys). FLUSHALL, FLUSHDB and SWAPDB
// copy nothing (copying ten million entries held every partition's lock, so every client,
// for seconds): the snapshot takes a flushed partition's table whole (TakeTable), writes what
// it needs of it and frees it; after a SWAPDB it follows each database's content to where it
// went (BeforeSwap: origin_, where_).
// There is no fork, so no page table copy that stalls every client and no copy-on-write of
// the whole heap.
//
// Output: an RDB file (dbfilename, or an AOF base with the RDB preamble) or RESP commands
// (an AOF base without it), written to a temporary file, fsynced and renamed (or left at
// `path` for FinishRewrite to install).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/hash.h"
#include "base/thread.h"
#include "persist/rdb_writer.h"
#include "persist/snapshot.h"
#include "store/database.h"

namespace ember::persist {

struct BackgroundSnapshotOptions {
  std::string path;       // the finished file
  std::string temp_path;  // where it is written first
  bool rdb = true;        // RDB; false: RESP commands (an AOF base without preamble)
  SnapshotOptions snapshot;
  int64_t now_ms = 0;  // the point in time: keys expired by then are left out
  // Entries copied per hold of a partition's lock (about 20-50 µs of copying; 0 acts as 1).
  size_t walk_chunk = 512;
  // Tests only: called between two pieces of a partition walked in pieces (database d's
  // content at the start, partition i), with no lock held; the walk waits for its return.
  std::function<void(int d, size_t i)> between_pieces;
};

class BackgroundSnapshot final : public WriteBarrier {
 public:
  // Call with every partition of every database of ks locked. Installs itself as the
  // keyspace's write barrier and starts the thread.
  static std::unique_ptr<BackgroundSnapshot> Start(Keyspace& ks, BackgroundSnapshotOptions opts);
  // Waits for the thread (Abort first to stop early). The barrier must have been removed
  // with every partition locked (Retire) before destruction.
  ~BackgroundSnapshot() override;

  void BeforeWrite(Partition& p) override;
  void BeforeWriteKey(Partition& p, std::string_view key, uint64_t hash) override;
  bool TakeTable(Partition& p) override;
  bool BeforeSwap(Database& a, Database& b) override;

  bool done() const { return done_.load(std::memory_order_acquire); }
  // After done(): "" or the error.
  std::string error() const;
  SnapshotStats stats() const;
  // Stops the walk; the temporary file is removed; done() follows soon.
  void Abort() { abort_.store(true); }
  // Abort, and wait only until the thread no longer touches the keyspace (its walk is over;
  // removing its temporary file, a few ms for a large one, may still be under way).
  void AbortWalk();
  void Join();
  // Removes the barrier: call with every partition locked (no writer can be inside
  // BeforeWrite then), before destroying a finished or aborted snapshot.
  void Retire();

 private:
  BackgroundSnapshot(Keyspace& ks, BackgroundSnapshotOptions opts);
  void Run();
  // Entries of one pending partition kept by writers, by key: the entry as it was at the
  // start (a copy), or nullptr if the key did not exist (or had expired) then.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return HashKey(k); }
  };
  using KeptKeys = std::unordered_map<std::string, Entry*, KeyHash, std::equal_to<>>;
  // Under p's lock, p pending: copies into *out the table's entries from position `from` on
  // that writers did not keep, about `budget` of them (whole buckets), adding their bytes to
  // *bytes; returns the position after the last bucket copied.
  size_t CopyBuckets(Partition& p, size_t from, size_t budget, std::vector<Entry*>* out,
                     uint64_t* bytes);
  // Under p's lock, p pending: moves the rest of p's content at the start into *out (copies
  // of the table's entries from position `from` on that writers did not keep, and the kept
  // ones), marks p captured and ends a walk of p in pieces; returns the bytes of the copies.
  uint64_t TakePartition(Partition& p, size_t from, std::vector<Entry*>* out);
  // Under p's lock, p pending: marks p captured, ends a walk of p in pieces, and moves the
  // entries writers kept that existed at the start into *out, adding their bytes to *bytes;
  // returns the keys writers kept (their entries moved out), which the table's lack.
  std::unique_ptr<KeptKeys> Capture(Partition& p, std::vector<Entry*>* out, uint64_t* bytes);
  // Under p's lock: ends a walk of p in pieces, if one is under way (its table thawed).
  void EndWalk(Partition& p);
  // Under p's lock: where a walk of p in pieces has reached (it has the buckets before), or 0.
  size_t WalkPosOf(const Partition& p) const {
    return walking_.load(std::memory_order_relaxed) == &p ? walk_pos_ : 0;
  }
  static size_t IndexOf(const Partition& p) {
    return static_cast<size_t>(&p - &p.owner->partition(0));
  }
  // The walk's copy of partition i of database d as it was at the start (wherever SWAPDB
  // moved it since) into *copy: at once when small, else in pieces of walk_chunk entries,
  // checking `yield` between them with the lock released. Returns when it is captured (by the
  // walk or by a writer's BeforeWrite), or on Abort.
  void WalkPartition(int d, size_t i, std::vector<Entry*>* copy, YieldPoint* yield);
  // The database whose content at the start p holds (under p's lock).
  size_t OriginOf(const Partition& p) const {
    return static_cast<size_t>(
        origin_[static_cast<size_t>(p.owner->index())].load(std::memory_order_relaxed));
  }
  // p's content's slot in kept_ (under p's lock).
  std::unique_ptr<KeptKeys>& KeptOf(Partition& p);
  // A copy of e as the snapshot keeps it (key, value, expiry, access time).
  static Entry* CopyOf(const Entry* e);
  bool Live(const Entry* e) const { return !e->has_expire() || e->expire_ms() > opts_.now_ms; }
  // Whether the image takes e from its table: live at the start and not changed since (the
  // kept copy is used then).
  bool Wanted(const Entry* e, const KeptKeys* kept) const {
    return Live(e) && (kept == nullptr || kept->count(e->key()) == 0);
  }

  Keyspace& ks_;
  const BackgroundSnapshotOptions opts_;
  uint64_t epoch_ = 0;
  std::vector<uint64_t> db_keys_, db_expires_;  // at the start (RESIZEDB hints)
  // Per database (as at the start) and partition, each guarded by its partition's lock.
  std::vector<std::unique_ptr<KeptKeys>> kept_;
  // After SWAPDBs: origin_[d] is the database whose content at the start database d now
  // holds, where_[o] the database holding o's. Changed with every partition of both swapped
  // databases locked; read under one of them, or (where_) as a hint checked under it.
  std::unique_ptr<std::atomic<int>[]> origin_, where_;
  // The partition the walk is copying in pieces (its table frozen), and the position its
  // copy has reached. Both change only under that partition's lock: a writer holding p's lock
  // may compare walking_ with &p, and read walk_pos_ when they are equal.
  std::atomic<Partition*> walking_{nullptr};
  size_t walk_pos_ = 0;

  // What writers took of a pending partition before the walk came to it: copies of its
  // entries (BeforeWrite), or its whole table (TakeTable), of which the snapshot needs the
  // entries from position `from` on whose keys `kept` lacks (the kept entries that existed at
  // the start are moved to `copies`).
  struct Early {
    std::vector<Entry*> copies;  // owned
    std::unique_ptr<KeyTable> table;
    size_t from = 0;
    std::unique_ptr<KeptKeys> kept;
  };
  // What writers took, per database, waiting for the walk to encode it. A writer only copies
  // (one allocation per entry, tens of ns) or moves a table: encoding (RDB, LZF) and freeing
  // are the walk's work, off the event loops.
  std::mutex mu_;
  std::vector<std::vector<Early>> early_;
  uint64_t early_bytes_ = 0;  // of the copies
  // Encodes entries (live at the start) into *out.
  void Encode(const Entry* e, RdbWriter* rdb, std::string* resp);
  // Encodes what the image needs of what writers took into w, calling flush every 1024
  // entries or so (to write the buffer to the file) and at the end.
  void WriteEarly(const Early& early, RdbWriter& w, const std::function<void()>& flush,
                  YieldPoint& yield);
  // Frees what writers took; returns the copies' bytes.
  uint64_t FreeEarly(Early& early, YieldPoint* yield);

  std::atomic<bool> abort_{false};
  bool walk_over_ = false;  // under mu_, signalled by walk_over_cv_; no table is taken after
  std::condition_variable walk_over_cv_;
  std::atomic<bool> done_{false};
  std::string error_;  // written by the thread before done_
  SnapshotStats stats_;
  std::thread thread_;
};

}  // namespace ember::persist
