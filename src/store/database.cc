#include "store/database.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace ember {

namespace {

// Per-thread generator for the LFU counter's coin flips (no shared state on the hot path).
uint64_t ThreadRandom() {
  thread_local uint64_t s = 0x9e3779b97f4a7c15ULL ^ reinterpret_cast<uintptr_t>(&s);
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

}  // namespace

uint8_t LfuDecayed(const Entry* e, int64_t now_ms, int decay_time) {
  if (decay_time <= 0) return e->freq;
  uint32_t periods = IdleSeconds(e, now_ms) / 60 / static_cast<uint32_t>(decay_time);
  return periods >= e->freq ? 0 : static_cast<uint8_t>(e->freq - periods);
}

uint8_t LfuIncrement(uint8_t counter, int log_factor, uint64_t rnd) {
  if (counter == 255) return counter;
  double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
  double p = 1.0 / (base * std::max(log_factor, 0) + 1);
  double r = static_cast<double>(rnd >> 11) * 0x1.0p-53;
  return r < p ? static_cast<uint8_t>(counter + 1) : counter;
}

Entry* TransferEntry(Entry* src, const EntryInit& init) {
  Entry* n;
  if (src->type() != ValueType::kString) {
    n = NewObjectEntry(init, src->type(), src->encoding(),
                       std::unique_ptr<ValueObject>(src->object()));
  } else if (src->encoding() == Encoding::kInt) {
    n = NewIntEntry(init, src->int_value());
  } else {
    n = NewStringEntry(init, src->str_bytes(), src->encoding());
  }
  n->freq = src->freq;
  n->flags = static_cast<uint8_t>((src->flags & ~Entry::kHasExpire) |
                                  (init.has_expire ? Entry::kHasExpire : 0));
  free(src);  // the value now belongs to n
  return n;
}

void Database::Touch(Entry* e, int64_t now_ms) {
  if (policy_ != nullptr && policy_->lfu.load(std::memory_order_relaxed)) {
    uint8_t c = LfuDecayed(e, now_ms, policy_->lfu_decay_time.load(std::memory_order_relaxed));
    e->freq =
        LfuIncrement(c, policy_->lfu_log_factor.load(std::memory_order_relaxed), ThreadRandom());
  }
  e->set_access_time(LruClock(now_ms));
}

uint8_t Database::Frequency(const Entry* e, int64_t now_ms) const {
  int decay = policy_ ? policy_->lfu_decay_time.load(std::memory_order_relaxed) : 1;
  return LfuDecayed(e, now_ms, decay);
}

void Database::EraseExpired(Partition& p, Entry** link) {
  NotifyExpired((*link)->key());
  p.volatile_keys.Dec();
  FreeEntry(p.table.Unlink(link));
  expired_keys.fetch_add(1, std::memory_order_relaxed);
}

Entry** Database::FindLink(std::string_view key, int64_t now_ms, bool no_touch) {
  uint64_t h = HashKey(key);
  Partition& p = parts_[PartitionIndex(h)];
  Entry** link = p.table.FindLink(key, h);
  if (link == nullptr) return nullptr;
  Entry* e = *link;
  if (Expired(e, now_ms)) {
    EraseExpired(p, link);
    return nullptr;
  }
  if (!no_touch) Touch(e, now_ms);
  return link;
}

Entry* Database::Find(std::string_view key, int64_t now_ms, bool no_touch) {
  Entry** l = FindLink(key, now_ms, no_touch);
  return l ? *l : nullptr;
}

void Database::Insert(Entry* e) {
  uint64_t h = HashKey(e->key());
  Partition& p = parts_[PartitionIndex(h)];
  if (e->has_expire()) p.volatile_keys.Inc();
  p.table.Insert(e, h);
}

void Database::CountExpire(bool had, bool has, Partition& p) {
  if (had && !has) p.volatile_keys.Dec();
  if (!had && has) p.volatile_keys.Inc();
}

void Database::Replace(Entry** link, Entry* e) {
  Entry* old = *link;
  if (old == e) return;
  CountExpire(old->has_expire(), e->has_expire(), PartitionFor(e->key()));
  KeyTable::Replace(link, e);
  FreeEntry(old);
}

void Database::Erase(Entry** link) { FreeEntry(Detach(link)); }

Entry* Database::Detach(Entry** link) {
  Partition& p = PartitionFor((*link)->key());
  if ((*link)->has_expire()) p.volatile_keys.Dec();
  return p.table.Unlink(link);
}

bool Database::Delete(std::string_view key, int64_t now_ms) {
  Entry** link = FindLink(key, now_ms, true);
  if (link == nullptr) return false;
  Erase(link);
  return true;
}

Entry* Database::SetExpire(Entry** link, bool has_expire, int64_t expire_ms) {
  Entry* e = *link;
  if (e->has_expire() == has_expire) {
    if (has_expire) e->set_expire_ms(expire_ms);
    return e;
  }
  // The expire slot sits in the entry's header, so adding or removing it needs a new
  // allocation; the value itself is moved.
  CountExpire(e->has_expire(), has_expire, PartitionFor(e->key()));
  Entry* next = e->next;
  Entry* n = TransferEntry(e, EntryInit{e->key(), has_expire, expire_ms, e->access_time()});
  n->next = next;
  *link = n;
  return n;
}

size_t Database::Size() {
  size_t n = 0;
  for (size_t i = 0; i < kPartitions; ++i) {
    std::lock_guard lk(parts_[i].mu);
    n += parts_[i].table.size();
  }
  return n;
}

size_t Database::VolatileSize() {
  size_t n = 0;
  for (size_t i = 0; i < kPartitions; ++i) n += parts_[i].volatile_keys.load();
  return n;
}

std::function<void()> Database::TakeAll(size_t* removed,
                                        const std::function<void()>& while_locked) {
  // Lock every partition first so the flush is atomic for multi-key commands.
  for (size_t i = 0; i < kPartitions; ++i) parts_[i].mu.lock();
  auto tables = std::make_shared<std::vector<KeyTable>>();
  size_t n = 0;
  WriteBarrier* b = barrier();
  for (size_t i = 0; i < kPartitions; ++i) {
    n += parts_[i].table.size();
    // A snapshot in progress takes the tables it still needs whole (no copy under the locks:
    // ten million entries would stall every client for seconds) and frees them once written.
    const bool taken = b != nullptr && b->TakeTable(parts_[i]);
    if (!taken && parts_[i].table.bucket_count() != 0)
      tables->push_back(std::move(parts_[i].table));
    parts_[i].volatile_keys.store(0);
    parts_[i].expire_cursor = 0;
  }
  if (removed) *removed = n;
  if (while_locked) while_locked();
  for (size_t i = kPartitions; i > 0; --i) parts_[i - 1].mu.unlock();
  return [tables]() {
    YieldPoint yield;  // ten million frees must not hold a shared core for a whole tick
    for (KeyTable& t : *tables) t.Clear(&yield);
    tables->clear();
  };
}

uint64_t Database::Scan(uint64_t cursor, size_t count, int64_t now_ms,
                        const std::function<void(const Entry*)>& fn) {
  // Cursor layout: bucket cursor in the high bits, partition index in the low bits. Keys never
  // change partition, so the per-table reverse-binary guarantee carries over to the whole.
  size_t part = cursor & (kPartitions - 1);
  uint64_t bc = cursor >> kPartitionBits;
  count = std::max<size_t>(count, 1);
  const size_t max_buckets =
      count > std::numeric_limits<size_t>::max() / 10 ? count : std::max<size_t>(count * 10, 100);
  constexpr size_t kBucketsPerLock = 256;
  size_t found = 0;
  size_t buckets = 0;
  while (true) {
    Partition& p = parts_[part];
    {
      std::lock_guard lk(p.mu);
      if (p.table.size() == 0) {
        bc = 0;  // nothing to miss; empty partitions cost no budget
      } else {
        size_t held = 0;
        do {
          bc = p.table.Scan(bc, [&](const Entry* e) {
            if (e->has_expire() && e->expire_ms() <= now_ms) return;
            fn(e);
            ++found;
          });
          ++buckets;
          ++held;
        } while (bc != 0 && found < count && buckets < max_buckets && held < kBucketsPerLock);
      }
    }
    if (bc == 0) {
      ++part;
      if (part == kPartitions) return 0;
    }
    if (found >= count || buckets >= max_buckets) break;
  }
  return (bc << kPartitionBits) | part;
}

void Database::ForEachLive(int64_t now_ms, const std::function<void(const Entry*)>& fn) {
  for (size_t i = 0; i < kPartitions; ++i) {
    std::lock_guard lk(parts_[i].mu);
    parts_[i].table.ForEach([&](const Entry* e) {
      if (e->has_expire() && e->expire_ms() <= now_ms) return;
      fn(e);
    });
  }
}

bool Database::RandomKey(int64_t now_ms, const std::function<uint64_t()>& rnd, std::string* key) {
  // Random partitions first; after a few empty ones, sweep from a random start so a sparse or
  // empty database ends quickly. Each expired key met is deleted, so the loop terminates.
  constexpr int kProbes = 8;
  int empty_probes = 0;
  while (true) {
    size_t start = rnd() & (kPartitions - 1);
    size_t span = empty_probes < kProbes ? 1 : kPartitions;
    bool retry = false;
    for (size_t j = 0; j < span; ++j) {
      Partition& p = parts_[(start + j) & (kPartitions - 1)];
      std::lock_guard lk(p.mu);
      Entry* e = p.table.Random(rnd());
      if (e == nullptr) continue;
      if (Expired(e, now_ms)) {
        EraseExpired(p, p.table.FindLink(e->key(), HashKey(e->key())));
        retry = true;
        break;
      }
      key->assign(e->key());
      return true;
    }
    if (!retry) {
      if (span == kPartitions) return false;
      ++empty_probes;
    }
  }
}

size_t Database::ExpireCycle(int64_t now_ms, size_t budget, size_t* sampled, int64_t* ttl_sum) {
  if (expiry_paused()) return 0;
  size_t deleted = 0;
  size_t parts_done = 0;
  std::vector<Entry*> dead;
  while (budget > 0 && parts_done < kPartitions) {
    Partition& p = parts_[expire_partition_];
    bool finished = true;
    if (p.volatile_keys.load() > 0) {  // unlocked peek; rechecked under the lock
      std::lock_guard lk(p.mu);
      if (p.volatile_keys.load() > 0) {
        uint64_t c = p.expire_cursor;
        size_t limit = std::min(budget, kExpireBucketsPerLock);
        size_t steps = 0;
        do {
          c = p.table.ScanErase(c, [&](Entry* e) {
            if (!e->has_expire()) return false;
            ++*sampled;
            if (e->expire_ms() > now_ms) {
              // Clamped (~34 years) so summing expiries near INT64_MAX cannot overflow.
              *ttl_sum += std::min<int64_t>(e->expire_ms() - now_ms, int64_t{1} << 40);
              return false;
            }
            NotifyExpired(e->key());
            p.volatile_keys.Dec();
            dead.push_back(e);
            return true;
          });
          ++steps;
        } while (c != 0 && steps < limit);
        budget -= steps;
        p.expire_cursor = c;
        finished = (c == 0);
      }
    }
    // Values are freed outside the lock: a large collection must not stall the partition.
    for (Entry* e : dead) FreeEntry(e);
    deleted += dead.size();
    dead.clear();
    if (finished) {
      expire_partition_ = (expire_partition_ + 1) & (kPartitions - 1);
      ++parts_done;
    }
  }
  if (deleted) expired_keys.fetch_add(deleted, std::memory_order_relaxed);
  return deleted;
}

bool Database::RehashStep(size_t budget) {
  while (rehash_partition_ < kPartitions) {
    Partition& p = parts_[rehash_partition_];
    if (p.table.resizing()) {  // unlocked peek: an atomic
      if (budget == 0) return true;
      std::lock_guard lk(p.mu);
      const size_t n = std::min(budget, kRehashBucketsPerLock);
      budget -= n;
      if (p.table.MigrateIdle(n)) continue;  // more to move here
    }
    ++rehash_partition_;
  }
  rehash_partition_ = 0;
  return false;
}

void Database::SwapContents(Database& a, Database& b, const std::function<void()>& while_locked) {
  if (&a == &b) return;
  // All partitions of both, in address order (LockSet's order), so the swap is atomic.
  std::vector<std::mutex*> locks;
  locks.reserve(2 * kPartitions);
  for (size_t i = 0; i < kPartitions; ++i) {
    locks.push_back(&a.parts_[i].mu);
    locks.push_back(&b.parts_[i].mu);
  }
  std::sort(locks.begin(), locks.end());
  for (auto* m : locks) m->lock();
  // A snapshot in progress follows the contents (one of the keyspace both belong to).
  WriteBarrier* wa = a.barrier();
  const bool follow = wa != nullptr && wa == b.barrier() && wa->BeforeSwap(a, b);
  if (!follow) {
    for (size_t i = 0; i < kPartitions; ++i) {
      a.BeforeWrite(a.parts_[i]);
      b.BeforeWrite(b.parts_[i]);
    }
  }
  for (size_t i = 0; i < kPartitions; ++i) {
    Partition& x = a.parts_[i];
    Partition& y = b.parts_[i];
    std::swap(x.table, y.table);
    // Whether the snapshot has it is the content's (else both were captured just now).
    if (follow) std::swap(x.snapshot_epoch, y.snapshot_epoch);
    size_t v = x.volatile_keys.load();
    x.volatile_keys.store(y.volatile_keys.load());
    y.volatile_keys.store(v);
    std::swap(x.expire_cursor, y.expire_cursor);
  }
  if (while_locked) while_locked();
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->unlock();
}

Keyspace::Keyspace(int num_dbs) {
  for (int i = 0; i < num_dbs; ++i) {
    dbs_.push_back(std::make_unique<Database>(&policy_));
    dbs_.back()->SetHooks(i, &hooks_);
  }
}

void LockSet::Lock() {
  Partition** p = data();
  if (n_ > 1) {
    std::sort(p, p + n_);
    n_ = static_cast<size_t>(std::unique(p, p + n_) - p);
    if (n_ <= kInline && !more_.empty()) {
      std::copy(p, p + n_, inline_);
      more_.clear();
    }
    p = data();
  }
  for (size_t i = 0; i < n_; ++i) p[i]->mu.lock();
  locked_ = n_;
}

void LockSet::Unlock() {
  Partition** p = data();
  for (size_t i = locked_; i > 0; --i) p[i - 1]->mu.unlock();
  locked_ = 0;
  n_ = 0;
  more_.clear();
}

}  // namespace ember
