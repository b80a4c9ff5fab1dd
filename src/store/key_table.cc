#include "store/key_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <new>
#include <utility>

#include "base/hash.h"

namespace ember {

namespace {

// Bucket arrays of 64 KB and more (partitions of tens of thousands of keys) are mapped and
// unmapped directly, each on its own. Through the allocator, the old arrays that resizes free
// coalesced into large free extents whose purge (one madvise, not preemptible here) held the
// event loop's core for up to ~4 ms, once or twice per 10M-key fill; a munmap of one array
// takes tens of µs, at the moment its resize ends.
constexpr size_t kMapBytes = 64 << 10;
std::atomic<uint64_t> mapped_bytes{0};

Entry** AllocBuckets(size_t n) {
  const size_t bytes = n * sizeof(Entry*);
  void* p;
  if (bytes >= kMapBytes) {
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      p = nullptr;
    } else {
      mapped_bytes.fetch_add(bytes, std::memory_order_relaxed);
    }
  } else {
    p = calloc(n, sizeof(Entry*));
  }
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<Entry**>(p);
}

void FreeBuckets(Entry** b, size_t n) {
  if (b == nullptr) return;
  const size_t bytes = n * sizeof(Entry*);
  if (bytes >= kMapBytes) {
    munmap(b, bytes);
    mapped_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  } else {
    free(b);
  }
}

}  // namespace

uint64_t KeyTable::MappedBytes() { return mapped_bytes.load(std::memory_order_relaxed); }

KeyTable::~KeyTable() { Clear(); }

KeyTable::KeyTable(KeyTable&& o) noexcept { *this = std::move(o); }

KeyTable& KeyTable::operator=(KeyTable&& o) noexcept {
  if (this != &o) {
    Clear();
    auto take = [](auto& to, auto& from, auto empty) {
      to.store(from.exchange(empty, std::memory_order_relaxed), std::memory_order_relaxed);
    };
    take(buckets_, o.buckets_, nullptr);
    take(mask_, o.mask_, size_t{0});
    take(old_, o.old_, nullptr);
    take(old_mask_, o.old_mask_, size_t{0});
    take(moved_, o.moved_, size_t{0});
    size_ = std::exchange(o.size_, 0);
    stepped_by_change_ = std::exchange(o.stepped_by_change_, false);
    frozen_ = std::exchange(o.frozen_, false);
    grow_jitter_ = o.grow_jitter_;
  }
  return *this;
}

Entry** KeyTable::FindLink(std::string_view key, uint64_t hash) {
  if (slots() == nullptr) return nullptr;
  Entry** link = Slot(hash);
  while (*link != nullptr) {
    std::string_view k = (*link)->key();
    if (k.size() == key.size() && memcmp(k.data(), key.data(), key.size()) == 0) return link;
    link = &(*link)->next;
  }
  return nullptr;
}

void KeyTable::Insert(Entry* e, uint64_t hash) {
  const size_t n = mask() + 1;
  if (slots() == nullptr) {
    Resize(4);
  } else if (frozen_) {
    // Neither grows nor moves buckets: a walk in pieces is under way (Freeze).
  } else if (size_ >= n + ((n * grow_jitter_) >> 9)) {
    Resize(n * 2);
  } else if (resizing()) {
    MigrateByChange();
  }
  Entry** b = Slot(hash);
  e->next = *b;
  *b = e;
  ++size_;
}

Entry* KeyTable::Unlink(Entry** link) {
  Entry* e = *link;
  *link = e->next;
  e->next = nullptr;
  --size_;
  AfterChange();
  return e;
}

void KeyTable::AfterChange() {
  if (frozen_) return;  // see Insert
  if (resizing()) {
    if (size_ != 0) {
      MigrateByChange();
      return;
    }
    DropOld();  // nothing left to move
  }
  // Shrink below 1/8 fill so a table that was large does not keep its memory forever, to
  // twice the entries (fill 1/2, never below kMinShrinkBuckets). The gap between the grow
  // (fill 1) and shrink (fill 1/8) thresholds prevents thrashing.
  const size_t n = mask() + 1;
  if (n > kMinShrinkBuckets && size_ * 8 < n)
    Resize(std::max(kMinShrinkBuckets, std::bit_ceil(size_ * 2)));
}

bool KeyTable::MigrateStep(size_t buckets) {
  Entry** o = old();
  if (o == nullptr || frozen_) return false;
  Entry** nb = slots();
  const size_t nmask = mask();
  const size_t om = old_mask();
  size_t i = moved();
  const size_t end = std::min(om + 1, i + buckets);
  // The walk's look-ahead keeps a long walk (FinishMigration, MigrateIdle) ahead of its misses.
  // It also asks for the next step's chains, but a change's next step on this table comes
  // ~1,000 inserts later (one partition of 1,024): by then those lines are mostly evicted, and
  // a fill's profile shows this function waiting on its entries (bench/data/
  // migrate_group_ab.txt).
  static_assert(kWalkAhead >= kMigrateBuckets);
  for (; i < end; ++i) {
    PrefetchWalkAhead(o, i, om);
    Entry* e = o[i];
    o[i] = nullptr;
    while (e != nullptr) {
      Entry* next = e->next;
      Entry** b = &nb[HashKey(e->key()) & nmask];
      e->next = *b;
      *b = e;
      e = next;
    }
  }
  if (i > om) {
    DropOld();
    return false;
  }
  moved_.store(i, std::memory_order_relaxed);
  return true;
}

void KeyTable::DropOld() {
  Entry** o = old();
  const size_t n = old_mask() + 1;
  old_.store(nullptr, std::memory_order_relaxed);
  old_mask_.store(0, std::memory_order_relaxed);
  moved_.store(0, std::memory_order_relaxed);
  FreeBuckets(o, n);
}

void KeyTable::FinishMigration() {
  if (!resizing()) return;
  if (size_ == 0) {
    DropOld();  // every chain is empty: nothing to walk
  } else {
    MigrateStep(old_mask() + 1);  // every bucket left
  }
}

void KeyTable::Resize(size_t n) {
  FinishMigration();
  Entry** nb = AllocBuckets(n);
  Entry** cur = slots();
  if (cur != nullptr && size_ != 0) {
    old_.store(cur, std::memory_order_relaxed);
    old_mask_.store(mask(), std::memory_order_relaxed);
    moved_.store(0, std::memory_order_relaxed);
  } else if (cur != nullptr) {
    FreeBuckets(cur, mask() + 1);
  }
  buckets_.store(nb, std::memory_order_relaxed);
  mask_.store(n - 1, std::memory_order_relaxed);
}

Entry* KeyTable::Random(uint64_t rnd) const {
  if (size_ == 0) return nullptr;
  // Probe random buckets until a non-empty one, then pick a random element of its chain.
  // While resizing, either array (its moved buckets are empty).
  uint64_t x = rnd;
  while (true) {
    Entry* e;
    if (Entry** o = old(); o != nullptr && (x >> 63) != 0) {
      e = o[x & old_mask()];
    } else {
      e = slots()[x & mask()];
    }
    if (e != nullptr) {
      size_t len = 0;
      for (Entry* p = e; p; p = p->next) ++len;
      size_t pick = ((x >> 32) & 0x7fffffff) % len;
      while (pick--) e = e->next;
      return e;
    }
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
}

void KeyTable::Clear(YieldPoint* yield) {
  auto free_entry = [yield](Entry* e) {
    FreeEntry(e);
    if (yield) yield->Step();
  };
  if (Entry** o = old(); o != nullptr) {
    WalkChains(o, moved(), old_mask(), free_entry);
    DropOld();
  }
  if (Entry** b = slots(); b != nullptr) {
    WalkChains(b, 0, mask(), free_entry);
    FreeBuckets(b, mask() + 1);
  }
  buckets_.store(nullptr, std::memory_order_relaxed);
  mask_.store(0, std::memory_order_relaxed);
  size_ = 0;
  frozen_ = false;
}

}  // namespace ember
