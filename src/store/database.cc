#include "store/database.h"

#include <algorithm>

namespace ember {

Entry** Database::FindLink(std::string_view key, int64_t now_ms, bool no_touch) {
  uint64_t h = HashKey(key);
  Partition& p = parts_[PartitionIndex(h)];
  Entry** link = p.table.FindLink(key, h);
  if (link == nullptr) return nullptr;
  Entry* e = *link;
  if (e->has_expire() && e->expire_ms() <= now_ms) {
    --p.volatile_keys;
    FreeEntry(p.table.Unlink(link));
    expired_keys.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (!no_touch) e->set_access_time(LruClock(now_ms));
  return link;
}

Entry* Database::Find(std::string_view key, int64_t now_ms, bool no_touch) {
  Entry** l = FindLink(key, now_ms, no_touch);
  return l ? *l : nullptr;
}

void Database::Insert(Entry* e) {
  uint64_t h = HashKey(e->key());
  Partition& p = parts_[PartitionIndex(h)];
  if (e->has_expire()) ++p.volatile_keys;
  p.table.Insert(e, h);
}

void Database::CountExpire(bool had, bool has, Partition& p) {
  if (had && !has) --p.volatile_keys;
  if (!had && has) ++p.volatile_keys;
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
  if ((*link)->has_expire()) --p.volatile_keys;
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
  EntryInit init{e->key(), has_expire, expire_ms, e->access_time()};
  Entry* n = CloneEntry(e, init);
  if (e->type() != ValueType::kString) {
    // CloneEntry deep-copied the object; moving would be cheaper but this path is rare.
  }
  Replace(link, n);
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
  for (size_t i = 0; i < kPartitions; ++i) {
    std::lock_guard lk(parts_[i].mu);
    n += parts_[i].volatile_keys;
  }
  return n;
}

std::function<void()> Database::TakeAll() {
  // Lock every partition first so the flush is atomic for multi-key commands.
  for (size_t i = 0; i < kPartitions; ++i) parts_[i].mu.lock();
  auto tables = std::make_shared<std::vector<KeyTable>>();
  for (size_t i = 0; i < kPartitions; ++i) {
    if (parts_[i].table.size() != 0) tables->push_back(std::move(parts_[i].table));
    parts_[i].volatile_keys = 0;
    parts_[i].expire_cursor = 0;
  }
  for (size_t i = kPartitions; i > 0; --i) parts_[i - 1].mu.unlock();
  return [tables]() { tables->clear(); };
}

uint64_t Database::Scan(uint64_t cursor, size_t count, int64_t now_ms,
                        const std::function<void(const Entry*)>& fn) {
  // Cursor layout: bucket cursor in the high bits, partition index in the low bits.
  size_t part = cursor & (kPartitions - 1);
  uint64_t bc = cursor >> kPartitionBits;
  size_t found = 0;
  size_t visited = 0;
  const size_t max_visits = std::max<size_t>(count * 10, 100);
  while (found < count && visited < max_visits) {
    Partition& p = parts_[part];
    {
      std::lock_guard lk(p.mu);
      bc = p.table.Scan(bc, [&](const Entry* e) {
        if (e->has_expire() && e->expire_ms() <= now_ms) return;
        fn(e);
        ++found;
      });
    }
    ++visited;
    if (bc == 0) {
      ++part;
      if (part == kPartitions) return 0;
    }
  }
  return (bc << kPartitionBits) | part;
}

size_t Database::ExpireCycle(int64_t now_ms, size_t budget, size_t* sampled, int64_t* ttl_sum) {
  size_t deleted = 0;
  size_t visited_parts = 0;
  while (budget > 0 && visited_parts < kPartitions) {
    Partition& p = parts_[expire_partition_];
    bool done_partition = true;
    {
      std::lock_guard lk(p.mu);
      if (p.volatile_keys > 0) {
        // Walk buckets from the partition's cursor; collect expired links per bucket.
        uint64_t c = p.expire_cursor;
        size_t steps = 0;
        do {
          std::vector<Entry*> dead;
          c = p.table.Scan(c, [&](const Entry* e) {
            if (!e->has_expire()) return;
            ++*sampled;
            if (e->expire_ms() <= now_ms) {
              dead.push_back(const_cast<Entry*>(e));
            } else {
              *ttl_sum += e->expire_ms() - now_ms;
            }
          });
          for (Entry* e : dead) {
            Entry** link = p.table.FindLink(e->key(), HashKey(e->key()));
            --p.volatile_keys;
            FreeEntry(p.table.Unlink(link));
            ++deleted;
          }
          ++steps;
        } while (c != 0 && steps < budget);
        budget = budget > steps ? budget - steps : 0;
        p.expire_cursor = c;
        done_partition = (c == 0);
      }
    }
    if (done_partition) {
      expire_partition_ = (expire_partition_ + 1) & (kPartitions - 1);
      ++visited_parts;
    }
  }
  if (deleted) expired_keys.fetch_add(deleted, std::memory_order_relaxed);
  return deleted;
}

void Database::SwapContents(Database& a, Database& b) {
  if (&a == &b) return;
  // All partitions of both, in address order, so the swap is atomic.
  std::vector<std::mutex*> locks;
  for (size_t i = 0; i < kPartitions; ++i) {
    locks.push_back(&a.parts_[i].mu);
    locks.push_back(&b.parts_[i].mu);
  }
  std::sort(locks.begin(), locks.end());
  for (auto* m : locks) m->lock();
  for (size_t i = 0; i < kPartitions; ++i) {
    Partition& x = a.parts_[i];
    Partition& y = b.parts_[i];
    std::swap(x.table, y.table);
    std::swap(x.volatile_keys, y.volatile_keys);
    std::swap(x.expire_cursor, y.expire_cursor);
  }
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->unlock();
}

Keyspace::Keyspace(int num_dbs) {
  for (int i = 0; i < num_dbs; ++i) dbs_.push_back(std::make_unique<Database>());
}

void LockSet::Lock() {
  if (parts_.size() > 1) {
    std::sort(parts_.begin(), parts_.end());
    parts_.erase(std::unique(parts_.begin(), parts_.end()), parts_.end());
  }
  for (Partition* p : parts_) p->mu.lock();
  locked_ = parts_.size();
}

void LockSet::Unlock() {
  for (size_t i = locked_; i > 0; --i) parts_[i - 1]->mu.unlock();
  locked_ = 0;
  parts_.clear();
}

}  // namespace ember
