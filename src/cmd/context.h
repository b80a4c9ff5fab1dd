// What a command handler sees while it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "base/status.h"
#include "cmd/command.h"
#include "resp/reply_writer.h"
#include "store/database.h"

namespace ember::cmd {

// Server-wide services a family may need, implemented by the server (and by test fixtures).
class ServerApi {
 public:
  virtual ~ServerApi() = default;
  virtual int64_t proto_max_bulk_len() const = 0;
  // Runs fn on a background thread (lazy freeing for UNLINK, FLUSHALL ASYNC).
  virtual void RunInBackground(std::function<void()> fn) = 0;
  // Whether the active expiry cycle runs (DEBUG SET-ACTIVE-EXPIRE).
  virtual void SetActiveExpire(bool on) = 0;
  // A pseudo-random number (RANDOMKEY, SCAN sampling); thread-safe.
  virtual uint64_t Random() = 0;
  // Whether an LFU maxmemory policy is selected (OBJECT FREQ vs IDLETIME).
  virtual bool lfu_policy() const { return false; }
};

// Per-thread counters, summed by INFO: written by the owning thread only (relaxed load and
// store, no read-modify-write), read and reset (CONFIG RESETSTAT) by any thread.
struct ThreadCounters {
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  static void Bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

struct CommandContext {
  Keyspace* keyspace = nullptr;
  Database* db = nullptr;
  int db_index = 0;
  resp::ReplyWriter* reply = nullptr;
  int64_t now_ms = 0;
  const CommandSpec* spec = nullptr;
  ServerApi* server = nullptr;
  ThreadCounters* counters = nullptr;
  void* session = nullptr;  // the calling connection; only server/ knows its type
  bool no_touch = false;    // CLIENT NO-TOUCH
  uint64_t dirty = 0;       // keys changed by this command (persistence, INFO)

  void Error(OpStatus s) { reply->Error(ErrorText(s)); }
  void Error(std::string_view msg) { reply->Error(msg); }
  void Hit() {
    if (counters) ThreadCounters::Bump(counters->keyspace_hits);
  }
  void Miss() {
    if (counters) ThreadCounters::Bump(counters->keyspace_misses);
  }
};

// Case-insensitive option match.
bool ArgIs(std::string_view arg, std::string_view word);

}  // namespace ember::cmd
