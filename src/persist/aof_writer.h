// Appending executed writes to the AOF (Redis 7 multi-part layout, docs/aof_format.md).
//
// The writer owns one directory (`appenddirname`): a base file, incremental files and the
// manifest. Commands are appended, as RESP, to the newest incremental file; a SELECT is
// written whenever the database differs from the previous command's (and at the start of
// each incremental file, so every file is loadable after any base).
//
// Durability policies (appendfsync):
//   kAlways   group commit: a batch is durable (its callback runs / Wait returns) only after
//             an fsync that started after the batch was written. One background thread
//             writes and fsyncs; every batch queued while an fsync runs shares the next one,
//             from any number of threads.
//   kEverySec writes go to the kernel on the caller's thread (under the writer's mutex); a
//             background thread fsyncs once a second. While that fsync runs, writes are
//             postponed (buffered) so the caller does not block behind a slow disk; once a
//             write has been postponed for max_postpone_ms it is written anyway (possibly
//             blocking) and delayed_fsync is incremented (Redis's aof_delayed_fsync).
//   kNo       writes go to the kernel on the caller's thread; the OS decides when to flush.
// A batch is acknowledged (callback ok / Wait true) under kEverySec and kNo once its bytes
// are written to the kernel.
//
// After a write or fsync error the writer is failed: every later Append is refused (ticket
// 0, callback false) so the server refuses writes instead of losing them (DESIGN.md). A short
// write is cut back with ftruncate so the file ends on a command boundary.
//
// Rewrite protocol (no rewrite buffer): StartRewrite opens a new incremental file and records
// it in the manifest; from then on appends go there. The caller writes a point-in-time
// snapshot of the dataset AS OF THAT SWITCH (all writes before it, none after) to
// plan.temp_base_path, as RESP commands or RDB, and calls FinishRewrite, which installs it as
// the new base and drops the old base and incremental files from the manifest. A crash at any
// point leaves a manifest that names a complete, loadable set.
//
// All methods are thread-safe. Callbacks run without the writer's lock held, on the thread
// that completed the write or fsync (a caller of Append, or the background thread); they must
// not call Sync/StartRewrite/FinishRewrite or destroy the writer.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "persist/aof_manifest.h"

namespace ember::persist {

enum class AofFsync { kAlways, kEverySec, kNo };

struct AofWriterOptions {
  std::string dir;                          // the AOF directory; created if missing
  std::string basename = "appendonly.aof";  // appendfilename
  AofFsync fsync = AofFsync::kEverySec;
  int64_t everysec_interval_ms = 1000;
  int64_t max_postpone_ms = 2000;
  // Fault injection for tests: stand-ins for fdatasync(2) and write(2) on the incremental
  // file (same contract: -1 and errno on failure). Unset: the real calls.
  std::function<int(int fd)> fsync_hook;
  std::function<ssize_t(int fd, const void* buf, size_t len)> write_hook;
};

// Commands executed together (e.g. by one event-loop iteration or one MULTI), each tagged
// with its database. Encoded as RESP on Add, so the writer's critical section only copies.
class AofBatch {
 public:
  void Add(int db, std::span<const std::string_view> args);
  void Add(int db, std::span<const std::string> args);
  void Add(int db, std::initializer_list<std::string_view> args);
  bool empty() const { return segments_.empty(); }
  size_t commands() const { return commands_; }
  void Clear();

 private:
  friend class AofWriter;
  struct Segment {
    int db;
    size_t end;  // bytes_[previous end, end) belong to db
  };
  void Note(int db);
  std::string bytes_;
  std::vector<Segment> segments_;
  size_t commands_ = 0;
};

class AofWriter {
 public:
  using Done = std::function<void(bool ok)>;

  // Opens (or creates) the directory, manifest and newest incremental file. Deletes files a
  // previous rewrite left as history. nullptr and *error on failure.
  static std::unique_ptr<AofWriter> Open(const AofWriterOptions& options, std::string* error);
  // Writes and fsyncs what is pending, then stops the background thread.
  ~AofWriter();
  AofWriter(const AofWriter&) = delete;
  AofWriter& operator=(const AofWriter&) = delete;

  // Appends a batch; returns its ticket (> 0), or 0 if the writer has failed. Tickets
  // increase in append order, which is the order of the bytes in the file.
  uint64_t Append(const AofBatch& batch);
  // Buffers one command (RESP-encoded here) without writing it: the server's hot path, called
  // with the command's partition locks held, so it only copies. Returns its ticket, or 0 if
  // the writer has failed. Wait(ticket) writes it out (and under kAlways fsyncs it).
  uint64_t Log(int db, std::span<const std::string_view> args);
  // Appends a batch; `done` runs once it is acknowledged under the policy (see above), or
  // with false if the writer fails first. Callbacks run in ticket order.
  void Append(const AofBatch& batch, Done done);
  // Blocks until `ticket` is acknowledged under the policy; false if the writer failed.
  // Under kEverySec and kNo the caller writes whatever is pending (everybody's) itself, with
  // the writer's lock released during write(2) so appenders never wait for the disk; while
  // the background fsync runs, the write is postponed (the ticket counts as acknowledged)
  // until it has waited max_postpone_ms, as Redis does. Under kAlways the background thread
  // writes and fsyncs: one fsync for every ticket waited on meanwhile (group commit).
  bool Wait(uint64_t ticket);
  // Wait without blocking, for event loops under kAlways: true if `ticket` is acknowledged
  // already or the writer has failed (done is not called; Wait(ticket) then answers at once).
  // Otherwise the background thread is asked to write and fsync it, `done` runs once it is
  // durable or the writer fails (on another thread, without the lock; it must only signal),
  // and false is returned: the caller goes on serving other clients meanwhile. Under the
  // other policies this is Wait(ticket) followed by true.
  bool WaitAsync(uint64_t ticket, Done done);
  // The last ticket handed out (0: none yet).
  uint64_t last_ticket() const { return last_ticket_.load(std::memory_order_acquire); }
  // Writes and fsyncs everything appended so far, whatever the policy, and returns once the
  // callbacks of those batches have run. Must not be called from a callback.
  bool Sync();

  struct RewritePlan {
    int64_t base_seq = 0;
    std::string base_name;       // the new base's name in the directory
    std::string temp_base_path;  // where the caller writes the snapshot
    int64_t first_incr_seq = 0;  // the incremental file opened by StartRewrite
  };
  // Before StartRewrite, which its caller runs with every partition locked: everything that
  // costs a disk round trip is done here instead, with neither those locks nor the writer's
  // held during an fsync. Writes and fsyncs what the current incremental file lacks (after a
  // burst of writes that fsync takes tens of ms), creates the next incremental file and
  // persists a manifest that lists it after the current one (valid as it is: the new file is
  // empty until the switch). Another PrepareSwitch before the switch keeps this one.
  bool PrepareSwitch(std::string* error);
  // The rewrite did not start after PrepareSwitch: closes the prepared file. It stays listed,
  // empty, in the manifest on disk, and the next PrepareSwitch reuses it.
  void CancelSwitch();
  // The switch: later appends go to the incremental file PrepareSwitch made (StartRewrite
  // prepares it itself when that was not called), so the caller's snapshot taken at this
  // point is the dataset of everything before. Only a write(2) of what is pending; the old
  // file's last bytes are fsynced by the next fsync, under the policy, after the locks.
  // On a failed writer StartRewrite is the way back (recovery): what was pending is dropped
  // (the snapshot of the dataset covers it), and the writer keeps refusing appends until
  // FinishRewrite has installed the new base.
  // rdb_base: the caller writes an RDB image (the base is named .base.rdb, as Redis does).
  bool StartRewrite(RewritePlan* plan, std::string* error, bool rdb_base = false);
  // Installs plan.temp_base_path (fsynced here) as the base; ends a recovery.
  bool FinishRewrite(const RewritePlan& plan, std::string* error);
  // Checks that the current incremental file still has a name (someone may have deleted the
  // directory): if not, the writer fails, so writes are refused until a rewrite recovers.
  void CheckFile();
  // Gives up a rewrite: removes the temporary file; the manifest stays valid as it is.
  void AbortRewrite(const RewritePlan& plan);

  // Changes appendfsync (CONFIG SET); tickets already acknowledged stay acknowledged.
  void SetFsync(AofFsync policy);

  struct Stats {
    uint64_t appended = 0;       // the last ticket handed out
    uint64_t delayed_fsync = 0;  // writes that waited max_postpone_ms for an fsync
    uint64_t fsyncs = 0;
    uint64_t written_bytes = 0;
    uint64_t current_size = 0;  // size of the current incremental file
    bool failed = false;
    std::string last_error;
    int last_errno = 0;          // errno of the failure (Redis's MISCONF text uses it)
    uint64_t pending_bytes = 0;  // buffered, not yet written (aof_buffer_length)
    bool fsync_running = false;  // aof_pending_bio_fsync
    bool rewrite_in_progress = false;
  };
  Stats stats() const;
  AofManifest manifest() const;
  std::string CurrentIncrPath() const;

 private:
  explicit AofWriter(const AofWriterOptions& options);
  bool Init(std::string* error);
  uint64_t AppendLocked(std::unique_lock<std::mutex>& lk, const AofBatch& batch);
  // Writes pending_ (one writer at a time). Unless keep_lock, mu_ is released during the
  // write(2) calls; returns with it held.
  bool WriteOut(std::unique_lock<std::mutex>& lk, bool keep_lock = false);
  void FailLocked(std::string error, int err = 0);
  bool Acked(uint64_t ticket) const;
  std::vector<std::pair<Done, bool>> TakeReadyLocked();
  // Queues a callback in ticket order (callers may register out of order across threads).
  void AddCallbackLocked(uint64_t ticket, Done done);
  void RunCallbacks(std::unique_lock<std::mutex>& lk);
  void BackgroundLoop();
  // Fsyncs the current file with the lock released; returns with it held again.
  bool FsyncUnlocked(std::unique_lock<std::mutex>& lk);
  // Installs m as the manifest (write, fsync, rename, directory fsync). Only the rewrite
  // steps change the manifest, one at a time (their caller's rule), so it runs without mu_.
  bool PersistManifest(const AofManifest& m, std::string* error) const;
  // Opens (creating) an incremental file for appending: its fd and size, or -1 and *error.
  int OpenIncr(const std::string& name, uint64_t* size, std::string* error) const;
  bool OpenIncrLocked(const std::string& name, std::string* error);
  // Closes retired_fds_ when none of them can still owe an fsync.
  void CloseRetiredLocked();
  std::string IncrPathLocked() const;
  std::string PathOf(const std::string& name) const { return options_.dir + "/" + name; }

  const AofWriterOptions options_;
  mutable std::mutex mu_;
  AofFsync fsync_;  // options_.fsync until SetFsync
  // Threads waiting for acks, a write or an fsync to end sleep on cv_ (notified only when
  // some are waiting); the background thread sleeps on bg_cv_, woken only when it has work
  // (kAlways: someone waits for durability; stop; policy change). A wake-up per request
  // would cost a context switch per request.
  std::condition_variable cv_;
  std::condition_variable bg_cv_;
  int waiters_ = 0;
  std::atomic<uint64_t> acked_{0};  // highest acknowledged ticket, for the lock-free fast path
  std::atomic<uint64_t> last_ticket_{0};  // appended_seq_, for readers without the lock
  void Await(std::unique_lock<std::mutex>& lk, const std::function<bool()>& done);
  void Notify();
  void UpdateAckedLocked();
  AofManifest manifest_;
  // The next incremental file, created and listed in the persisted manifest by PrepareSwitch.
  struct Prepared {
    int fd = -1;
    uint64_t size = 0;
    AofManifest manifest;  // manifest_ with it
  };
  std::optional<Prepared> prepared_;
  // Incremental files switched away from, written to their end: the next fsync covers them
  // (their last bytes may not be durable yet), then closes them.
  std::vector<int> retired_fds_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  int cur_db_ = -1;
  std::string pending_;      // encoded, not yet written
  std::string spare_;        // the previous write's buffer, reused for appends
  bool writing_ = false;     // a thread is in WriteOut (fd_ and file_size_ stay put)
  bool recovering_ = false;  // a rewrite started on a failed writer
  int last_errno_ = 0;
  uint64_t appended_seq_ = 0, written_seq_ = 0, durable_seq_ = 0;
  bool fsync_running_ = false;
  int64_t postponed_since_us_ = 0;
  std::deque<std::pair<uint64_t, Done>> callbacks_;
  bool failed_ = false;
  std::string last_error_;
  bool stop_ = false;
  bool rewrite_in_progress_ = false;
  bool draining_ = false;  // a thread is running callbacks
  uint64_t delayed_fsync_ = 0, fsyncs_ = 0, written_bytes_ = 0;
  std::thread thread_;
};

// BGREWRITEAOF with the AOF off (Redis writes a base and a manifest naming only it): plans
// the next base of the directory; the caller writes it to plan->temp_base_path, then
// FinishOfflineRewrite installs it and drops every file the old manifest named.
bool PlanOfflineRewrite(const AofWriterOptions& options, bool rdb_base,
                        AofWriter::RewritePlan* plan, std::string* error);
bool FinishOfflineRewrite(const AofWriterOptions& options, const AofWriter::RewritePlan& plan,
                          std::string* error);

// Moves a Redis <= 6 single-file AOF (<dir>/<appendfilename>) into the multi-part layout:
// it becomes the base (keeping its name) of <dir>/<appenddirname>, with a new manifest; open
// an AofWriter on the directory afterwards to add the first incremental file. Crash-safe:
// the file is hard-linked into the directory, the manifest is installed atomically, and only
// then is the old name removed, so at any moment either the single file or the manifest
// (which takes precedence) is loadable. Returns "" or an error.
std::string UpgradeSingleFileAof(const std::string& dir, const std::string& appenddirname,
                                 const std::string& appendfilename);

}  // namespace ember::persist
