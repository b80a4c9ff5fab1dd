// Chained hash table of Entries (intrusive `next`), power-of-two buckets.
//
// Growth doubles the bucket array in one step; that is bounded because a table only ever
// holds one partition's keys (a database has 1024 partitions), and spread out: each
// partition's table grows at its own fill (set_grow_jitter, between 1 and 1.5), so the 1024
// tables of a database filled with uniformly hashed keys do not all double within the same
// few thousand inserts (at 10M keys that burst was ~1 s of rehashing, with the event loop's
// replies late by up to 18 ms). Scan() uses a reverse-binary
// cursor so a full iteration returns every key present throughout, even if the table grows
// or shrinks between calls. Not thread-safe: the owning partition's lock guards it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/thread.h"
#include "store/entry.h"

namespace ember {

class KeyTable {
 public:
  KeyTable() = default;
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  KeyTable(KeyTable&& o) noexcept;
  KeyTable& operator=(KeyTable&& o) noexcept;

  // The link (bucket slot or predecessor's next) that points at the entry with this key,
  // or nullptr. The link stays valid until the table is modified.
  Entry** FindLink(std::string_view key, uint64_t hash);
  Entry* Find(std::string_view key, uint64_t hash) {
    Entry** l = FindLink(key, hash);
    return l ? *l : nullptr;
  }
  // Adds an entry whose key is not present. May grow the table.
  void Insert(Entry* e, uint64_t hash);
  // Removes the entry at `link` and returns it (caller frees). May shrink the table.
  Entry* Unlink(Entry** link);
  // Replaces the entry at `link` by `e` (same key), e.g. after a realloc.
  static void Replace(Entry** link, Entry* e) {
    e->next = (*link)->next;
    *link = e;
  }

  // The fill at which the table grows is 1 + j/512 (j = 0..255); kept when moved.
  void set_grow_jitter(uint8_t j) { grow_jitter_ = j; }

  // Cache hints for a lookup of `hash` coming soon (server/key_prefetcher.h), in steps so
  // that the misses of several keys overlap, each step needing what the previous one loaded:
  // the bucket slot, then the chain's first entry, then its second when the first holds
  // another key. PrefetchSlot needs no lock: it reads only the array pointer and mask
  // (atomics for this reason), and a prefetch of a stale address is harmless. The others
  // read the chain: the partition lock must be held.
  void PrefetchSlot(uint64_t hash) const {
    // Integer arithmetic: a mask read during a resize may not match the array.
    auto b = reinterpret_cast<uintptr_t>(slots());
    if (b != 0)
      __builtin_prefetch(reinterpret_cast<const void*>(b + (hash & mask()) * sizeof(Entry*)));
  }
  void PrefetchHead(uint64_t hash) const { PrefetchEntry(Head(hash)); }
  void PrefetchNext(std::string_view key, uint64_t hash) const {
    const Entry* e = Head(hash);
    if (e != nullptr && e->key() != key) PrefetchEntry(e->next);
  }

  size_t size() const { return size_; }
  size_t bucket_count() const { return slots() ? mask() + 1 : 0; }
  // Tables never shrink below this many buckets.
  static constexpr size_t kMinShrinkBuckets = 64;

  // Visits the entries of the bucket(s) at `cursor` and returns the next cursor (0 = done).
  // fn must not modify the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;
  // Like Scan, but fn(Entry*) returns true to remove the entry: it is unlinked and fn owns it
  // (fn may free it before returning). The table may shrink once the bucket is done; the
  // returned cursor stays valid for it.
  template <typename Fn>
  uint64_t ScanErase(uint64_t cursor, Fn&& fn);
  // Calls fn(const Entry*) for every entry; fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  // A random entry (nullptr when empty); `rnd` is a random number.
  Entry* Random(uint64_t rnd) const;
  // Frees every entry; with `yield`, stepping it once per entry (lazy freeing).
  void Clear(YieldPoint* yield = nullptr);

 private:
  void Resize(size_t buckets);
  void MaybeShrink();
  static uint64_t NextCursor(uint64_t cursor, size_t mask);

  Entry** slots() const { return buckets_.load(std::memory_order_relaxed); }
  size_t mask() const { return mask_.load(std::memory_order_relaxed); }
  // The first entry of hash's chain, or nullptr.
  Entry* Head(uint64_t hash) const {
    Entry** b = slots();
    return b != nullptr ? b[hash & mask()] : nullptr;
  }
  // An entry's first two cache lines: the header, a short key and a value of up to ~80 bytes.
  static void PrefetchEntry(const Entry* e) {
    if (e == nullptr) return;
    __builtin_prefetch(e);
    __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);
  }
  // For a walk of every bucket of b (mask m), at bucket i: loads the first entry kWalkAhead
  // buckets on, so that the walk's cache misses overlap instead of queueing (a partition of
  // 10K entries took ~1 ms to rehash or to copy for a snapshot without it).
  static constexpr size_t kWalkAhead = 8;
  static void PrefetchWalkAhead(Entry* const* b, size_t i, size_t m) {
    if (i + kWalkAhead <= m) PrefetchEntry(b[i + kWalkAhead]);
  }

  // Written only under the partition lock; atomic so PrefetchSlot may read them without it.
  std::atomic<Entry**> buckets_{nullptr};
  std::atomic<size_t> mask_{0};  // bucket_count - 1, 0 when no array
  size_t size_ = 0;
  uint8_t grow_jitter_ = 0;
};

inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

// Reverse-binary increment: set the bits above the mask, reverse, +1, reverse back. The
// result has no bits above the mask, so it is a bucket index of this table and, read with a
// larger or smaller mask, still never skips a bucket that was not yet visited.
inline uint64_t KeyTable::NextCursor(uint64_t cursor, size_t mask) {
  uint64_t v = cursor | ~static_cast<uint64_t>(mask);
  v = ReverseBits(v);
  ++v;
  return ReverseBits(v);
}

template <typename Fn>
uint64_t KeyTable::Scan(uint64_t cursor, Fn&& fn) const {
  Entry** b = slots();
  if (b == nullptr) return 0;
  for (Entry* e = b[cursor & mask()]; e != nullptr; e = e->next) fn(e);
  return NextCursor(cursor, mask());
}

template <typename Fn>
uint64_t KeyTable::ScanErase(uint64_t cursor, Fn&& fn) {
  Entry** b = slots();
  if (b == nullptr) return 0;
  Entry** link = &b[cursor & mask()];
  while (*link != nullptr) {
    Entry* e = *link;
    Entry* next = e->next;
    if (fn(e)) {
      *link = next;
      --size_;
    } else {
      link = &e->next;
    }
  }
  uint64_t c = NextCursor(cursor, mask());
  MaybeShrink();
  return c;
}

template <typename Fn>
void KeyTable::ForEach(Fn&& fn) const {
  Entry** b = slots();
  if (b == nullptr) return;
  for (size_t i = 0, m = mask(); i <= m; ++i) {
    PrefetchWalkAhead(b, i, m);
    for (const Entry* e = b[i]; e != nullptr; e = e->next) fn(e);
  }
}

}  // namespace ember
