// Chained hash table of Entries (intrusive `next`), power-of-two buckets.
//
// Resizing is incremental: a resize allocates the new bucket array and from then on each
// change to the table (Insert, Unlink, ScanErase) first moves a few buckets of the old array
// into it (kMigrateBuckets), until the old array is empty and freed. While both arrays
// live, a key whose old bucket has not been moved yet is in the old array, every other key in
// the new one: a lookup reads exactly one chain.
// A single change thus rehashes only a few entries, however large the table (a partition of
// 10M keys / 1024 used to stop its event loop for 2-6 ms when it doubled in one step). A
// resize that starts while one is under way finishes that one first: rare, as a doubling is
// done within n/4 inserts and the next one comes n inserts later.
// Growth is also spread out: each partition's table grows at its own fill (set_grow_jitter,
// between 1 and 1.5), so the 1024 tables of a database filled with uniformly hashed keys do
// not all start moving within the same few thousand inserts. Scan() uses a reverse-binary
// cursor so a full iteration returns every key present throughout, even if the table grows
// or shrinks between calls, or is between two arrays. Not thread-safe: the owning
// partition's lock guards it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

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
  // or nullptr. The link stays valid until the table is modified (a lookup never moves
  // entries; Insert, Unlink and ScanErase may).
  Entry** FindLink(std::string_view key, uint64_t hash);
  Entry* Find(std::string_view key, uint64_t hash) {
    Entry** l = FindLink(key, hash);
    return l ? *l : nullptr;
  }
  // Adds an entry whose key is not present. May grow the table; moves a few buckets while it
  // is between two arrays.
  void Insert(Entry* e, uint64_t hash);
  // Removes the entry at `link` and returns it (caller frees). May shrink the table; moves a
  // few buckets while it is between two arrays.
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
  // another key. PrefetchSlot needs no lock: it reads only the arrays' pointers, masks and
  // the resize's position (atomics for this reason), and a prefetch of a stale address is
  // harmless. The others read the chain: the partition lock must be held.
  void PrefetchSlot(uint64_t hash) const {
    // Integer arithmetic: a mask read during a resize may not match the array.
    const ChainArray a = ArrayOf(hash);
    if (auto b = reinterpret_cast<uintptr_t>(a.slots); b != 0)
      __builtin_prefetch(reinterpret_cast<const void*>(b + (hash & a.mask) * sizeof(Entry*)));
  }
  void PrefetchHead(uint64_t hash) const { PrefetchEntry(Head(hash)); }
  void PrefetchNext(std::string_view key, uint64_t hash) const {
    const Entry* e = Head(hash);
    if (e != nullptr && e->key() != key) PrefetchEntry(e->next);
  }

  size_t size() const { return size_; }
  // The (new) bucket array's size; while resizing, the old array lives on next to it.
  size_t bucket_count() const { return slots() ? mask() + 1 : 0; }
  bool resizing() const { return old() != nullptr; }
  // Moves up to `buckets` buckets of the old array. Returns whether the table is still
  // resizing.
  bool MigrateStep(size_t buckets);
  // MigrateStep for a background task that finishes what no write did: does nothing (but
  // notes the call) when a change has moved buckets since the previous call, so it never
  // competes with a table's own writers. Returns whether it moved buckets and the table is
  // still resizing (worth another call soon).
  bool MigrateIdle(size_t buckets) {
    if (frozen_ || std::exchange(stepped_by_change_, false)) return false;
    return MigrateStep(buckets);
  }
  // Buckets moved per change while resizing. A change that doubles the table moves all
  // n old buckets within n/4 inserts, long before the next doubling (n more inserts).
  static constexpr size_t kMigrateBuckets = 4;
  // Bytes of the bucket arrays mapped outside the allocator (the large ones: see
  // AllocBuckets), over all tables; memory reports add them to the allocator's figure.
  static uint64_t MappedBytes();
  // Tables never shrink below this many buckets.
  static constexpr size_t kMinShrinkBuckets = 64;

  // Visits the entries of the bucket(s) at `cursor` and returns the next cursor (0 = done).
  // While resizing, that is the bucket of the smaller array and the buckets of the larger
  // one that map to it. fn must not modify the table.
  template <typename Fn>
  uint64_t Scan(uint64_t cursor, Fn&& fn) const;
  // Like Scan, but fn(Entry*) returns true to remove the entry: it is unlinked and fn owns it
  // (fn may free it before returning). The table may shrink or move buckets once the
  // bucket(s) are done; the returned cursor stays valid for it.
  template <typename Fn>
  uint64_t ScanErase(uint64_t cursor, Fn&& fn);
  // Calls fn(const Entry*) for every entry; fn must not modify the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const;

  // A walk in pieces, each under the partition's lock, with changes in between (a snapshot
  // copies a large partition a piece at a time, so that a request for it never waits for the
  // whole copy). While frozen, the table neither resizes nor moves buckets: every bucket keeps
  // its position, an entry's position is that of its bucket, and an entry inserted meanwhile
  // lands at a position the walk has either passed or not. Positions number the (new) array's
  // buckets, then the old array's while resizing. Clear() and moves thaw.
  void Freeze() { frozen_ = true; }
  void Thaw() { frozen_ = false; }
  bool frozen() const { return frozen_; }
  size_t positions() const { return (slots() ? mask() + 1 : 0) + (old() ? old_mask() + 1 : 0); }
  // The position of hash's bucket (the table must have an array).
  size_t PositionOf(uint64_t hash) const {
    const ChainArray a = ArrayOf(hash);
    return (a.slots == slots() ? 0 : mask() + 1) + (hash & a.mask);
  }
  // Calls fn(const Entry*) for the entries of the buckets from position `pos` on, whole
  // buckets, until at least `budget` entries are visited or the table ends; returns the
  // position after the last bucket visited (positions() when done). fn must not modify the
  // table.
  template <typename Fn>
  size_t ForEachFrom(size_t pos, size_t budget, Fn&& fn) const;
  // A random entry (nullptr when empty); `rnd` is a random number.
  Entry* Random(uint64_t rnd) const;
  // Frees every entry; with `yield`, stepping it once per entry (lazy freeing).
  void Clear(YieldPoint* yield = nullptr);

 private:
  // Starts a resize to `buckets` (finishing one under way first).
  void Resize(size_t buckets);
  // After a change: a migration step while resizing, else a shrink when sparse.
  void AfterChange();
  // The step a change makes while resizing (noted for MigrateIdle).
  void MigrateByChange() {
    MigrateStep(kMigrateBuckets);
    stepped_by_change_ = true;
  }
  // Moves what is left of a resize under way, at once.
  void FinishMigration();
  // Frees the old array (all of it moved, or empty) and ends the resize.
  void DropOld();
  static uint64_t NextCursor(uint64_t cursor, size_t mask);
  // Visits the chains that cursor's bucket maps to (see Scan); returns the mask the cursor
  // advances by.
  template <typename Fn>
  size_t ForCursorBuckets(uint64_t cursor, Fn&& fn) const;
  // fn(Entry*) for every entry of buckets from..m of b, each chain in order; an entry's next
  // is read before fn runs, so fn may free it.
  template <typename Fn>
  static void WalkChains(Entry* const* b, size_t from, size_t m, Fn&& fn);

  Entry** slots() const { return buckets_.load(std::memory_order_relaxed); }
  size_t mask() const { return mask_.load(std::memory_order_relaxed); }
  Entry** old() const { return old_.load(std::memory_order_relaxed); }
  size_t old_mask() const { return old_mask_.load(std::memory_order_relaxed); }
  size_t moved() const { return moved_.load(std::memory_order_relaxed); }
  // The array that holds hash's chain: the old one while hash's bucket there is not moved.
  struct ChainArray {
    Entry** slots;
    size_t mask;
  };
  ChainArray ArrayOf(uint64_t hash) const {
    Entry** o = old();
    const size_t om = old_mask();
    if (o != nullptr && (hash & om) >= moved()) return {o, om};
    return {slots(), mask()};
  }
  // The slot of hash's chain (an array must exist).
  Entry** Slot(uint64_t hash) const {
    const ChainArray a = ArrayOf(hash);
    return &a.slots[hash & a.mask];
  }
  // The first entry of hash's chain, or nullptr.
  Entry* Head(uint64_t hash) const { return slots() != nullptr ? *Slot(hash) : nullptr; }
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
  // While resizing: the old array, its mask, and how many of its buckets (from 0) are moved.
  std::atomic<Entry**> old_{nullptr};
  std::atomic<size_t> old_mask_{0};
  std::atomic<size_t> moved_{0};
  size_t size_ = 0;  // entries in both arrays
  uint8_t grow_jitter_ = 0;
  bool stepped_by_change_ = false;  // see MigrateIdle
  bool frozen_ = false;             // see Freeze
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

// fn(Entry** slot) for each chain that holds keys of cursor's bucket; returns the mask the
// cursor advances by. Resizes only double or halve repeatedly, so the arrays' sizes are
// powers of two and each bucket of the smaller array corresponds to the buckets of the
// larger one with the same low bits; stepping the cursor by the smaller mask visits all.
template <typename Fn>
size_t KeyTable::ForCursorBuckets(uint64_t cursor, Fn&& fn) const {
  Entry** o = old();
  if (o == nullptr) {
    fn(&slots()[cursor & mask()]);
    return mask();
  }
  Entry** small = slots();
  Entry** large = o;
  size_t sm = mask();
  size_t lm = old_mask();
  if (sm > lm) {
    std::swap(small, large);
    std::swap(sm, lm);
  }
  const size_t s = cursor & sm;
  fn(&small[s]);
  for (size_t j = s; j <= lm; j += sm + 1) fn(&large[j]);
  return sm;
}

template <typename Fn>
uint64_t KeyTable::Scan(uint64_t cursor, Fn&& fn) const {
  if (slots() == nullptr) return 0;
  const size_t m = ForCursorBuckets(cursor, [&](Entry** slot) {
    for (Entry* e = *slot; e != nullptr; e = e->next) fn(e);
  });
  return NextCursor(cursor, m);
}

template <typename Fn>
uint64_t KeyTable::ScanErase(uint64_t cursor, Fn&& fn) {
  if (slots() == nullptr) return 0;
  const size_t m = ForCursorBuckets(cursor, [&](Entry** link) {
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
  });
  const uint64_t c = NextCursor(cursor, m);
  AfterChange();
  return c;
}

template <typename Fn>
void KeyTable::WalkChains(Entry* const* b, size_t from, size_t m, Fn&& fn) {
  for (size_t i = from; i <= m; ++i) {
    PrefetchWalkAhead(b, i, m);
    for (Entry* e = b[i]; e != nullptr;) {
      Entry* next = e->next;
      fn(e);
      e = next;
    }
  }
}

template <typename Fn>
void KeyTable::ForEach(Fn&& fn) const {
  ForEachFrom(0, SIZE_MAX, fn);
}

template <typename Fn>
size_t KeyTable::ForEachFrom(size_t pos, size_t budget, Fn&& fn) const {
  const size_t n = slots() ? mask() + 1 : 0;
  const size_t end = positions();
  size_t visited = 0;
  // Buckets i.. of b (mask m) until the budget is spent; returns the index after the last.
  auto walk = [&](Entry* const* b, size_t i, size_t m) {
    for (; i <= m; ++i) {
      PrefetchWalkAhead(b, i, m);
      for (const Entry* e = b[i]; e != nullptr; e = e->next) {
        fn(e);
        ++visited;
      }
      if (visited >= budget) return i + 1;
    }
    return m + 1;
  };
  while (pos < end && visited < budget) {
    if (pos < n) {
      pos = walk(slots(), pos, mask());
    } else {  // the old array's buckets below moved() are empty
      pos = n + walk(old(), std::max(pos - n, moved()), old_mask());
    }
  }
  return pos;
}

}  // namespace ember
