#include "server/server.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include "base/strutil.h"
#include "base/thread.h"
#include "net/socket.h"
#include "net/udp.h"
#include "persist/snapshot.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/session.h"
#include "server/worker.h"

namespace ember::server {

Server::Server(std::unique_ptr<Config> config, const Clock* clock)
    : config_(std::move(config)),
      clock_(clock),
      system_clock_(dynamic_cast<const SystemClock*>(clock) != nullptr),
      rng_(std::random_device{}()) {
  keyspace_ = std::make_unique<Keyspace>(static_cast<int>(config_->databases.load()));
  RegisterAllCommands(table_);
  start_us_ = clock_->NowUs();
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) run_id_ += kHex[rng_() % 16];
  for (int i = 0; i < 40; ++i) replid_ += kHex[rng_() % 16];
  lastsave_s.store(start_us_ / 1'000'000);
  aof_ = std::make_unique<AofService>(*this);
  InitConfigHooks();
}

Server::~Server() {
  RequestShutdown();
  for (auto& w : workers_) {
    w->Stop();
    w->Join();
  }
  // The cron reads the workers' statistics: it must be gone before they are.
  if (cron_.joinable()) cron_.join();
  {
    std::lock_guard lk(bg_mu_);
    bg_stop_ = true;
  }
  bg_cv_.notify_all();
  StopBackgroundSave();  // its thread is joined with retired_snapshots_
  aof_->Close();         // every worker is gone: what they logged is written and fsynced
  if (background_.joinable()) background_.join();
  workers_.clear();
}

std::string Server::Start() {
  int n = static_cast<int>(config_->threads.load());
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(this, i));
  int port = static_cast<int>(config_->port.load());
  if (port != 0) {
    std::string probe = ProbeListenAddresses(port);
    if (!probe.empty()) return probe;
    std::string err;
    auto set = OpenListeners(port, &err);
    if (!set) return err;
    tcp_ports_bound = {port};
    for (auto& w : workers_) w->SetListeners(set);
  }
  int udp_port = static_cast<int>(config_->udp_port.load());
  if (udp_port != 0) {
    std::string err = OpenUdpListeners(udp_port);
    if (!err.empty()) return err;
  }
  for (auto& w : workers_) w->Start();
  cron_ = std::thread([this] { CronLoop(); });
  background_ = std::thread([this] { BackgroundLoop(); });
  return "";
}

ListenerSet::~ListenerSet() {
  for (int fd : fds) close(fd);
}

std::shared_ptr<ListenerSet> Server::OpenListeners(int port, std::string* err) {
  auto set = std::make_shared<ListenerSet>();
  int backlog = static_cast<int>(config_->tcp_backlog.load());
  for (const auto& a0 : config_->bind()) {
    bool optional = !a0.empty() && a0[0] == '-';
    std::string a = optional ? a0.substr(1) : a0;
    std::string e;
    // SO_REUSEPORT only so a rebind to the same port can overlap the old socket; the probe in
    // ProbeListenAddresses keeps other processes off our port.
    int fd = net::ListenTcp(a, port, backlog, /*reuse_port=*/true, &e);
    if (fd >= 0) {
      set->fds.push_back(fd);
    } else if (!optional) {
      *err = "Could not create server TCP listening socket " + a + ":" + std::to_string(port) +
             ": " + e;
      return nullptr;
    }
  }
  if (set->fds.empty()) {
    *err = "Failed listening on port " + std::to_string(port);
    return nullptr;
  }
  return set;
}

std::string Server::OpenUdpListeners(int port) {
  size_t bound = 0;
  for (const auto& a0 : config_->bind()) {
    bool optional = !a0.empty() && a0[0] == '-';
    std::string a = optional ? a0.substr(1) : a0;
    std::string e;
    // A socket without SO_REUSEPORT fails when anything holds the port, so another process's
    // SO_REUSEPORT group cannot silently share our datagrams.
    int probe = net::BindUdp(a, port, /*reuse_port=*/false, &e);
    if (probe < 0) {
      if (optional) continue;
      return "Could not create server UDP listening socket " + a + ":" + std::to_string(port) +
             ": " + e;
    }
    close(probe);
    for (auto& w : workers_) {
      int fd = net::BindUdp(a, port, /*reuse_port=*/true, &e);
      if (fd < 0)
        return "Could not create server UDP listening socket " + a + ":" + std::to_string(port) +
               ": " + e;
      w->AddUdpSocket(fd);
    }
    ++bound;
  }
  if (bound == 0) return "Failed listening on UDP port " + std::to_string(port);
  udp_port_bound = port;
  LogNotice("UDP requests accepted on port " + std::to_string(port) + " (" +
            std::to_string(workers_.size()) + " sockets per address)");
  return "";
}

Worker& Server::NextWorker() {
  return *workers_[next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

void Server::Wait() {
  std::unique_lock lk(shutdown_mu_);
  shutdown_cv_.wait(lk, [this] { return shutdown_.load(); });
}

void Server::RequestShutdown() {
  {
    std::lock_guard lk(shutdown_mu_);
    shutdown_.store(true);
  }
  shutdown_cv_.notify_all();
}

void Server::WakeCron() {
  {
    std::lock_guard lk(shutdown_mu_);
    cron_wake_ = true;
  }
  shutdown_cv_.notify_all();
}

void Server::RunInBackground(std::function<void()> fn) {
  {
    std::lock_guard lk(bg_mu_);
    bg_queue_.push_back(std::move(fn));
  }
  bg_cv_.notify_one();
}

void Server::BackgroundLoop() {
  SetThreadName("ember-lazyfree");
  // Lazy freeing (FLUSHALL ASYNC, UNLINK) yields the CPU to the event loops: freeing ten
  // million entries must not delay a client on the same core.
  SetBackgroundThread(10);
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lk(bg_mu_);
      bg_cv_.wait(lk, [this] { return bg_stop_ || !bg_queue_.empty(); });
      if (bg_queue_.empty()) return;
      job = std::move(bg_queue_.front());
      bg_queue_.pop_front();
    }
    job();
  }
}

uint64_t Server::Random() {
  std::lock_guard lk(rng_mu_);
  return rng_();
}

bool Server::lfu_policy() const {
  return config_->maxmemory_policy().find("lfu") != std::string::npos;
}

void Server::CronLoop() {
  SetThreadName("ember-cron");
  SetBackgroundThread(0);  // the active expiry must not preempt a loop when it wakes up
  int64_t allocator_check_us = 0;
  while (!shutdown_.load()) {
    int64_t hz = std::max<int64_t>(1, config_->hz.load());
    int64_t period_us = 1'000'000 / hz;
    int64_t t0 = MonotonicUs();
    if (t0 - allocator_check_us >= 1'000'000) {
      // jemalloc starts its purging threads as it needs them: as they come, they become
      // background work too (the 10M-key fill saw one keep a loop's core for 3.4 ms).
      allocator_check_us = t0;
      SetBackgroundThreadsNamed("jemalloc_bg_thd", 10);
    }
    if (active_expire_.load()) RunActiveExpire();
    int64_t spent = MonotonicUs() - t0;
    expire_cycle_cpu_ms.fetch_add(static_cast<uint64_t>(spent / 1000));
    int64_t lat = config_->latency_monitor_threshold.load();
    if (lat > 0 && spent / 1000 >= lat) LatencyAdd("expire-cycle", spent / 1000);
    if (config_->activerehashing.load() != 0) RunActiveRehash();
    SampleInstantMetrics();
    ReapBackgroundSave();
    aof_->Cron();
    MaybeScheduledSave();
    UpdateDiskError();
    int64_t sleep_us = std::max<int64_t>(period_us - spent, 1000);
    std::unique_lock lk(shutdown_mu_);
    shutdown_cv_.wait_for(lk, std::chrono::microseconds(sleep_us),
                          [this] { return shutdown_.load() || std::exchange(cron_wake_, false); });
  }
}

// Redis's slow cycle: at most 25% of a cron period; keep going while more than 10% of the
// sampled volatile keys were expired, so a mass expiry is reclaimed quickly. Each step of
// active-expire-effort above 1 adds 2% of CPU, a quarter more buckets per round and lowers
// the acceptable share of stale keys by 1%, as Redis does.
void Server::RunActiveExpire() {
  int64_t hz = std::max<int64_t>(1, config_->hz.load());
  int64_t effort = std::clamp<int64_t>(config_->active_expire_effort.load(), 1, 10) - 1;
  int64_t budget_us = 1'000'000 / hz * (25 + 2 * effort) / 100;
  size_t buckets = static_cast<size_t>(256 + 64 * effort);
  size_t stale_perc = static_cast<size_t>(10 - effort);
  int64_t start = MonotonicUs();
  YieldPoint yield;
  // Resume at the database where the previous cycle ran out of time, so a mass expiry in one
  // database does not starve the others.
  const int n = keyspace_->num_dbs();
  for (int k = 0; k < n; ++k) {
    int i = (expire_db_ + k) % n;
    Database& db = keyspace_->db(i);
    while (true) {
      size_t sampled = 0;
      int64_t ttl_sum = 0;
      size_t deleted = db.ExpireCycle(clock_->NowMs(), buckets, &sampled, &ttl_sum);
      size_t live = sampled - deleted;
      if (live > 0) {
        int64_t avg = ttl_sum / static_cast<int64_t>(live);
        int64_t old = db.avg_ttl_ms.load();
        // Moving average (49/50 old, 1/50 new), divided first: TTLs can be near INT64_MAX.
        db.avg_ttl_ms.store(old == 0 ? avg : old / 50 * 49 + avg / 50);
      }
      if (sampled == 0) db.avg_ttl_ms.store(0);
      if (MonotonicUs() - start > budget_us) {
        expire_db_ = i;
        return;
      }
      if (sampled == 0 || deleted * 100 < sampled * stale_perc) break;
      // Between steps (a few hundred µs each, so longer than the yield period), let an event
      // loop that shares this core run: without it, a request arriving during a mass expiry
      // waited for the rest of this thread's time slice (the probe of bench/latency_cliffs.py
      // saw ~5 ms every cron period; with it, at most 4 ms and p99.9 1.3-2.2 ms).
      yield.Check();
    }
  }
}

// Like Redis's activerehashing: one pass per cron period, up to 0.5 ms, moves the buckets of key
// tables left between two arrays (a table resizes incrementally, advanced by writes, so a table
// that stops receiving writes mid-resize would keep its old array). Tables that writes are moving
// on are left to them: during a 10M-key fill, a cron taking their work kept the event loop's
// core for up to 1.7 ms.
void Server::RunActiveRehash() {
  constexpr int64_t kBudgetUs = 500;
  constexpr size_t kBucketsPerStep = 1024;
  const int64_t start = MonotonicUs();
  YieldPoint yield;
  // Resume at the database where the previous period ran out of time, as the expiry does.
  const int n = keyspace_->num_dbs();
  for (int k = 0; k < n; ++k) {
    const int i = (rehash_db_ + k) % n;
    while (keyspace_->db(i).RehashStep(kBucketsPerStep)) {
      if (MonotonicUs() - start > kBudgetUs) {
        rehash_db_ = i;
        return;
      }
      yield.Check();
    }
  }
}

void Server::RegisterClient(Connection* c) {
  std::lock_guard lk(clients_mu_);
  clients_[c->id] = c;
}

void Server::UnregisterClient(Connection* c) {
  std::lock_guard lk(clients_mu_);
  clients_.erase(c->id);
}

void Server::SlowlogAdd(cmd::ArgList args, int64_t duration_us, const Connection& c) {
  SlowlogEntry e;
  e.time_s = clock_->NowMs() / 1000;
  e.duration_us = duration_us;
  // Like Redis: at most 32 arguments, each at most 128 bytes.
  size_t n = std::min<size_t>(args.size(), 32);
  for (size_t i = 0; i < n; ++i) {
    if (i == 31 && args.size() > 32) {
      e.args.push_back("... (" + std::to_string(args.size() - 31) + " more arguments)");
      break;
    }
    std::string a(args[i].substr(0, 128));
    if (args[i].size() > 128) a += "... (" + std::to_string(args[i].size() - 128) + " more bytes)";
    e.args.push_back(std::move(a));
  }
  e.addr = c.addr;
  e.name = c.name();
  std::lock_guard lk(slowlog_mu_);
  e.id = slowlog_next_id_++;
  slowlog_.push_front(std::move(e));
  size_t max = static_cast<size_t>(std::max<int64_t>(0, config_->slowlog_max_len.load()));
  while (slowlog_.size() > max) slowlog_.pop_back();
}

std::vector<SlowlogEntry> Server::SlowlogGet(int64_t count) {
  std::lock_guard lk(slowlog_mu_);
  size_t n = count < 0 ? slowlog_.size() : std::min<size_t>(slowlog_.size(), count);
  return std::vector<SlowlogEntry>(slowlog_.begin(), slowlog_.begin() + n);
}

size_t Server::SlowlogLen() {
  std::lock_guard lk(slowlog_mu_);
  return slowlog_.size();
}

void Server::SlowlogReset() {
  std::lock_guard lk(slowlog_mu_);
  slowlog_.clear();
}

void Server::LatencyAdd(const std::string& event, int64_t ms) {
  std::lock_guard lk(latency_mu_);
  int64_t now = clock_->NowMs() / 1000;
  for (auto& e : latency_) {
    if (e.name == event) {
      if (!e.samples.empty() && e.samples.back().first == now) {
        e.samples.back().second = std::max(e.samples.back().second, ms);
      } else {
        e.samples.emplace_back(now, ms);
      }
      while (e.samples.size() > 160) e.samples.pop_front();
      e.max_ms = std::max(e.max_ms, ms);
      return;
    }
  }
  LatencyEvent e;
  e.name = event;
  e.samples.emplace_back(now, ms);
  e.max_ms = ms;
  latency_.push_back(std::move(e));
}

std::vector<LatencyEvent> Server::LatencyEvents() {
  std::lock_guard lk(latency_mu_);
  return latency_;
}

void Server::LatencyReset(const std::vector<std::string>& names, size_t* reset) {
  std::lock_guard lk(latency_mu_);
  *reset = 0;
  if (names.empty()) {
    *reset = latency_.size();
    latency_.clear();
    return;
  }
  for (const auto& n : names) {
    auto it = std::find_if(latency_.begin(), latency_.end(),
                           [&](const LatencyEvent& e) { return EqualsIgnoreCase(e.name, n); });
    if (it != latency_.end()) {
      latency_.erase(it);
      ++*reset;
    }
  }
}

void Server::ResetStats() {
  // Relaxed stores from this thread; a concurrent increment may survive, as in any reset.
  for (auto& w : workers_) {
    for (auto& st : w->cmd_stats) {
      st.calls.Reset();
      st.usec.Reset();
      st.rejected.Reset();
      st.failed.Reset();
      for (auto& b : st.latency) b.Reset();
    }
    w->commands_processed.Reset();
    w->net_input.Reset();
    w->net_output.Reset();
    w->reads_processed.Reset();
    w->writes_processed.Reset();
    w->keyspace_hits.Reset();
    w->keyspace_misses.Reset();
    w->counters.keyspace_hits.store(0, std::memory_order_relaxed);
    w->counters.keyspace_misses.store(0, std::memory_order_relaxed);
  }
  ResetErrorStats();
  rejected_connections.store(0);
  total_connections.store(0);
  error_replies.store(0);
  latest_fork_usec.store(0);
  total_forks.store(0);
  for (int i = 0; i < keyspace_->num_dbs(); ++i) keyspace_->db(i).expired_keys.store(0);
}

// ------------------------------------------------------------------------- Snapshots

std::string Server::SaveSnapshot() {
  static std::mutex save_mu;  // one save at a time, whoever asks (SAVE, SHUTDOWN)
  std::lock_guard lk(save_mu);
  int64_t t0 = MonotonicUs();
  uint64_t dirty_before = dirty.load();
  persist::SnapshotOptions opts;
  opts.rdb.compress = config_->GetInt("rdbcompression") != 0;
  opts.rdb.checksum = config_->GetInt("rdbchecksum") != 0;
  opts.ctime_s = clock_->NowMs() / 1000;
  opts.used_mem = AllocatedBytes();
  persist::SnapshotStats st;
  std::string path = config_->dbfilename();
  std::string err = persist::SaveSnapshot(*keyspace_, persist::FileSystem::Default(), path, opts,
                                          clock_->NowMs(), &st);
  if (!err.empty()) {
    // Like Redis, a failed SAVE leaves rdb_last_bgsave_status alone (it reports BGSAVE).
    LogWarning("Failed saving the DB: " + err);
    return err;
  }
  // Changes made while the save ran may or may not be in the file; count them as unsaved.
  dirty.fetch_sub(dirty_before);
  lastsave_s.store(clock_->NowMs() / 1000);
  rdb_last_save_ok.store(true);
  rdb_saves.fetch_add(1);
  char secs[32];
  snprintf(secs, sizeof(secs), "%.3f", static_cast<double>(MonotonicUs() - t0) / 1e6);
  LogNotice("DB saved on disk (" + std::to_string(st.keys) + " keys, " + std::to_string(st.bytes) +
            " bytes, " + secs + " seconds)");
  return "";
}

void Server::StopBackgroundSave() {
  std::lock_guard lk(bgsave_mu_);
  if (!bgsave_) return;
  if (bgsave_->done()) {  // it ended first: its outcome stands
    CollectBackgroundSaveLocked();
    return;
  }
  // Only the walk is waited for, not the removal of the temporary file (~3 ms for 200 MB).
  bgsave_->AbortWalk();
  bgsave_->Retire();  // no writer tells it anything more (see StartSnapshot)
  {
    std::lock_guard r(retired_mu_);
    retired_snapshots_.push_back(std::move(bgsave_));
  }
  rdb_last_bgsave_time_s.store((clock_->NowMs() - bgsave_start_ms.load()) / 1000);
  LogWarning("Background saving stopped");
  bgsave_running_.store(false);
}

bool Server::FlushAllAndSave(const std::function<void()>& flush) {
  if (loading_.load()) {  // a FLUSHALL replayed from the AOF: the dump file is not touched
    flush();
    return false;
  }
  // Stopped first, so that the snapshot takes nothing of the flushed tables to free.
  StopBackgroundSave();
  flush();
  return !config_->save().empty() && SaveSnapshot().empty();
}

std::string Server::LoadSnapshotAtStartup() {
  int64_t t0 = MonotonicUs();
  std::string path = config_->dbfilename();
  std::unique_ptr<Keyspace> loaded;
  persist::RdbLoadInfo info;
  std::string err = persist::LoadSnapshot(persist::FileSystem::Default(), path,
                                          keyspace_->num_dbs(), clock_->NowMs(), &loaded, &info);
  if (!err.empty()) return "Fatal error loading the DB (" + path + "): " + err + ". Exiting.";
  if (!loaded) return "";  // no file: start empty
  for (int i = 0; i < keyspace_->num_dbs(); ++i)
    Database::SwapContents(keyspace_->db(i), loaded->db(i));
  rdb_last_load_keys.store(info.keys_loaded);
  rdb_last_load_keys_expired.store(info.keys_expired);
  char secs[32];
  snprintf(secs, sizeof(secs), "%.3f", static_cast<double>(MonotonicUs() - t0) / 1e6);
  LogNotice("DB loaded from disk: " + std::string(secs) + " seconds (" +
            std::to_string(info.keys_loaded) + " keys, " + std::to_string(info.keys_expired) +
            " expired keys skipped, RDB version " + std::to_string(info.version) + ")");
  return "";
}

void Server::WithAllLocked(const std::function<void()>& fn, int64_t* paused_us) {
  std::vector<std::mutex*> locks;
  locks.reserve(static_cast<size_t>(keyspace_->num_dbs()) * Database::kPartitions);
  for (int d = 0; d < keyspace_->num_dbs(); ++d) {
    for (size_t i = 0; i < Database::kPartitions; ++i)
      locks.push_back(&keyspace_->db(d).partition(i).mu);
  }
  std::sort(locks.begin(), locks.end());  // LockSet's order: no deadlock with commands
  const int64_t start_us = paused_us ? MonotonicUs() : 0;
  for (auto* m : locks) m->lock();
  fn();
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->unlock();
  if (paused_us) *paused_us = MonotonicUs() - start_us;
}

std::unique_ptr<persist::BackgroundSnapshot> Server::StartSnapshot(
    const std::function<bool(persist::BackgroundSnapshotOptions*)>& prepare, bool* busy) {
  std::unique_ptr<persist::BackgroundSnapshot> job;
  std::vector<std::unique_ptr<persist::BackgroundSnapshot>> old;
  if (busy) *busy = false;
  auto start = [&] {
    // One snapshot at a time: the store has one write barrier (a BGSAVE and a rewrite asked
    // for at the same moment must not both run).
    if (keyspace_->hooks().barrier.load() != nullptr) {
      if (busy) *busy = true;
      return;
    }
    // No writer can be inside a retired snapshot's barrier now: they may go, once their
    // thread is over (a stopped one may still be removing its file: it goes next time).
    {
      std::lock_guard lk(retired_mu_);
      auto over = std::stable_partition(retired_snapshots_.begin(), retired_snapshots_.end(),
                                        [](const auto& s) { return !s->done(); });
      std::move(over, retired_snapshots_.end(), std::back_inserter(old));
      retired_snapshots_.erase(over, retired_snapshots_.end());
    }
    persist::BackgroundSnapshotOptions opts;
    if (!prepare(&opts)) return;
    job = persist::BackgroundSnapshot::Start(*keyspace_, std::move(opts));
  };
  int64_t paused_us = 0;
  WithAllLocked(start, &paused_us);
  if (job) {
    latest_fork_usec.store(paused_us);
    total_forks.fetch_add(1);
  }
  return job;
}

void Server::RetireSnapshot(std::unique_ptr<persist::BackgroundSnapshot> s) {
  if (!s) return;
  s->Join();
  s->Retire();
  std::lock_guard lk(retired_mu_);
  retired_snapshots_.push_back(std::move(s));
}

std::string Server::LoadDataAtStartup() {
  loading_.store(true);
  std::string err = aof_->LoadAtStartup();
  loading_.store(false);
  return err;
}

std::string Server::DiskErrorReply() {
  if (aof_->failing()) return aof_->MisconfError();
  return "MISCONF Ember is configured to save RDB snapshots, but it's currently unable to "
         "persist to disk. Commands that may modify the data set are disabled, because this "
         "instance is configured to report errors during writes if RDB snapshotting fails "
         "(stop-writes-on-bgsave-error option). Please check the Ember logs for details about "
         "the RDB error.";
}

void Server::UpdateDiskError() {
  bool rdb = config_->GetInt("stop-writes-on-bgsave-error") != 0 && !config_->save().empty() &&
             !rdb_last_save_ok.load();
  disk_error_.store(rdb || aof_->failing(), std::memory_order_relaxed);
}

bool Server::AwaitPersistence(Connection& c, uint64_t acked) {
  uint64_t ticket = c.aof_ticket;
  c.aof_ticket = 0;
  if (ticket == 0) return true;
  if (ticket <= acked || aof_->Wait(ticket)) {
    c.unacked.clear();
    return true;
  }
  // Not persisted: none of these writes may be acknowledged.
  std::string err = "-" + aof_->MisconfError() + "\r\n";
  std::string out;
  size_t pos = 0;
  for (auto [start, end] : c.unacked) {
    out.append(c.out, pos, start - pos);
    out += err;
    CountErrorReply(err);
    pos = end;
  }
  out.append(c.out, pos, std::string::npos);
  c.out = std::move(out);
  c.unacked.clear();
  disk_error_.store(true, std::memory_order_relaxed);
  return false;
}

std::string Server::BackgroundSave(bool schedule, bool* scheduled) {
  std::lock_guard lk(bgsave_mu_);
  *scheduled = false;
  if (bgsave_running_.load()) {
    if (!schedule) return "ERR Background save already in progress";
    bgsave_scheduled_.store(true);
    *scheduled = true;
    return "";
  }
  if (aof_->rewrite_in_progress()) {
    if (!schedule)
      return "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE "
             "in order to schedule a BGSAVE whenever possible.";
    bgsave_scheduled_.store(true);
    *scheduled = true;
    return "";
  }
  uint64_t dirty_now = 0;
  bool busy = false;
  std::string path = config_->dbfilename();
  // In progress before the thread can create its temporary file (INFO never shows a
  // temp-*.rdb with rdb_bgsave_in_progress:0 but for a failed save's leftover, or for a save
  // FLUSHALL stopped, whose thread removes it soon after).
  bgsave_running_.store(true);
  // Its own name (not SAVE's temp-PID.rdb, nor an earlier BGSAVE's): a stopped save's thread
  // removes its file after the next save may have begun.
  const uint64_t seq = ++bgsave_seq_;
  bgsave_ = StartSnapshot(
      [&](persist::BackgroundSnapshotOptions* o) {
        // Every partition is locked: this is the snapshot's point in time.
        o->path = path;
        size_t slash = path.rfind('/');
        o->temp_path = (slash == std::string::npos ? "" : path.substr(0, slash + 1)) + "temp-" +
                       std::to_string(getpid()) + "-" + std::to_string(seq) + ".rdb";
        o->rdb = true;
        o->snapshot.rdb.compress = config_->GetInt("rdbcompression") != 0;
        o->snapshot.rdb.checksum = config_->GetInt("rdbchecksum") != 0;
        o->snapshot.ctime_s = clock_->NowMs() / 1000;
        o->snapshot.used_mem = AllocatedBytes();
        o->now_ms = clock_->NowMs();
        dirty_now = dirty.load();
        return true;
      },
      &busy);
  if (!bgsave_) {  // another snapshot (an AOF rewrite) holds the store: after it
    bgsave_running_.store(false);
    bgsave_scheduled_.store(true);
    *scheduled = true;
    return "";
  }
  bgsave_dirty_ = dirty_now;
  bgsave_start_ms.store(clock_->NowMs());
  LogNotice("Background saving started");
  return "";
}

void Server::ReapBackgroundSave() {
  std::unique_lock lk(bgsave_mu_);
  if (!bgsave_ || !bgsave_->done()) return;  // none, or still running
  CollectBackgroundSaveLocked();
  if (bgsave_scheduled_.exchange(false)) {
    lk.unlock();
    bool scheduled;
    std::string e = BackgroundSave(false, &scheduled);
    if (!e.empty()) LogWarning(e);
  }
}

void Server::CollectBackgroundSaveLocked() {
  bgsave_->Join();
  std::string err = bgsave_->error();
  persist::SnapshotStats st = bgsave_->stats();
  RetireSnapshot(std::move(bgsave_));
  rdb_last_bgsave_time_s.store((clock_->NowMs() - bgsave_start_ms.load()) / 1000);
  if (err.empty()) {
    dirty.fetch_sub(std::min(bgsave_dirty_, dirty.load()));
    lastsave_s.store(clock_->NowMs() / 1000);
    rdb_last_save_ok.store(true);
    rdb_saves.fetch_add(1);
    LogNotice("Background saving terminated with success (" + std::to_string(st.keys) + " keys, " +
              std::to_string(st.bytes) + " bytes, at most " + std::to_string(st.peak_buffered) +
              " bytes buffered for writers)");
  } else {
    // Writes are refused (MISCONF) before anyone can see the failed status.
    if (config_->GetInt("stop-writes-on-bgsave-error") != 0 && !config_->save().empty())
      disk_error_.store(true);
    rdb_last_save_ok.store(false);
    LogWarning("Background saving error: " + err);
  }
  UpdateDiskError();
  bgsave_running_.store(false);  // after the outcome is visible in INFO
}

void Server::MaybeScheduledSave() {
  if (bgsave_in_progress() || aof_->rewrite_in_progress()) return;
  if (bgsave_scheduled_.exchange(false)) {  // BGSAVE SCHEDULE during an AOF rewrite
    bool scheduled;
    std::string err = BackgroundSave(false, &scheduled);
    if (!err.empty()) LogWarning(err);
    return;
  }
  std::vector<std::string> points = config_->save();
  if (points.empty()) return;
  int64_t now_ms = clock_->NowMs();
  if (!rdb_last_save_ok.load() && now_ms - bgsave_last_try_ms_ < 5000) return;
  uint64_t changes = dirty.load();
  int64_t since_s = now_ms / 1000 - lastsave_s.load();
  for (size_t i = 0; i + 1 < points.size(); i += 2) {
    int64_t seconds = 0, min_changes = 0;
    if (!ParseInt64(points[i], &seconds) || !ParseInt64(points[i + 1], &min_changes)) continue;
    if (changes >= static_cast<uint64_t>(min_changes) && since_s >= seconds) {
      LogNotice(points[i + 1] + " changes in " + points[i] + " seconds. Saving...");
      bgsave_last_try_ms_ = now_ms;
      bool scheduled;
      std::string err = BackgroundSave(false, &scheduled);
      if (!err.empty()) LogWarning(err);
      return;
    }
  }
}

}  // namespace ember::server
