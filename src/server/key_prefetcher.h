// Overlaps the cache misses of a pipeline's key lookups.
//
// At 1M keys and more, a lookup misses the cache twice or three times (the bucket slot, the
// chain's first entry, sometimes its second), and a command waits for each miss in turn:
// that was most of a pipelined GET's user time. When one read brings several requests, the
// worker, having parsed the first, peeks at the keys of the others and starts their loads
// while the first runs (a lone request costs nothing), in stages that
// each need what the previous one loaded: the partitions, bucket slots and chains' first
// entries of the next kMaxKeys keys (Start), then, two requests ahead of the one being run, a
// chain's second entry when the first holds another key (Advance). A read holds up to 16 KB
// of requests, hundreds of them in a bulk load (`redis-cli --pipe`, deep pipelines): as they
// run, Advance peeks further whenever fewer than kRefillAhead peeked requests are left, so
// every lookup of the read finds its loads started, not only the first kMaxKeys. Only hints:
// the requests are parsed and run as usual, and a wrong guess (another database after SELECT,
// a request without keys) costs a wasted load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ember {
class Database;
}

namespace ember::server {

class CommandLookup;

class KeyPrefetcher {
 public:
  // Peeks at the requests at the start of `data` (those after the one about to run) and
  // starts loading what the lookups of their first kMaxKeys keys in `db` need; Advance peeks
  // further as they run. `data` and `lookup` must stay valid until Clear().
  void Start(Database& db, const CommandLookup& lookup, std::string_view data);

  // The same for keys given one by one, in the order they will be looked up (at most
  // kMaxKeys: Add is false, and does nothing, after that).
  void Begin(Database& db) {
    db_ = &db;
    lookup_ = nullptr;
    rest_ = {};
    n_ = next_ = requests_ = 0;
  }
  bool Add(std::string_view key);
  void Launch() { Launch(0); }
  // Before each of the requests given to Start runs: peeks further when the requests peeked
  // ahead run low, and asks for the chain's second entry of the key a little further on.
  // Counts one key per request (the common pipeline of GETs or SETs); with more, the
  // second-entry hints come late and do nothing.
  void Advance() {
    ++next_;
    if (!rest_.empty() && requests_ < next_ + kRefillAhead) Peek(kRefillKeys);
    if (const size_t j = next_ + kNextAhead - 1; j < n_) AdvanceSlow(j);
  }
  void Clear() {
    n_ = next_ = requests_ = 0;
    rest_ = {};
  }
  // Keys peeked so far, and the i-th of them in lookup order (i within the last kRing).
  size_t peeked() const { return n_; }
  std::string_view peeked_key(size_t i) const { return keys_[i % kRing]; }

  static constexpr size_t kMaxKeys = 32;  // the misses a core keeps in flight, with margin
  // Advance peeks kRefillKeys more keys when fewer than kRefillAhead requests peeked are left
  // to run: a request takes a few hundred ns, so 8 of them cover a memory access many times.
  static constexpr size_t kRefillAhead = 8;
  static constexpr size_t kRefillKeys = 16;
  // How many requests before its lookup a chain's second entry is asked for: each request
  // takes a few hundred ns, about a memory access (bench/micro BM_GetPipeline16: 1 and 2
  // beat 0; heads asked for lazily, 2 or 4 requests ahead, lost to all of them at once).
  static constexpr size_t kNextAhead = 2;

 private:
  // Peeks at requests from rest_ until `keys` more keys are added or none is left (a
  // request still arriving, or an inline one, ends it), then launches their loads.
  void Peek(size_t keys);
  // Takes key as the next one and starts loading its partition.
  void Push(std::string_view key);
  void Launch(size_t from);
  // The chain's second entry of the j-th key peeked.
  void AdvanceSlow(size_t j);
  // Keys of all requests peeked (at most kMaxKeys + kRefillKeys + the keys of one request
  // ahead of the one running): a ring wide enough that the ones in use are never overwritten.
  static constexpr size_t kRing = 64;

  Database* db_ = nullptr;
  const CommandLookup* lookup_ = nullptr;
  std::string_view rest_;  // the requests not yet peeked at
  std::string_view keys_[kRing];
  uint64_t hashes_[kRing];
  size_t n_ = 0;         // keys peeked
  size_t next_ = 0;      // Advance() calls so far
  size_t requests_ = 0;  // requests peeked
};

}  // namespace ember::server
