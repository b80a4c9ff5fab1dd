#include "persist/background_snapshot.h"

#include <algorithm>
#include <utility>

#include "base/strutil.h"
#include "base/thread.h"
#include "persist/aof_propagate.h"
#include "persist/aof_rewrite.h"
#include "persist/file.h"
#include "persist/rdb_writer.h"

namespace ember::persist {

namespace {
// Write to the file every ~256 KB: one write() of the page cache is not preemptible here, and
// a core shared with an event loop must come back to it soon.
constexpr size_t kFlushBytes = 256 << 10;
// Start the disk writes every 4 MB (as Redis's rdb-save-incremental-fsync does), so that the
// commit's fsync has little left to do.
constexpr size_t kWritebackBytes = 4 << 20;

// A walk_chunk of 0 acts as 1: every piece copies something.
BackgroundSnapshotOptions WithProgress(BackgroundSnapshotOptions o) {
  o.walk_chunk = std::max<size_t>(o.walk_chunk, 1);
  return o;
}
}  // namespace

BackgroundSnapshot::BackgroundSnapshot(Keyspace& ks, BackgroundSnapshotOptions opts)
    : ks_(ks), opts_(WithProgress(std::move(opts))) {}

std::unique_ptr<BackgroundSnapshot> BackgroundSnapshot::Start(Keyspace& ks,
                                                              BackgroundSnapshotOptions opts) {
  std::unique_ptr<BackgroundSnapshot> s(new BackgroundSnapshot(ks, std::move(opts)));
  StoreHooks& hooks = ks.hooks();
  s->epoch_ = ++hooks.snapshot_epoch;
  const int n = ks.num_dbs();
  s->early_.resize(static_cast<size_t>(n));
  for (int d = 0; d < n; ++d) {
    uint64_t keys = 0, expires = 0;
    for (size_t i = 0; i < Database::kPartitions; ++i) {
      Partition& p = ks.db(d).partition(i);
      keys += p.table.size();
      expires += p.volatile_keys.load();
    }
    s->db_keys_.push_back(keys);
    s->db_expires_.push_back(expires);
    if (keys == 0)  // nothing to keep for the image: writers go on as if it were written
      for (size_t i = 0; i < Database::kPartitions; ++i)
        ks.db(d).partition(i).snapshot_epoch = s->epoch_;
  }
  s->kept_.resize(static_cast<size_t>(n) * Database::kPartitions);
  s->origin_ = std::make_unique<std::atomic<int>[]>(static_cast<size_t>(n));
  s->where_ = std::make_unique<std::atomic<int>[]>(static_cast<size_t>(n));
  for (int d = 0; d < n; ++d) {
    s->origin_[static_cast<size_t>(d)].store(d);
    s->where_[static_cast<size_t>(d)].store(d);
  }
  hooks.barrier.store(s.get(), std::memory_order_release);
  s->thread_ = std::thread([p = s.get()] { p->Run(); });
  return s;
}

BackgroundSnapshot::~BackgroundSnapshot() {
  Join();
  for (auto& db : early_)  // an aborted walk may leave some behind
    for (Early& early : db) FreeEarly(early, nullptr);
  for (auto& kept : kept_)
    if (kept)
      for (auto& [key, e] : *kept)
        if (e != nullptr) FreeEntry(e);
}

void BackgroundSnapshot::AbortWalk() {
  Abort();
  std::unique_lock lk(mu_);
  walk_over_cv_.wait(lk, [this] { return walk_over_; });
}

void BackgroundSnapshot::Join() {
  if (thread_.joinable()) thread_.join();
}

void BackgroundSnapshot::Retire() {
  WriteBarrier* self = this;
  ks_.hooks().barrier.compare_exchange_strong(self, nullptr);
}

std::string BackgroundSnapshot::error() const {
  return done() ? error_ : std::string("still running");
}

SnapshotStats BackgroundSnapshot::stats() const { return done() ? stats_ : SnapshotStats{}; }

void BackgroundSnapshot::Encode(const Entry* e, RdbWriter* rdb, std::string* resp) {
  if (opts_.rdb) {
    rdb->WriteEntry(e);  // strings always encode; a type without an encoder is skipped
  } else {
    AppendEntryCommands(*e, resp);
  }
}

std::unique_ptr<BackgroundSnapshot::KeptKeys>& BackgroundSnapshot::KeptOf(Partition& p) {
  return kept_[OriginOf(p) * Database::kPartitions + IndexOf(p)];
}

Entry* BackgroundSnapshot::CopyOf(const Entry* e) {
  EntryInit init{.key = e->key(),
                 .has_expire = e->has_expire(),
                 .expire_ms = e->has_expire() ? e->expire_ms() : 0,
                 .access_time = e->access_time()};
  return CloneEntry(e, init);
}

size_t BackgroundSnapshot::CopyBuckets(Partition& p, size_t from, size_t budget,
                                       std::vector<Entry*>* out, uint64_t* bytes) {
  const KeptKeys* kept = KeptOf(p).get();
  return p.table.ForEachFrom(from, budget, [&](const Entry* e) {
    if (!Wanted(e, kept)) return;
    out->push_back(CopyOf(e));
    *bytes += EntryAllocSize(out->back());
  });
}

std::unique_ptr<BackgroundSnapshot::KeptKeys> BackgroundSnapshot::Capture(Partition& p,
                                                                          std::vector<Entry*>* out,
                                                                          uint64_t* bytes) {
  p.snapshot_epoch = epoch_;
  EndWalk(p);
  std::unique_ptr<KeptKeys> kept = std::move(KeptOf(p));
  if (kept) {
    for (auto& [key, e] : *kept) {
      if (e == nullptr) continue;  // did not exist at the start
      *bytes += EntryAllocSize(e);
      out->push_back(std::exchange(e, nullptr));
    }
  }
  return kept;
}

uint64_t BackgroundSnapshot::TakePartition(Partition& p, size_t from, std::vector<Entry*>* out) {
  uint64_t bytes = 0;
  if (from == 0) out->reserve(out->size() + p.table.size());
  CopyBuckets(p, from, SIZE_MAX, out, &bytes);
  Capture(p, out, &bytes);
  return bytes;
}

void BackgroundSnapshot::EndWalk(Partition& p) {
  if (walking_.load(std::memory_order_relaxed) != &p) return;
  p.table.Thaw();
  walking_.store(nullptr, std::memory_order_relaxed);
}

void BackgroundSnapshot::BeforeWrite(Partition& p) {
  if (p.snapshot_epoch == epoch_ || done_.load(std::memory_order_relaxed)) return;
  Early early;
  uint64_t bytes = TakePartition(p, WalkPosOf(p), &early.copies);
  if (early.copies.empty()) return;
  std::lock_guard lk(mu_);
  early_bytes_ += bytes;
  early_[OriginOf(p)].push_back(std::move(early));
}

bool BackgroundSnapshot::BeforeSwap(Database& a, Database& b) {
  // Every partition of a and b is locked: the walk is between two pieces, if in one of them.
  const auto ia = static_cast<size_t>(a.index()), ib = static_cast<size_t>(b.index());
  const int oa = origin_[ia].load(std::memory_order_relaxed);
  const int ob = origin_[ib].load(std::memory_order_relaxed);
  origin_[ia].store(ob, std::memory_order_relaxed);
  origin_[ib].store(oa, std::memory_order_relaxed);
  where_[static_cast<size_t>(oa)].store(b.index(), std::memory_order_relaxed);
  where_[static_cast<size_t>(ob)].store(a.index(), std::memory_order_relaxed);
  // A frozen table walked in pieces moves frozen, its positions unchanged.
  if (Partition* w = walking_.load(std::memory_order_relaxed);
      w != nullptr && (w->owner == &a || w->owner == &b)) {
    Database& to = w->owner == &a ? b : a;
    walking_.store(&to.partition(IndexOf(*w)), std::memory_order_relaxed);
  }
  return true;
}

bool BackgroundSnapshot::TakeTable(Partition& p) {
  if (p.snapshot_epoch == epoch_ || done_.load(std::memory_order_relaxed)) return false;
  std::lock_guard lk(mu_);
  if (walk_over_) return false;  // aborted (else every partition was captured): nothing to keep
  Early early;
  early.from = WalkPosOf(p);
  early.kept = Capture(p, &early.copies, &early_bytes_);
  early.table = std::make_unique<KeyTable>(std::move(p.table));
  early_[OriginOf(p)].push_back(std::move(early));
  return true;
}

void BackgroundSnapshot::WriteEarly(const Early& early, RdbWriter& w,
                                    const std::function<void()>& flush, YieldPoint& yield) {
  std::string resp;
  size_t since_flush = 0;
  auto write = [&](const Entry* e) {
    Encode(e, &w, &resp);
    yield.Step();
    if (++since_flush < 1024) return;  // a table taken whole may hold millions
    since_flush = 0;
    w.Raw(resp);
    resp.clear();
    flush();
  };
  for (const Entry* e : early.copies) write(e);
  if (early.table) {
    const KeptKeys* kept = early.kept.get();
    early.table->ForEachFrom(early.from, SIZE_MAX, [&](const Entry* e) {
      if (Wanted(e, kept)) write(e);
    });
  }
  w.Raw(resp);
  flush();
}

uint64_t BackgroundSnapshot::FreeEarly(Early& early, YieldPoint* yield) {
  uint64_t freed = 0;
  for (Entry* e : early.copies) {
    freed += EntryAllocSize(e);
    FreeEntry(e);
    if (yield) yield->Step();
  }
  early.copies.clear();
  if (early.table) early.table->Clear(yield);
  early.table.reset();
  return freed;
}

void BackgroundSnapshot::BeforeWriteKey(Partition& p, std::string_view key, uint64_t hash) {
  if (p.snapshot_epoch == epoch_ || done_.load(std::memory_order_relaxed)) return;
  std::unique_ptr<KeptKeys>& kept = KeptOf(p);
  if (kept && kept->find(key) != kept->end()) return;  // kept by an earlier write: as at the start
  // Behind the position of a walk of p: copied as it was, or inserted since (not in the image).
  if (walking_.load(std::memory_order_relaxed) == &p && p.table.PositionOf(hash) < walk_pos_)
    return;
  if (!kept) kept = std::make_unique<KeptKeys>();
  const Entry* e = p.table.Find(key, hash);
  kept->emplace(std::string(key), e != nullptr && Live(e) ? CopyOf(e) : nullptr);
}

void BackgroundSnapshot::WalkPartition(int d, size_t i, std::vector<Entry*>* copy,
                                       YieldPoint* yield) {
  size_t pos = 0;
  while (true) {
    {
      Partition& p =
          ks_.db(where_[static_cast<size_t>(d)].load(std::memory_order_relaxed)).partition(i);
      std::lock_guard lk(p.mu);
      if (OriginOf(p) != static_cast<size_t>(d)) continue;  // swapped meanwhile: look again
      if (p.snapshot_epoch == epoch_) return;  // empty at the start, or a writer took the rest
      if (abort_.load(std::memory_order_relaxed)) {
        EndWalk(p);
        return;
      }
      if (walking_.load(std::memory_order_relaxed) != &p) {  // the first piece
        if (p.table.size() <= opts_.walk_chunk) {
          TakePartition(p, 0, copy);
          return;
        }
        copy->reserve(p.table.size());
        p.table.Freeze();
        walking_.store(&p, std::memory_order_relaxed);
      }
      uint64_t bytes = 0;
      pos = CopyBuckets(p, pos, opts_.walk_chunk, copy, &bytes);
      if (pos >= p.table.positions()) {
        TakePartition(p, pos, copy);
        return;
      }
      walk_pos_ = pos;
    }
    if (opts_.between_pieces) opts_.between_pieces(d, i);
    yield->Check();  // the lock is free: an event loop waiting for it, or for the core, runs
  }
}

void BackgroundSnapshot::Run() {
  SetThreadName("ember-save");
  // Below the event loops (they are woken first when a client's request arrives, even on a
  // shared core), but not so far below that a save under sustained load never ends: at nice 5
  // a saturated core still gives the walk a quarter of its time.
  SetBackgroundThread(5);
  std::string err;
  {
    AtomicFileWriter file(FileSystem::Default(), opts_.path, opts_.temp_path);
    err = file.Open();
    RdbWriteOptions wo = opts_.snapshot.rdb;
    if (!opts_.rdb) wo.checksum = false;
    RdbWriter w(wo);
    if (opts_.rdb) WriteRdbPreamble(w, opts_.snapshot);
    uint64_t peak_early = 0;
    size_t unsynced = 0;  // bytes appended since the last StartWriteback
    auto flush = [&](bool force) {
      if (!err.empty()) return;
      const size_t n = w.buffer().size();
      if (n == 0 || (!force && n < kFlushBytes)) return;
      unsynced += n;
      err = file.Append(w.TakeBuffer());
      if (err.empty() && unsynced >= kWritebackBytes) {
        file.StartWriteback();
        unsynced = 0;
      }
    };
    // A partition of a large keyspace takes a millisecond or more to encode: give a core
    // shared with an event loop back every 100 µs or so.
    YieldPoint yield;
    // Partitions writers copied for database d, in whatever order they came.
    auto drain = [&](size_t d) {
      std::vector<Early> taken;
      {
        std::lock_guard lk(mu_);
        if (early_[d].empty()) return;
        taken.swap(early_[d]);
        peak_early = std::max(peak_early, early_bytes_);
      }
      uint64_t freed = 0;
      for (Early& early : taken) {
        WriteEarly(
            early, w, [&] { flush(false); }, yield);
        freed += FreeEarly(early, &yield);
      }
      std::lock_guard lk(mu_);
      early_bytes_ -= freed;
    };
    for (int d = 0; d < ks_.num_dbs() && err.empty(); ++d) {
      const size_t di = static_cast<size_t>(d);
      // Empty at the start: nothing to write (what writers add later is not in the image;
      // their BeforeWrite captures the empty partitions).
      if (db_keys_[di] == 0) continue;
      if (opts_.rdb) {
        w.SelectDb(d, db_keys_[di], db_expires_[di]);
      } else {
        std::string n = Int64ToString(d);
        std::string_view select[] = {"SELECT", n};
        std::string cmd;
        AppendRespCommand(&cmd, std::span<const std::string_view>(select));
        w.Raw(cmd);
      }
      for (size_t i = 0; i < Database::kPartitions && err.empty(); ++i) {
        if (abort_.load(std::memory_order_relaxed)) {
          err = "aborted";
          break;
        }
        // Copy under the lock, encode after it: a writer never waits for LZF.
        std::vector<Entry*> copy;
        WalkPartition(d, i, &copy, &yield);
        std::string resp;
        for (Entry* e : copy) {
          Encode(e, &w, &resp);
          FreeEntry(e);
          yield.Step();
        }
        yield.Check();
        if (!resp.empty()) w.Raw(resp);
        flush(false);
        if ((i & 63) == 63) drain(di);
      }
      drain(di);  // every partition of d is captured now: nothing more can come for it
    }
    {
      std::lock_guard lk(mu_);
      walk_over_ = true;  // the keyspace is not touched any more
      walk_over_cv_.notify_all();
    }
    if (err.empty()) {
      if (opts_.rdb) w.Finish();
      flush(true);
    }
    if (err.empty()) err = file.Commit();  // fsync and rename; on failure the temp file goes
    stats_.bytes = w.bytes_written();
    stats_.keys = 0;
    for (uint64_t k : db_keys_) stats_.keys += k;
    stats_.peak_buffered = peak_early;
    // After an abort, what writers took is freed here, off the event loops (a FLUSHALL's
    // tables can hold millions of entries).
    std::vector<Early> left;
    {
      std::lock_guard lk(mu_);  // after walk_over_: no more tables come (copies may)
      for (auto& db : early_) {
        for (Early& early : db) left.push_back(std::move(early));
        db.clear();
      }
    }
    for (Early& early : left) FreeEarly(early, &yield);
  }
  error_ = err;
  done_.store(true, std::memory_order_release);
}

}  // namespace ember::persist
