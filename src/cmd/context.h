// What a command handler sees while it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
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
  // FLUSHALL as Redis 7.0 does it: a BGSAVE in progress is stopped (not a failure) before
  // `flush` runs and, when save points are configured, the emptied dataset is saved right
  // after it. Returns whether it was saved (the flush's changes are then not unsaved ones).
  virtual bool FlushAllAndSave(const std::function<void()>& flush) {
    flush();
    return false;
  }
};

// Where executed writes are recorded (the AOF), implemented by the server. The dispatcher
// calls Log with the partition locks of the command still held, so the order of the log is
// the order in which the keys changed: two commands that touch a common partition are
// logged in the order they ran; commands on disjoint partitions commute. Log returns a
// ticket (> 0) to wait on before acknowledging the write, or 0 when the write could not be
// recorded (persistence is failing: the caller must not acknowledge it).
class WriteLog {
 public:
  // Returned by Log when nothing needs to be waited for (the log is off).
  static constexpr uint64_t kNoWait = ~uint64_t{0};
  virtual ~WriteLog() = default;
  virtual uint64_t Log(int db, std::span<const std::string_view> args, int64_t now_ms) = 0;
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
  // The write log (null: persistence off, or replaying it). A write command with dirty > 0 is
  // logged as it ran (made deterministic by the log) unless its handler logged what to
  // replay itself with Log() (INCRBYFLOAT logs a SET of its result).
  WriteLog* log = nullptr;
  bool logged = false;      // the handler called Log()
  uint64_t log_ticket = 0;  // the highest ticket of this command's log entries
  bool log_failed = false;  // an entry could not be logged: do not acknowledge

  // Records args as executed in db, with the command's partition locks held.
  void Log(int db, std::span<const std::string_view> args) {
    logged = true;
    if (log == nullptr) return;
    uint64_t t = log->Log(db, args, now_ms);
    if (t == 0) log_failed = true;
    if (t != WriteLog::kNoWait && t > log_ticket) log_ticket = t;
  }
  void Log(std::span<const std::string_view> args) { Log(db_index, args); }

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
