#include "store/key_table.h"

#include <cstdlib>
#include <new>
#include <utility>

#include "base/hash.h"

namespace ember {

KeyTable::~KeyTable() { Clear(); }

KeyTable::KeyTable(KeyTable&& o) noexcept
    : buckets_(o.buckets_.exchange(nullptr, std::memory_order_relaxed)),
      mask_(o.mask_.exchange(0, std::memory_order_relaxed)),
      size_(std::exchange(o.size_, 0)),
      grow_jitter_(o.grow_jitter_) {}

KeyTable& KeyTable::operator=(KeyTable&& o) noexcept {
  if (this != &o) {
    Clear();
    buckets_.store(o.buckets_.exchange(nullptr, std::memory_order_relaxed),
                   std::memory_order_relaxed);
    mask_.store(o.mask_.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
    size_ = std::exchange(o.size_, 0);
    grow_jitter_ = o.grow_jitter_;
  }
  return *this;
}

Entry** KeyTable::FindLink(std::string_view key, uint64_t hash) {
  Entry** b = slots();
  if (b == nullptr) return nullptr;
  Entry** link = &b[hash & mask()];
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
  } else if (size_ >= n + ((n * grow_jitter_) >> 9)) {
    Resize(n * 2);
  }
  Entry** b = &slots()[hash & mask()];
  e->next = *b;
  *b = e;
  ++size_;
}

Entry* KeyTable::Unlink(Entry** link) {
  Entry* e = *link;
  *link = e->next;
  e->next = nullptr;
  --size_;
  MaybeShrink();
  return e;
}

void KeyTable::MaybeShrink() {
  // Halve below 1/8 fill so a table that was large does not keep its memory forever; one
  // halving per removal keeps each step cheap, and the gap between the grow (fill 1) and
  // shrink (fill 1/8) thresholds prevents thrashing.
  const size_t n = mask() + 1;
  if (n > kMinShrinkBuckets && size_ * 8 < n) Resize(n / 2);
}

void KeyTable::Resize(size_t n) {
  Entry** nb = static_cast<Entry**>(calloc(n, sizeof(Entry*)));
  if (nb == nullptr) throw std::bad_alloc();
  size_t nmask = n - 1;
  if (Entry** old = slots(); old != nullptr) {
    // Each entry is a cache miss of its own (rehashing reads its key).
    for (size_t i = 0, m = mask(); i <= m; ++i) {
      PrefetchWalkAhead(old, i, m);
      Entry* e = old[i];
      while (e != nullptr) {
        Entry* next = e->next;
        Entry** b = &nb[HashKey(e->key()) & nmask];
        e->next = *b;
        *b = e;
        e = next;
      }
    }
    free(old);
  }
  buckets_.store(nb, std::memory_order_relaxed);
  mask_.store(nmask, std::memory_order_relaxed);
}

Entry* KeyTable::Random(uint64_t rnd) const {
  if (size_ == 0) return nullptr;
  // Probe random buckets until a non-empty one, then pick a random element of its chain.
  uint64_t x = rnd;
  Entry** b = slots();
  while (true) {
    Entry* e = b[x & mask()];
    if (e != nullptr) {
      size_t len = 0;
      for (Entry* p = e; p; p = p->next) ++len;
      size_t pick = (x >> 32) % len;
      while (pick--) e = e->next;
      return e;
    }
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  }
}

void KeyTable::Clear(YieldPoint* yield) {
  Entry** b = slots();
  if (b == nullptr) return;
  for (size_t i = 0, m = mask(); i <= m; ++i) {
    Entry* e = b[i];
    while (e != nullptr) {
      Entry* next = e->next;
      FreeEntry(e);
      e = next;
      if (yield) yield->Step();
    }
  }
  free(b);
  buckets_.store(nullptr, std::memory_order_relaxed);
  mask_.store(0, std::memory_order_relaxed);
  size_ = 0;
}

}  // namespace ember
