#include "server/aof.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "base/clock.h"
#include "base/strutil.h"
#include "cmd/dispatch.h"
#include "persist/aof_loader.h"
#include "persist/aof_propagate.h"
#include "persist/rdb_reader.h"
#include "server/log.h"
#include "server/server.h"

namespace ember::server {

namespace {

persist::AofFsync FsyncPolicy(int64_t v) {
  switch (v) {
    case 1:
      return persist::AofFsync::kAlways;
    case 2:
      return persist::AofFsync::kNo;
    default:
      return persist::AofFsync::kEverySec;
  }
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// Whether an executed write must be rewritten before it is logged (relative or
// non-deterministic times, see persist::MakeDeterministic). The common SET k v is not.
bool NeedsRewrite(std::span<const std::string_view> args) {
  std::string_view n = args[0];
  if (n.size() == 3 && EqualsIgnoreCase(n, "SET")) {
    for (size_t i = 3; i < args.size(); ++i) {
      std::string_view a = args[i];
      if (EqualsIgnoreCase(a, "EX") || EqualsIgnoreCase(a, "PX") || EqualsIgnoreCase(a, "EXAT"))
        return true;
    }
    return false;
  }
  return EqualsIgnoreCase(n, "SETEX") || EqualsIgnoreCase(n, "PSETEX") ||
         EqualsIgnoreCase(n, "EXPIRE") || EqualsIgnoreCase(n, "PEXPIRE") ||
         EqualsIgnoreCase(n, "EXPIREAT") || EqualsIgnoreCase(n, "GETEX");
}

}  // namespace

AofService::AofService(Server& server) : server_(server) {}

AofService::~AofService() { Close(); }

std::string AofService::AofDir() const { return server_.config().appenddirname(); }

persist::AofWriterOptions AofService::WriterOptions() const {
  persist::AofWriterOptions o;
  o.dir = AofDir();  // relative to dir, the working directory
  o.basename = server_.config().appendfilename();
  o.fsync = FsyncPolicy(server_.config().appendfsync.load());
  return o;
}

std::shared_ptr<persist::AofWriter> AofService::writer() const {
  std::lock_guard lk(writer_mu_);
  return writer_;
}

std::pair<std::shared_ptr<persist::AofWriter>, uint64_t> AofService::Current() const {
  std::lock_guard lk(writer_mu_);
  return {writer_, base_};
}

std::string AofService::OpenWriter(std::shared_ptr<persist::AofWriter>* out) {
  std::string err;
  std::unique_ptr<persist::AofWriter> w = persist::AofWriter::Open(WriterOptions(), &err);
  if (!w) return err;
  *out = std::move(w);
  return "";
}

void AofService::Install(std::shared_ptr<persist::AofWriter> w) {
  std::lock_guard lk(writer_mu_);
  if (writer_) base_ += writer_->stats().appended;  // its tickets are behind us now
  writer_ = std::move(w);
  raw_ = writer_.get();
  enabled_.store(raw_ != nullptr);
  server_.keyspace().hooks().expiry_observer.store(raw_ ? this : nullptr);
}

// ------------------------------------------------------------------------ Loading

bool AofService::Replay(std::span<const std::string_view> args, std::string* error) {
  int& db = replay_db_;
  std::string& scratch = replay_scratch_;
  if (args.empty()) return true;
  if (EqualsIgnoreCase(args[0], "SELECT") && args.size() == 2) {
    int64_t n;
    if (!ParseInt64(args[1], &n) || n < 0 || n >= server_.keyspace().num_dbs()) {
      *error = "Invalid database " + std::string(args[1]) + " in SELECT";
      return false;
    }
    db = static_cast<int>(n);
    return true;
  }
  // Transactions are replayed as their commands (the loader yields only complete ones).
  if (EqualsIgnoreCase(args[0], "MULTI") || EqualsIgnoreCase(args[0], "EXEC")) return true;
  cmd::Resolution res = cmd::Resolve(server_.commands(), args);
  if (res.spec == nullptr) {
    if (res.rejected == nullptr) {
      *error = "Unknown command '" + Printable(args[0]) + "' reading the append only file";
    } else {
      *error =
          "Bad command '" + Printable(args[0]) + "' reading the append only file: " + res.error;
    }
    return false;
  }
  if (!res.spec->is_write()) return true;  // reads change nothing
  scratch.clear();
  resp::ReplyWriter reply(&scratch);
  cmd::CommandContext ctx;
  ctx.keyspace = &server_.keyspace();
  ctx.db_index = db;
  ctx.db = &server_.keyspace().db(db);
  ctx.reply = &reply;
  ctx.now_ms = server_.clock().NowMs();
  ctx.spec = res.spec;
  ctx.server = &server_;
  cmd::RunLocked(*res.spec, args, ctx);
  if (!scratch.empty() && scratch[0] == '-') {
    // As Redis: a command that fails now failed when it was logged too; go on.
    if (replay_errors_.fetch_add(1) < 10)
      LogWarning("AOF command '" + Printable(args[0]) +
                 "' failed on replay: " + scratch.substr(1, scratch.find('\r') - 1));
  }
  return true;
}

std::string AofService::LoadAtStartup() {
  Config& cfg = server_.config();
  if (!cfg.appendonly.load()) return server_.LoadSnapshotAtStartup();
  const std::string dir = AofDir();
  const std::string name = cfg.appendfilename();
  int64_t t0 = MonotonicUs();
  Keyspace& ks = server_.keyspace();
  uint64_t rdb_keys = 0;
  persist::AofLoadCallbacks cb;
  cb.command = [this](std::span<const std::string_view> args, std::string* error) {
    return Replay(args, error);
  };
  cb.rdb = [&](std::string_view data, size_t* consumed, std::string* error) {
    persist::RdbLoadInfo info;
    // Expired keys stay: later commands of the AOF may refer to them (see StoreHooks).
    *error = persist::LoadRdb(data, ks, INT64_MIN, &info);
    *consumed = info.consumed;
    rdb_keys += info.keys_loaded;
    return error->empty();
  };
  persist::AofLoadOptions lo;
  lo.load_truncated = cfg.GetInt("aof-load-truncated") != 0;
  ks.hooks().expiry_paused.store(true);
  persist::AofLoadReport rep = persist::LoadAof(".", dir, name, cb, lo);
  ks.hooks().expiry_paused.store(false);
  if (!rep.ok) return "Fatal error loading the append only file: " + rep.error + ". Exiting.";
  for (const std::string& w : rep.warnings) LogWarning(w);

  if (rep.layout == persist::AofLoadReport::Layout::kNone) {
    // No AOF yet: the data is in dbfilename, if anywhere (a switch from RDB to AOF, or a
    // dump.rdb brought from Redis). Load it, then make it the AOF's first base.
    std::string err = server_.LoadSnapshotAtStartup();
    if (!err.empty()) return err;
    std::shared_ptr<persist::AofWriter> w;
    err = OpenWriter(&w);
    if (!err.empty()) return "Can't open the append-only file: " + err;
    Install(std::move(w));
    size_t keys = 0;
    for (int i = 0; i < ks.num_dbs(); ++i) keys += ks.db(i).Size();
    if (keys > 0) {
      err = RewriteNow();
      if (!err.empty()) return "Can't write the append-only file's base: " + err;
    }
    LogNotice("Creating AOF incr file " + dir + "/" + name + " on server start");
    RefreshSizes();
    rewrite_base_size_.store(current_size_.load());
    return "";
  }
  if (rep.truncated) {
    LogWarning("!!! Warning: short read while loading the AOF file " + rep.truncated_file +
               "!!! Truncating the AOF at offset " + std::to_string(rep.valid_length));
    std::string err = persist::TruncateAofFile(rep.truncated_file, rep.valid_length);
    if (!err.empty()) return "Can't truncate the append only file: " + err;
  }
  if (rep.needs_upgrade) {
    std::string err = persist::UpgradeSingleFileAof(".", dir, name);
    if (!err.empty()) return "Can't upgrade the append only file to the multi-part layout: " + err;
    LogNotice("Successfully migrated an old-style AOF " + name + " into the AOF directory " + dir);
  }
  std::shared_ptr<persist::AofWriter> w;
  std::string err = OpenWriter(&w);
  if (!err.empty()) return "Can't open the append-only file: " + err;
  Install(std::move(w));
  RefreshSizes();
  rewrite_base_size_.store(current_size_.load());
  size_t keys = 0;
  for (int i = 0; i < ks.num_dbs(); ++i) keys += ks.db(i).Size();
  server_.rdb_last_load_keys.store(keys);
  // An AOF keeps every key of its preamble: later commands may refer to them (as Redis).
  server_.rdb_last_load_keys_expired.store(0);
  char secs[32];
  snprintf(secs, sizeof(secs), "%.3f", static_cast<double>(MonotonicUs() - t0) / 1e6);
  LogNotice("DB loaded from append only file: " + std::string(secs) + " seconds (" +
            std::to_string(rep.files.size()) + " files, " + std::to_string(rep.commands) +
            " commands, " + std::to_string(rdb_keys) + " keys from the RDB preamble, " +
            std::to_string(keys) + " keys)");
  return "";
}

// ------------------------------------------------------------------------ Logging

uint64_t AofService::Log(int db, std::span<const std::string_view> args, int64_t now_ms) {
  persist::AofWriter* w = raw_;
  if (w == nullptr) return kNoWait;  // AOF off (read under the key's lock: see Install)
  uint64_t t;
  if (!NeedsRewrite(args)) {
    t = w->Log(db, args);
  } else {
    std::vector<persist::AofCommand> cmds = persist::MakeDeterministic(args, now_ms);
    if (cmds.empty()) return kNoWait;  // e.g. GETEX without options: nothing changed
    for (const persist::AofCommand& c : cmds) {
      std::vector<std::string_view> v(c.begin(), c.end());
      t = w->Log(db, v);
      if (t == 0) break;
    }
  }
  if (t == 0) {
    failing_.store(true, std::memory_order_relaxed);
    return 0;
  }
  return base_ + t;
}

void AofService::KeyExpired(int db, std::string_view key) {
  std::string_view del[] = {"DEL", key};
  Log(db, del, 0);
}

bool AofService::Wait(uint64_t ticket) {
  auto [w, base] = Current();
  if (ticket <= base || !w) return true;
  if (w->Wait(ticket - base)) return true;
  failing_.store(true, std::memory_order_relaxed);
  return false;
}

AofService::AckState AofService::WaitAsync(uint64_t ticket, std::function<void(bool)> done) {
  auto [w, base] = Current();
  if (ticket <= base || !w) return AckState::kAcked;
  if (!w->WaitAsync(ticket - base, std::move(done))) return AckState::kPending;
  if (w->Wait(ticket - base)) return AckState::kAcked;  // answers at once after WaitAsync
  failing_.store(true, std::memory_order_relaxed);
  return AckState::kFailed;
}

uint64_t AofService::VisibleTicket() const {
  if (FsyncPolicy(server_.config().appendfsync.load()) != persist::AofFsync::kAlways) return 0;
  auto [w, base] = Current();
  uint64_t t = w ? w->last_ticket() : 0;
  return t == 0 ? 0 : base + t;
}

std::string AofService::MisconfError() const {
  std::shared_ptr<persist::AofWriter> w = writer();
  int err = w ? w->stats().last_errno : 0;
  return std::string("MISCONF Errors writing to the AOF file: ") + strerror(err ? err : EIO);
}

// ------------------------------------------------------------------------ Rewrites

std::string AofService::RewriteNow() {
  // The same background snapshot as BGREWRITEAOF, waited for: nothing else runs yet.
  std::lock_guard lk(rewrite_mu_);
  std::string err = StartRewrite("the first base");
  if (!err.empty()) return err;
  rewrite_.job->Join();
  ReapRewrite(false);
  return last_rewrite_ok_.load() ? "" : "the base could not be written (see the log)";
}

std::string AofService::StartRewrite(const char* why) {
  // Called with rewrite_mu_ held and no snapshot running.
  std::shared_ptr<persist::AofWriter> w = writer();
  const bool preamble = server_.config().GetInt("aof-use-rdb-preamble") != 0;
  Rewrite rw;
  rw.writer = w;
  rw.start_ms = server_.clock().NowMs();
  std::string err;
  bool busy = false;
  // The disk round trips (the current file's fsync, the next file, the manifest) before
  // every partition is locked for the switch.
  if (w && !w->PrepareSwitch(&err)) {
    last_rewrite_ok_.store(false);
    consecutive_failures_.fetch_add(1);
    return err;
  }
  rw.job = server_.StartSnapshot(
      [&](persist::BackgroundSnapshotOptions* o) {
        // Every partition is locked: the switch to a new incremental file is one point in the
        // order of writes, and the snapshot is the dataset at that point.
        bool ok = w ? w->StartRewrite(&rw.plan, &err, preamble)
                    : persist::PlanOfflineRewrite(WriterOptions(), preamble, &rw.plan, &err);
        if (!ok) return false;
        o->path = rw.plan.temp_base_path;
        o->temp_path = rw.plan.temp_base_path + ".part";
        o->rdb = preamble;
        o->snapshot.rdb.compress = server_.config().GetInt("rdbcompression") != 0;
        o->snapshot.rdb.checksum = server_.config().GetInt("rdbchecksum") != 0;
        o->snapshot.ctime_s = server_.clock().NowMs() / 1000;
        o->snapshot.used_mem = AllocatedBytes();
        o->snapshot.aof_base = true;
        o->now_ms = server_.clock().NowMs();
        return true;
      },
      &busy);
  if (!rw.job && w) w->CancelSwitch();
  if (!rw.job && busy) {  // a BGSAVE holds the store: the cron starts the rewrite after it
    scheduled_.store(true);
    return "";
  }
  if (!rw.job) {
    last_rewrite_ok_.store(false);
    consecutive_failures_.fetch_add(1);
    return err.empty() ? "ERR Can't rewrite the append only file" : err;
  }
  rewrite_start_ms_.store(rw.start_ms);
  rewrite_ = std::move(rw);
  rewriting_.store(true);
  LogNotice(std::string("Background append only file rewriting started (") + why + ")");
  return "";
}

std::string AofService::BackgroundRewrite(bool* scheduled) {
  std::lock_guard lk(rewrite_mu_);
  *scheduled = false;
  if (rewrite_in_progress()) return "ERR Background append only file rewriting already in progress";
  if (server_.bgsave_in_progress()) {
    scheduled_.store(true);
    *scheduled = true;
    return "";
  }
  requested_.store(true);
  server_.WakeCron();
  return "";
}

void AofService::ReapRewrite(bool stop) {
  if (!rewriting_.load()) return;
  if (stop) rewrite_.job->Abort();
  if (!stop && !rewrite_.job->done()) return;  // still running
  Rewrite rw = std::move(rewrite_);
  rewrite_ = Rewrite{};
  rw.job->Join();
  std::string job_err = rw.job->error();
  server_.RetireSnapshot(std::move(rw.job));
  last_rewrite_time_s_.store((server_.clock().NowMs() - rw.start_ms) / 1000);
  const bool ok = job_err.empty();
  // INFO says "not in progress" only once the outcome (sizes, counters) is visible.
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag.store(false); }
  } done{rewriting_};
  std::string err;
  bool installed = false;
  if (ok) {
    installed = rw.writer ? rw.writer->FinishRewrite(rw.plan, &err)
                          : persist::FinishOfflineRewrite(WriterOptions(), rw.plan, &err);
  }
  if (installed) {
    rewrites_.fetch_add(1);
    consecutive_failures_.store(0);
    last_rewrite_ok_.store(true);
    base_stale_ = false;
    retry_delay_ms_ = 1000;
    if (!rw.writer || !rw.writer->stats().failed) failing_.store(false);
    RefreshSizes();
    rewrite_base_size_.store(current_size_.load());
    LogNotice("Background AOF rewrite finished successfully");
    return;
  }
  if (ok) {
    LogWarning("Background AOF rewrite failed to install the new base: " + err);
  } else {
    if (rw.writer) {
      rw.writer->AbortRewrite(rw.plan);
    } else {
      unlink(rw.plan.temp_base_path.c_str());
    }
    LogWarning(stop ? "Background AOF rewrite stopped"
                    : "Background AOF rewrite terminated with error: " + job_err);
  }
  last_rewrite_ok_.store(false);
  consecutive_failures_.fetch_add(1);
  // Do not rewrite again at once (the disk may still be full): back off, up to 5 s.
  next_retry_ms_ = server_.clock().NowMs() + retry_delay_ms_;
  retry_delay_ms_ = std::min<int64_t>(retry_delay_ms_ * 2, 5'000);
}

void AofService::RefreshSizes() {
  std::shared_ptr<persist::AofWriter> w = writer();
  if (!w) return;
  persist::AofManifest m = w->manifest();
  int64_t total = 0, base = 0;
  const std::string dir = AofDir();
  for (const persist::AofFileInfo& f : m.LoadOrder()) {
    int64_t n = FileSize(dir + "/" + f.name);
    if (f.type == persist::AofFileInfo::Type::kBase) base = n;
    total += n;
  }
  base_size_.store(base);
  current_size_.store(total);
  written_at_refresh_.store(w->stats().written_bytes);
}

void AofService::Cron() {
  std::lock_guard lk(rewrite_mu_);
  ReapRewrite(false);
  // BGREWRITEAOF: just asked (requested_), or asked during a BGSAVE (scheduled_).
  const bool requested = requested_.load();
  const bool busy = rewriting_.load() || server_.bgsave_in_progress();
  if (requested || (!busy && scheduled_.load())) {
    scheduled_.store(busy);  // busy: a BGSAVE began after the request; the rewrite follows it
    if (!busy) {
      std::string err = StartRewrite(requested ? "BGREWRITEAOF" : "scheduled");
      if (!err.empty()) LogWarning("Can't rewrite the append only file: " + err);
    }
    requested_.store(false);  // after rewriting_: in progress all along
    return;
  }
  std::shared_ptr<persist::AofWriter> w = writer();
  if (!w) return;
  int64_t now = server_.clock().NowMs();
  if (now - last_check_ms_ >= 1000) {
    last_check_ms_ = now;
    w->CheckFile();
  }
  persist::AofWriter::Stats st = w->stats();
  if (st.failed) {
    if (!failing_.load()) {
      LogWarning("Error writing to the AOF: " + st.last_error +
                 ". Write commands are refused until it is rewritten.");
    }
    failing_.store(true);
    base_stale_ = true;
  }
  if (busy) return;
  if (base_stale_) {
    if (now < next_retry_ms_) return;
    std::string err = StartRewrite(st.failed ? "recovering from a write error" : "new AOF");
    if (!err.empty()) {
      LogWarning("AOF rewrite to recover failed: " + err);
      next_retry_ms_ = now + retry_delay_ms_;
      retry_delay_ms_ = std::min<int64_t>(retry_delay_ms_ * 2, 5'000);
    }
    return;
  }
  // Automatic rewrite when the files grew by auto-aof-rewrite-percentage since the last one.
  int64_t perc = server_.config().GetInt("auto-aof-rewrite-percentage");
  int64_t min_size = server_.config().GetInt("auto-aof-rewrite-min-size");
  int64_t cur =
      current_size_.load() + static_cast<int64_t>(st.written_bytes - written_at_refresh_.load());
  int64_t base = std::max<int64_t>(rewrite_base_size_.load(), 1);
  if (perc > 0 && cur > min_size && (cur - base) * 100 / base >= perc && now >= next_retry_ms_) {
    std::string err = StartRewrite("automatic: the AOF grew");
    if (!err.empty()) LogWarning(err);
  }
}

void AofService::Close() {
  {
    std::lock_guard lk(rewrite_mu_);
    ReapRewrite(true);
  }
  std::shared_ptr<persist::AofWriter> w = writer();
  if (w && !w->Sync()) LogWarning("Error flushing the append only file at shutdown");
}

// ------------------------------------------------------------------------ Runtime changes

std::string AofService::ApplyAppendOnly() {
  bool on = server_.config().appendonly.load() != 0;
  if (on == enabled()) return "";
  std::lock_guard lk(rewrite_mu_);
  if (!on) {
    ReapRewrite(true);
    std::shared_ptr<persist::AofWriter> w = writer();
    server_.WithAllLocked([&] { Install(nullptr); });
    // Every write before the switch is in the file: the last ones were logged before it.
    if (w) w->Sync();
    failing_.store(false);
    base_stale_ = false;
    LogNotice("The append only file is off");
    return "";
  }
  std::shared_ptr<persist::AofWriter> w;
  std::string err = OpenWriter(&w);
  if (!err.empty()) return "Can't open the append only file: " + err;
  // Writes go to the new incremental file at once; the files hold the whole dataset once a
  // rewrite has written the base (started now, or by the cron after a running BGSAVE).
  server_.WithAllLocked([&] { Install(w); });
  base_stale_ = true;
  next_retry_ms_ = 0;
  if (!rewrite_in_progress() && !server_.bgsave_in_progress()) {
    err = StartRewrite("appendonly turned on");
    if (!err.empty()) LogWarning(err);
  }
  return "";
}

std::string AofService::ApplyFsync() {
  std::shared_ptr<persist::AofWriter> w = writer();
  if (w) w->SetFsync(FsyncPolicy(server_.config().appendfsync.load()));
  return "";
}

// ------------------------------------------------------------------------ INFO

std::vector<std::pair<std::string, std::string>> AofService::InfoFields() {
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](const char* k, const std::string& v) { f.emplace_back(k, v); };
  auto num = [&](const char* k, int64_t v) { add(k, std::to_string(v)); };
  std::shared_ptr<persist::AofWriter> w = writer();
  persist::AofWriter::Stats st;
  if (w) st = w->stats();
  const bool running = rewriting_.load();
  num("aof_enabled", w ? 1 : 0);
  num("aof_rewrite_in_progress", running || requested_.load() ? 1 : 0);
  num("aof_rewrite_scheduled", scheduled_.load() ? 1 : 0);
  num("aof_last_rewrite_time_sec", last_rewrite_time_s_.load());
  num("aof_current_rewrite_time_sec",
      running ? (server_.clock().NowMs() - rewrite_start_ms_.load()) / 1000
              : (requested_.load() ? 0 : -1));
  add("aof_last_bgrewrite_status", last_rewrite_ok_.load() ? "ok" : "err");
  num("aof_rewrites", static_cast<int64_t>(rewrites_.load()));
  num("aof_rewrites_consecutive_failures", static_cast<int64_t>(consecutive_failures_.load()));
  add("aof_last_write_status", (w && st.failed) || failing_.load() ? "err" : "ok");
  num("aof_last_cow_size", 0);
  if (w) {
    num("aof_current_size",
        current_size_.load() + static_cast<int64_t>(st.written_bytes - written_at_refresh_.load()));
    num("aof_base_size", base_size_.load());
    num("aof_pending_rewrite", scheduled_.load() ? 1 : 0);
    num("aof_buffer_length", static_cast<int64_t>(st.pending_bytes));
    num("aof_pending_bio_fsync", st.fsync_running ? 1 : 0);
    num("aof_delayed_fsync", static_cast<int64_t>(st.delayed_fsync));
  }
  return f;
}

}  // namespace ember::server
