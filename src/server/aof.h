// The append-only file as the server uses it: logging executed writes (cmd::WriteLog) and
// expired keys (ExpiryObserver) to a persist::AofWriter, loading the AOF at start-up through
// the normal command handlers, BGREWRITEAOF (Redis 7's multi-part layout: no rewrite buffer;
// the base is a background snapshot, no fork), automatic rewrites by size, recovery from
// disk errors, INFO fields and
// CONFIG SET appendonly / appendfsync at runtime.
//
// Ordering: Log runs with the command's partition locks held (see cmd::WriteLog), so the
// file's order is a valid serial order of the writes. The writer pointer only changes while
// every partition of every database is locked, so Log reads it without further locking.
//
// Acknowledgement: a worker collects the tickets of the writes it ran in one event-loop
// iteration and calls Wait once before sending their replies (Redis's beforeSleep): one
// write(2) per iteration under everysec and no, one shared fsync (group commit) under always.
// A write that could not be logged gets a MISCONF error instead of its reply; while the AOF
// is failing, write commands are refused, and the cron retries a rewrite until one succeeds
// (the new base holds everything in memory, so nothing is lost).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmd/context.h"
#include "persist/aof_writer.h"
#include "persist/background_snapshot.h"
#include "store/database.h"

namespace ember::server {

class Server;

class AofService final : public cmd::WriteLog, public ExpiryObserver {
 public:
  explicit AofService(Server& server);
  ~AofService() override;

  // Start-up, before any client: loads the AOF when appendonly is yes (or, when there is no
  // AOF yet, dbfilename, and then writes the first base from it), else dbfilename; then
  // opens the AOF for appending. "" or the fatal error (the server exits).
  std::string LoadAtStartup();

  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // True while the AOF cannot be written: write commands are refused (MISCONF).
  bool failing() const { return failing_.load(std::memory_order_relaxed); }
  std::string MisconfError() const;

  // cmd::WriteLog (any worker, under the command's partition locks).
  uint64_t Log(int db, std::span<const std::string_view> args, int64_t now_ms) override;
  // ExpiryObserver: logs a DEL for each expired key.
  void KeyExpired(int db, std::string_view key) override;
  // Blocks until the ticket is acknowledged under appendfsync; false: not persisted.
  bool Wait(uint64_t ticket);
  // For event loops: kAcked or kFailed when that is known now (under everysec and no this
  // is Wait: one write(2)); under appendfsync always kPending while the ticket is still on
  // its way to disk, and `done` runs later (on another thread, to signal only) once it is
  // durable or the AOF fails.
  enum class AckState { kAcked, kFailed, kPending };
  AckState WaitAsync(uint64_t ticket, std::function<void(bool)> done);
  // Under appendfsync always, the last ticket handed out (a reply that may show data written
  // up to now waits for it: nobody reads what a crash could take back); 0 otherwise.
  uint64_t VisibleTicket() const;

  // BGREWRITEAOF. *scheduled: a BGSAVE is running; the rewrite starts after it. Otherwise
  // the cron thread starts it at once (requested_): the event loop does not make the AOF
  // durable and switch its file itself (tens of ms after a burst of writes, every client of
  // the loop waiting); it is in progress from now on.
  std::string BackgroundRewrite(bool* scheduled);
  bool rewrite_in_progress() const { return rewriting_.load() || requested_.load(); }
  // Cron thread: installs a finished rewrite, starts scheduled / automatic / recovery rewrites,
  // notices a deleted file.
  void Cron();
  // Shutdown (workers stopped): stops a rewrite, writes and fsyncs what is pending.
  void Close();

  // CONFIG SET apply hooks: "" or the error.
  std::string ApplyAppendOnly();
  std::string ApplyFsync();

  // The aof_* fields of INFO persistence, in Redis's order.
  std::vector<std::pair<std::string, std::string>> InfoFields();

 private:
  struct Rewrite {
    persist::AofWriter::RewritePlan plan;
    std::shared_ptr<persist::AofWriter> writer;  // null: the AOF is off (base and manifest only)
    std::unique_ptr<persist::BackgroundSnapshot> job;  // writes the new base
    int64_t start_ms = 0;
  };
  persist::AofWriterOptions WriterOptions() const;
  std::string AofDir() const;
  // Replays one command of the file through the handlers (expiry paused).
  bool Replay(std::span<const std::string_view> args, std::string* error);
  // Opens the writer and installs it (no client may run: start-up or all partitions locked).
  std::string OpenWriter(std::shared_ptr<persist::AofWriter>* out);
  void Install(std::shared_ptr<persist::AofWriter> w);
  // Starts a background snapshot that writes the base of a new rewrite. "" or the error.
  std::string StartRewrite(const char* why);
  // Writes a base synchronously (start-up, no other thread running).
  std::string RewriteNow();
  // Cron: installs a finished rewrite's base (or, with stop, abandons a running one).
  void ReapRewrite(bool stop);
  void RefreshSizes();
  std::shared_ptr<persist::AofWriter> writer() const;
  // The writer and the base of its tickets (service ticket = base + writer ticket).
  std::pair<std::shared_ptr<persist::AofWriter>, uint64_t> Current() const;

  Server& server_;
  std::atomic<bool> enabled_{false};
  std::atomic<bool> failing_{false};
  // Guarded by writer_mu_ for readers outside partition locks (Wait, INFO, cron); changed
  // only with every partition locked as well, so Log may read raw_ under its key's lock.
  mutable std::mutex writer_mu_;
  std::shared_ptr<persist::AofWriter> writer_;
  persist::AofWriter* raw_ = nullptr;
  // Tickets of retired writers are <= base_ (all synced when retired): Wait returns at once.
  uint64_t base_ = 1;

  // Rewrite state (cron thread and BGREWRITEAOF, under rewrite_mu_).
  std::mutex rewrite_mu_;
  std::atomic<bool> rewriting_{false};
  std::atomic<bool> requested_{false};  // BGREWRITEAOF, for the cron to start
  Rewrite rewrite_;
  std::atomic<bool> scheduled_{false};
  bool base_stale_ = false;  // the files do not hold the whole dataset: rewrite (retrying)
  int64_t next_retry_ms_ = 0;
  int64_t retry_delay_ms_ = 1000;
  int64_t last_check_ms_ = 0;

  // INFO.
  std::atomic<uint64_t> rewrites_{0};
  std::atomic<uint64_t> consecutive_failures_{0};
  std::atomic<bool> last_rewrite_ok_{true};
  std::atomic<int64_t> last_rewrite_time_s_{-1};
  std::atomic<int64_t> rewrite_start_ms_{0};  // for INFO (rewrite_ is the cron's)
  std::atomic<int64_t> current_size_{0};      // all files of the manifest, at the last refresh
  std::atomic<int64_t> base_size_{0};
  std::atomic<int64_t> rewrite_base_size_{0};  // total size after the last rewrite or load
  std::atomic<uint64_t> written_at_refresh_{0};
  std::atomic<uint64_t> replay_errors_{0};
  int replay_db_ = 0;  // the database SELECTed by the file being loaded
  std::string replay_scratch_;
};

}  // namespace ember::server
