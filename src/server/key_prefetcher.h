// Overlaps the cache misses of a pipeline's key lookups.
//
// At 1M keys and more, a lookup misses the cache twice or three times (the bucket slot, the
// chain's first entry, sometimes its second), and a command waits for each miss in turn:
// that was most of a pipelined GET's user time. When one read brings several requests, the
// worker, having parsed the first, peeks at the keys of the others and starts their loads
// while the first runs (a lone request costs nothing), in stages that
// each need what the previous one loaded: the partitions, bucket slots and chains' first
// entries of all the keys (Start), then, two requests ahead of the one being run, a chain's
// second entry when the first holds another key (Advance). Only hints: the
// requests are parsed and run as usual, and a wrong guess (another database after SELECT, a
// request without keys) costs a wasted load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ember {
class Database;
}

namespace ember::server {

class CommandLookup;

class KeyPrefetcher {
 public:
  // Peeks at the requests at the start of `data` (those after the one about to run) and
  // starts loading what their keys' lookups in `db` need first (Begin, Add, Launch). The
  // keys must stay valid until Clear().
  void Start(Database& db, const CommandLookup& lookup, std::string_view data);

  // The same for keys given one by one, in the order they will be looked up.
  void Begin(Database& db) {
    db_ = &db;
    n_ = next_ = 0;
  }
  // False (and nothing done) once kMaxKeys keys were added.
  bool Add(std::string_view key);
  void Launch();
  // Before each of the requests given to Start runs: the loads for the keys a little
  // further on. Counts one key per request (the common pipeline of GETs or SETs);
  // with more, these hints come late and do nothing.
  void Advance() {
    if (next_ < n_) AdvanceSlow();
  }
  void Clear() { n_ = next_ = 0; }
  // The keys being prefetched, in lookup order.
  std::span<const std::string_view> keys() const { return {keys_, n_}; }

  static constexpr size_t kMaxKeys = 32;  // the misses a core keeps in flight, with margin
  // How many requests before its lookup a chain's second entry is asked for: each request
  // takes a few hundred ns, about a memory access (bench/micro BM_GetPipeline16: 1 and 2
  // beat 0; heads asked for lazily, 2 or 4 requests ahead, lost to all of them at once).
  static constexpr size_t kNextAhead = 2;

 private:
  void AdvanceSlow();

  Database* db_ = nullptr;
  std::string_view keys_[kMaxKeys];
  uint64_t hashes_[kMaxKeys];
  size_t n_ = 0;     // keys peeked
  size_t next_ = 0;  // Advance() calls so far
};

}  // namespace ember::server
