// The composition root: configuration, keyspace, command table, worker threads, cron and
// the services commands reach through cmd::ServerApi.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "cmd/command.h"
#include "cmd/context.h"
#include "persist/background_snapshot.h"
#include "server/config.h"
#include "server/connection.h"
#include "store/database.h"

namespace ember::server {

// A counter written by one thread and read by any: relaxed loads and stores, no RMW.
struct Counter {
  std::atomic<uint64_t> v{0};
  void Add(uint64_t n = 1) {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
  void Reset() { v.store(0, std::memory_order_relaxed); }
};

// Per-command latency histogram (LATENCY HISTOGRAM): bucket b counts calls that took up to
// about 2^(b+10) ns, the power-of-two buckets Redis reports.
inline constexpr size_t kLatencyBuckets = 48;
size_t LatencyBucket(int64_t duration_us);  // admin_commands.cc

struct CommandStat {
  Counter calls, usec, rejected, failed;
  std::array<Counter, kLatencyBuckets> latency;
};

// An instantaneous rate for INFO (ops/sec, network kbps): the mean of the last samples of a
// counter's growth, taken by the cron every 100 ms as Redis does. Guarded by its owner.
struct InstantMetric {
  static constexpr size_t kSamples = 16;
  int64_t last_time_us = 0;
  uint64_t last_value = 0;
  std::array<double, kSamples> samples{};
  size_t idx = 0;
  void Sample(int64_t now_us, uint64_t value);
  double Average() const;
};

struct SlowlogEntry {
  uint64_t id;
  int64_t time_s;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string addr;
  std::string name;
};

struct LatencyEvent {
  std::string name;
  std::deque<std::pair<int64_t, int64_t>> samples;  // (unix seconds, ms)
  int64_t max_ms = 0;
};

class Worker;
class AofService;

// Listening sockets shared by every worker; closed when the last holder lets go (so a worker
// never removes a reused fd number from its poller).
struct ListenerSet {
  std::vector<int> fds;
  ~ListenerSet();
};

class Server final : public cmd::ServerApi {
 public:
  explicit Server(std::unique_ptr<Config> config, const Clock* clock = &SystemClock::Instance());
  ~Server() override;

  // Opens listeners and starts threads; returns "" or an error.
  std::string Start();
  // Blocks until shutdown is requested (SHUTDOWN, signal), then stops every thread.
  void Wait();
  void RequestShutdown();
  bool shutting_down() const { return shutdown_.load(); }

  // Clock readings shared by the requests of one read (a pipeline), so that each command
  // reads the clock once instead of three times (its start, its end, the wall clock).
  struct DispatchClock {
    int64_t mono_us = 0;  // when the previous command ended (MonotonicUs), 0: not yet
    // Wall-clock minus monotonic microseconds, measured by the worker once per event-loop
    // pass; 0 when unknown (the command reads the wall clock).
    int64_t wall_minus_mono_us = 0;
  };
  // Executes one request for a connection; appends the reply to c.out.
  void Dispatch(Connection& c, cmd::ArgList args, Worker& w, DispatchClock* clock = nullptr);
  // Whether the wall clock is SystemClock, so that it can be derived from the monotonic one
  // (tests inject a manual clock, which must be read).
  bool system_clock() const { return system_clock_; }

  // cmd::ServerApi
  int64_t proto_max_bulk_len() const override { return config_->proto_max_bulk_len.load(); }
  void RunInBackground(std::function<void()> fn) override;
  void SetActiveExpire(bool on) override { active_expire_.store(on); }
  uint64_t Random() override;
  bool lfu_policy() const override;
  bool FlushAllAndSave(const std::function<void()>& flush) override;

  Config& config() { return *config_; }
  Keyspace& keyspace() { return *keyspace_; }
  cmd::CommandTable& commands() { return table_; }
  const Clock& clock() const { return *clock_; }
  const std::vector<std::unique_ptr<Worker>>& workers() const { return workers_; }

  // Client registry (CLIENT LIST/KILL, INFO clients).
  void RegisterClient(Connection* c);
  void UnregisterClient(Connection* c);
  template <typename Fn>
  void ForEachClient(Fn&& fn) {
    std::lock_guard lk(clients_mu_);
    for (auto& [id, c] : clients_) fn(*c);
  }
  size_t client_count() {
    std::lock_guard lk(clients_mu_);
    return clients_.size();
  }
  uint64_t NextClientId() { return next_client_id_.fetch_add(1); }
  // Serialises accept() with id assignment so ids follow connection order.
  std::mutex& accept_mu() { return accept_mu_; }
  // The worker that takes the next connection (round robin).
  Worker& NextWorker();
  // Opens the listening sockets for the configured bind addresses; null with *err on failure.
  std::shared_ptr<ListenerSet> OpenListeners(int port, std::string* err);
  // Binds one UDP socket per worker on each configured bind address (SO_REUSEPORT spreads the
  // datagrams); "" or the error. Start() only: udp-port and the UDP addresses are fixed then.
  std::string OpenUdpListeners(int port);

  // Slow log and latency monitor.
  void SlowlogAdd(cmd::ArgList args, int64_t duration_us, const Connection& c);
  std::vector<SlowlogEntry> SlowlogGet(int64_t count);
  size_t SlowlogLen();
  void SlowlogReset();
  void LatencyAdd(const std::string& event, int64_t ms);
  std::vector<LatencyEvent> LatencyEvents();
  void LatencyReset(const std::vector<std::string>& names, size_t* reset);

  // Statistics.
  int64_t start_time_us() const { return start_us_; }
  const std::string& run_id() const { return run_id_; }
  // INFO replication's master_replid: random per start, as Redis's (no replication yet).
  const std::string& replid() const { return replid_; }
  void ResetStats();
  Counter expired_stale_perc;  // unused placeholder for INFO compatibility
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> expire_cycle_cpu_ms{0};
  std::atomic<uint64_t> error_replies{0};
  // Redis's fork statistics, for the pause that starts a background snapshot here (no fork):
  // every partition locked, from the first lock taken to the last released (BGSAVE, rewrite).
  std::atomic<int64_t> latest_fork_usec{0};
  std::atomic<uint64_t> total_forks{0};
  std::atomic<int64_t> lastsave_s{0};
  std::atomic<uint64_t> dirty{0};
  std::vector<int> tcp_ports_bound;
  int udp_port_bound = 0;

  std::string InfoText(const std::vector<std::string>& sections);  // info.cc

  // Snapshots (server.cc). SaveSnapshot writes dbfilename (relative to dir, the working
  // directory) synchronously, one database at a time with all its partitions locked; ""
  // or the error. Call with no partition lock held; one save runs at a time.
  std::string SaveSnapshot();
  // Loads dbfilename before Start(): "" when loaded or when there is no file, else the error
  // (the keyspace is then untouched).
  std::string LoadSnapshotAtStartup();
  // Loads what persistence holds before Start(): the AOF with appendonly yes (see
  // AofService::LoadAtStartup), else dbfilename. "" or the fatal error.
  std::string LoadDataAtStartup();
  AofService& aof() { return *aof_; }

  // Locks every partition of every database (in address order), runs fn, unlocks: a moment
  // when no command is half-done. Call with no partition lock held.
  // paused_us (if given): from the first lock taken to the last released.
  void WithAllLocked(const std::function<void()>& fn, int64_t* paused_us = nullptr);
  // Starts a background snapshot (no fork, see persist/background_snapshot.h) at one point
  // in time: with every partition locked, runs `prepare`, which fills in the options (false:
  // nothing starts, null is returned), and frees the snapshots retired earlier.
  // *busy (if given): another snapshot is still running or not yet collected.
  std::unique_ptr<persist::BackgroundSnapshot> StartSnapshot(
      const std::function<bool(persist::BackgroundSnapshotOptions*)>& prepare,
      bool* busy = nullptr);
  // A finished (joined) snapshot: its write barrier is removed now; the object is freed at the
  // next moment no writer can still be inside it (the next StartSnapshot, or shutdown).
  void RetireSnapshot(std::unique_ptr<persist::BackgroundSnapshot> s);

  // Persistence failures that refuse writes (and PING), as Redis does: 0 none, else the
  // MISCONF reply. Refreshed by the cron and when a save or the AOF fails.
  std::string DiskErrorReply();
  void UpdateDiskError();
  bool disk_error() const { return disk_error_.load(std::memory_order_relaxed); }

  // Before the replies of c's writes go out: waits until the AOF acknowledges them
  // (c.aof_ticket); if it cannot, each such reply becomes a MISCONF error. Returns false then.
  // Tickets up to `acked` are known to be acknowledged (the caller waited for them).
  bool AwaitPersistence(Connection& c, uint64_t acked = 0);
  // BGSAVE: a background snapshot of the whole keyspace at this moment, written to
  // dbfilename by a thread (no fork); the cron collects it (ReapBackgroundSave). "" when
  // started (or, with schedule, *scheduled when one was already running), else the error.
  std::string BackgroundSave(bool schedule, bool* scheduled);
  bool bgsave_in_progress() const { return bgsave_running_.load(); }
  // Cron: collects a finished BGSAVE, then starts a BGSAVE SCHEDULEd meanwhile.
  void ReapBackgroundSave();
  // FLUSHALL, SHUTDOWN, SIGTERM: stops a BGSAVE in progress (collects one already finished).
  // As a Redis child killed with SIGUSR1, a stopped save is not a failed one. Only its walk is
  // waited for: its thread removes its temporary file meanwhile (joined when retired ones go).
  void StopBackgroundSave();
  // Runs the cron's next pass now (a BGREWRITEAOF to start).
  void WakeCron();
  // Cron: starts a BGSAVE when a `save <seconds> <changes>` point is reached (after a failed
  // one, not before 5 seconds have passed, as Redis does).
  void MaybeScheduledSave();
  std::atomic<int64_t> rdb_last_bgsave_time_s{-1};
  std::atomic<int64_t> bgsave_start_ms{0};
  std::atomic<bool> rdb_last_save_ok{true};
  std::atomic<uint64_t> rdb_saves{0};
  std::atomic<uint64_t> rdb_last_load_keys{0};
  std::atomic<uint64_t> rdb_last_load_keys_expired{0};  // skipped at load, their TTL passed

 private:
  std::unique_ptr<AofService> aof_;
  std::atomic<bool> disk_error_{false};
  std::atomic<bool> loading_{false};  // LoadDataAtStartup is replaying the AOF or a dump
  std::mutex bgsave_mu_;              // starting and reaping the BGSAVE
  std::unique_ptr<persist::BackgroundSnapshot> bgsave_;
  std::atomic<bool> bgsave_running_{false};
  std::mutex retired_mu_;
  std::vector<std::unique_ptr<persist::BackgroundSnapshot>> retired_snapshots_;
  std::atomic<bool> bgsave_scheduled_{false};
  uint64_t bgsave_dirty_ = 0;  // `dirty` when the BGSAVE started
  uint64_t bgsave_seq_ = 0;    // BGSAVEs started (their temporary files' names)
  // Under bgsave_mu_, bgsave_ done: its outcome into INFO and the log; bgsave_ retired.
  void CollectBackgroundSaveLocked();
  int64_t bgsave_last_try_ms_ = 0;  // cron thread only

 public:
  // INFO support (info.cc). Every error reply goes through CountErrorReply ("-CODE msg" or
  // "CODE msg"): total_error_replies and the per-code errorstats.
  void CountErrorReply(std::string_view error);
  void ResetErrorStats();
  void SampleInstantMetrics();              // cron thread
  std::atomic<int64_t> blocked_clients{0};  // clients waiting in a blocking command
  std::atomic<uint64_t> used_memory_peak{0};
  uint64_t used_memory_startup = 0;

  // Configuration side effects (config_commands.cc): installs the apply hooks of runtime
  // changes and applies the start-up values; called once by the constructor.
  void InitConfigHooks();
  // Reopens every worker's listeners on the configured bind addresses and port; returns ""
  // or the error (nothing changed then).
  std::string RebindListeners();
  // Checks that no other socket (another process's SO_REUSEPORT group included) holds the
  // port on the configured addresses: "" or the error.
  std::string ProbeListenAddresses(int port);

 private:
  void CronLoop();
  void BackgroundLoop();
  void RunActiveExpire();
  void RunActiveRehash();

  std::unique_ptr<Config> config_;
  const Clock* clock_;
  bool system_clock_ = false;
  std::unique_ptr<Keyspace> keyspace_;
  cmd::CommandTable table_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::atomic<bool> shutdown_{false};
  std::mutex shutdown_mu_;
  std::condition_variable shutdown_cv_;
  bool cron_wake_ = false;  // under shutdown_mu_ (WakeCron)

  std::atomic<bool> active_expire_{true};
  int expire_db_ = 0;  // where the active expiry cycle resumes (cron thread only)
  int rehash_db_ = 0;  // where the active rehash resumes (cron thread only)
  std::thread cron_;
  std::thread background_;
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  std::deque<std::function<void()>> bg_queue_;
  bool bg_stop_ = false;

  std::mutex clients_mu_;
  std::unordered_map<uint64_t, Connection*> clients_;
  std::atomic<uint64_t> next_client_id_{1};
  std::mutex accept_mu_;
  std::atomic<uint64_t> next_worker_{0};

  std::mutex slowlog_mu_;
  std::deque<SlowlogEntry> slowlog_;
  uint64_t slowlog_next_id_ = 0;
  std::mutex latency_mu_;
  std::vector<LatencyEvent> latency_;

  std::mutex errorstats_mu_;
  static constexpr size_t kMaxErrorCodes = 128;
  std::map<std::string, uint64_t, std::less<>> errorstats_;
  bool errorstats_overflow_ = false;
  std::mutex metrics_mu_;
  InstantMetric ops_metric_, net_in_metric_, net_out_metric_;

  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  int64_t start_us_;
  std::string run_id_;
  std::string replid_;

  friend class Worker;
};

// Bytes the allocator has handed out (INFO used_memory, the RDB used-mem field); info.cc.
uint64_t AllocatedBytes();
// The allocator's name as INFO's mem_allocator shows it ("jemalloc-5.3.0", "libc", ...).
std::string AllocatorName();

// Registers every command family (the list lives in one place: all_commands.cc).
void RegisterAllCommands(cmd::CommandTable& table);

}  // namespace ember::server
