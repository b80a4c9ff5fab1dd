#include "persist/aof_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iterator>

#include "base/clock.h"
#include "base/strutil.h"
#include "base/thread.h"
#include "persist/aof_propagate.h"
#include "persist/file.h"

namespace ember::persist {

namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + strerror(errno);
}

// Makes an existing file's contents durable (the rewriter may not have fsynced it).
std::string FsyncPath(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("Can't open", path);
  int rc = fsync(fd);
  std::string err = rc == 0 ? "" : Errno("fsync of", path);
  close(fd);
  return err;
}

}  // namespace

// ---- AofBatch ----

void AofBatch::Note(int db) {
  if (!segments_.empty() && segments_.back().db == db) {
    segments_.back().end = bytes_.size();
  } else {
    segments_.push_back(Segment{db, bytes_.size()});
  }
  ++commands_;
}

void AofBatch::Add(int db, std::span<const std::string_view> args) {
  AppendRespCommand(&bytes_, args);
  Note(db);
}

void AofBatch::Add(int db, std::span<const std::string> args) {
  AppendRespCommand(&bytes_, args);
  Note(db);
}

void AofBatch::Add(int db, std::initializer_list<std::string_view> args) {
  Add(db, std::span<const std::string_view>(args.begin(), args.size()));
}

void AofBatch::Clear() {
  bytes_.clear();
  segments_.clear();
  commands_ = 0;
}

// ---- AofWriter ----

AofWriter::AofWriter(const AofWriterOptions& options) : options_(options), fsync_(options.fsync) {}

std::unique_ptr<AofWriter> AofWriter::Open(const AofWriterOptions& options, std::string* error) {
  std::unique_ptr<AofWriter> w(new AofWriter(options));
  if (!w->Init(error)) return nullptr;
  w->thread_ = std::thread([p = w.get()] { p->BackgroundLoop(); });
  return w;
}

bool AofWriter::Init(std::string* error) {
  std::lock_guard<std::mutex> lk(mu_);
  if (mkdir(options_.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *error = Errno("Can't create the AOF directory", options_.dir);
    return false;
  }
  FileSystem& fs = FileSystem::Default();
  std::string text;
  bool not_found = false;
  std::string err = fs.ReadFile(PathOf(AofManifestName(options_.basename)), &text, &not_found);
  if (!err.empty()) {
    *error = err;
    return false;
  }
  AofManifest m;
  if (not_found) {
    // A fresh directory: an empty base (the dataset is empty) and the first incremental file.
    m.has_base = true;
    m.base = AofFileInfo{AofBaseName(options_.basename, 1), 1, AofFileInfo::Type::kBase};
    std::unique_ptr<WritableFile> base;
    err = fs.NewWritableFile(PathOf(m.base.name), &base);
    if (err.empty()) err = base->Sync();
    if (err.empty()) err = base->Close();
    if (!err.empty()) {
      *error = err;
      return false;
    }
  } else if (!ParseAofManifest(text, &m, &err)) {
    *error = err;
    return false;
  }
  bool dirty = not_found;
  if (!m.history.empty()) {
    for (const AofFileInfo& f : m.history) fs.Remove(PathOf(f.name));
    m.history.clear();
    dirty = true;
  }
  if (m.incrs.empty()) {
    int64_t seq = m.NextIncrSeq();
    m.incrs.push_back(
        AofFileInfo{AofIncrName(options_.basename, seq), seq, AofFileInfo::Type::kIncr});
    dirty = true;
  }
  if (!OpenIncrLocked(m.incrs.back().name, error)) return false;
  if (dirty && !PersistManifest(m, error)) return false;
  manifest_ = std::move(m);
  return true;
}

AofWriter::~AofWriter() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_lock<std::mutex> lk(mu_);
  if (!failed_ && fd_ >= 0) {
    WriteOut(lk);
    if (!failed_ && (written_seq_ > durable_seq_ || !retired_fds_.empty())) FsyncUnlocked(lk);
  }
  if (!failed_) FailLocked("The AOF writer is closed");  // refuses late appends
  RunCallbacks(lk);
  for (int fd : retired_fds_) close(fd);
  if (prepared_) close(prepared_->fd);
  if (fd_ >= 0) close(fd_);
}

int AofWriter::OpenIncr(const std::string& name, uint64_t* size, std::string* error) const {
  std::string path = PathOf(name);
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Errno("Can't open the append only file", path);
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = Errno("Can't stat", path);
    close(fd);
    return -1;
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

bool AofWriter::OpenIncrLocked(const std::string& name, std::string* error) {
  uint64_t size = 0;
  int fd = OpenIncr(name, &size, error);
  if (fd < 0) return false;
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  file_size_ = size;
  cur_db_ = -1;  // every incremental file starts with a SELECT
  return true;
}

bool AofWriter::PersistManifest(const AofManifest& m, std::string* error) const {
  std::string name = AofManifestName(options_.basename);
  AtomicFileWriter w(FileSystem::Default(), PathOf(name), PathOf("temp-" + name));
  std::string err = w.Open();
  if (err.empty()) err = w.Append(FormatAofManifest(m));
  if (err.empty()) err = w.Commit();
  if (!err.empty()) {
    *error = "Can't persist the AOF manifest: " + err;
    return false;
  }
  return true;
}

uint64_t AofWriter::Log(int db, std::span<const std::string_view> args) {
  std::lock_guard<std::mutex> lk(mu_);
  if (failed_) return 0;
  if (db != cur_db_) {
    std::string n = Int64ToString(db);
    std::string_view select[] = {"SELECT", n};
    AppendRespCommand(&pending_, std::span<const std::string_view>(select));
    cur_db_ = db;
  }
  AppendRespCommand(&pending_, args);
  last_ticket_.store(++appended_seq_, std::memory_order_release);
  return appended_seq_;
}

uint64_t AofWriter::AppendLocked(std::unique_lock<std::mutex>& lk, const AofBatch& batch) {
  if (failed_) return 0;
  size_t start = 0;
  for (const AofBatch::Segment& s : batch.segments_) {
    if (s.db != cur_db_) {
      std::string db = Int64ToString(s.db);
      std::string_view select[] = {"SELECT", db};
      AppendRespCommand(&pending_, std::span<const std::string_view>(select));
      cur_db_ = s.db;
    }
    pending_.append(batch.bytes_, start, s.end - start);
    start = s.end;
  }
  uint64_t ticket = ++appended_seq_;
  last_ticket_.store(ticket, std::memory_order_release);
  switch (fsync_) {
    case AofFsync::kAlways:
      bg_cv_.notify_one();  // the background thread writes and fsyncs
      break;
    case AofFsync::kNo:
      WriteOut(lk);
      break;
    case AofFsync::kEverySec:
      if (!fsync_running_) {
        WriteOut(lk);
      } else if (postponed_since_us_ == 0) {
        postponed_since_us_ = MonotonicUs();
      } else if (MonotonicUs() - postponed_since_us_ >= options_.max_postpone_ms * 1000) {
        ++delayed_fsync_;
        WriteOut(lk);
      }
      break;
  }
  return failed_ ? 0 : ticket;
}

uint64_t AofWriter::Append(const AofBatch& batch) {
  std::unique_lock<std::mutex> lk(mu_);
  uint64_t ticket = AppendLocked(lk, batch);
  RunCallbacks(lk);
  return ticket;
}

void AofWriter::Append(const AofBatch& batch, Done done) {
  std::unique_lock<std::mutex> lk(mu_);
  uint64_t ticket = AppendLocked(lk, batch);
  if (ticket == 0) {
    lk.unlock();
    done(false);
    return;
  }
  AddCallbackLocked(ticket, std::move(done));
  RunCallbacks(lk);
}

void AofWriter::AddCallbackLocked(uint64_t ticket, Done done) {
  auto it = callbacks_.end();
  while (it != callbacks_.begin() && std::prev(it)->first > ticket) --it;
  callbacks_.emplace(it, ticket, std::move(done));
}

bool AofWriter::WaitAsync(uint64_t ticket, Done done) {
  if (ticket == 0 || ticket <= acked_.load(std::memory_order_acquire)) return true;
  std::unique_lock<std::mutex> lk(mu_);
  if (fsync_ != AofFsync::kAlways) {
    lk.unlock();
    Wait(ticket);
    return true;
  }
  if (Acked(ticket) || failed_) return true;
  AddCallbackLocked(ticket, std::move(done));
  bg_cv_.notify_one();  // group commit: the background thread writes and fsyncs
  return false;
}

void AofWriter::Await(std::unique_lock<std::mutex>& lk, const std::function<bool()>& done) {
  ++waiters_;
  cv_.wait(lk, done);
  --waiters_;
}

void AofWriter::Notify() {
  if (waiters_ > 0) cv_.notify_all();
}

void AofWriter::UpdateAckedLocked() {
  acked_.store(fsync_ == AofFsync::kAlways ? durable_seq_ : written_seq_,
               std::memory_order_release);
}

bool AofWriter::Acked(uint64_t ticket) const {
  return fsync_ == AofFsync::kAlways ? durable_seq_ >= ticket : written_seq_ >= ticket;
}

bool AofWriter::Wait(uint64_t ticket) {
  if (ticket == 0) return false;
  // Already acknowledged (the common case for all but the first waiter of an iteration): no
  // lock, no wake-up of anyone.
  if (ticket <= acked_.load(std::memory_order_acquire)) return true;
  std::unique_lock<std::mutex> lk(mu_);
  if (fsync_ == AofFsync::kAlways) {
    if (!Acked(ticket)) bg_cv_.notify_one();  // wakes the background thread: group commit
    Await(lk, [&] { return Acked(ticket) || failed_; });
  } else {
    while (!Acked(ticket) && !failed_) {
      if (writing_) {  // its write may or may not cover the ticket: look again after it
        Await(lk, [&] { return !writing_; });
        continue;
      }
      if (fsync_ == AofFsync::kEverySec && fsync_running_) {
        // Do not queue behind a slow fsync: the bytes wait in memory (acknowledged, as in
        // Redis) until the fsync ends or they have waited max_postpone_ms.
        int64_t now = MonotonicUs();
        if (postponed_since_us_ == 0) postponed_since_us_ = now;
        if (now - postponed_since_us_ < options_.max_postpone_ms * 1000) return true;
        ++delayed_fsync_;
      }
      WriteOut(lk);
    }
  }
  bool ok = Acked(ticket);
  RunCallbacks(lk);
  return ok;
}

bool AofWriter::WriteOut(std::unique_lock<std::mutex>& lk, bool keep_lock) {
  Await(lk, [&] { return !writing_; });
  if (failed_) return false;
  if (pending_.empty()) return true;
  std::string buf;
  buf.swap(pending_);
  pending_.swap(spare_);  // appends go on into the previous write's buffer
  const uint64_t seq = appended_seq_;
  const uint64_t start_size = file_size_;
  const int fd = fd_;
  writing_ = true;
  if (!keep_lock) lk.unlock();
  size_t off = 0;
  int err = 0;
  while (off < buf.size()) {
    const char* p = buf.data() + off;
    size_t len = buf.size() - off;
    ssize_t n = options_.write_hook ? options_.write_hook(fd, p, len) : write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
    off += static_cast<size_t>(n);
  }
  // On failure, leave the file ending on a command boundary, as loading expects.
  bool cut = err == 0 || off == 0 || ftruncate(fd, static_cast<off_t>(start_size)) == 0;
  if (!keep_lock) lk.lock();
  writing_ = false;
  Notify();
  if (err != 0) {
    errno = err;
    std::string msg = Errno("Error writing to the append only file", IncrPathLocked());
    if (!cut) msg += "; could not remove the partial write";
    FailLocked(msg, err);
    return false;
  }
  file_size_ += buf.size();
  written_bytes_ += buf.size();
  written_seq_ = seq;
  postponed_since_us_ = 0;
  UpdateAckedLocked();
  buf.clear();
  spare_.swap(buf);
  return true;
}

void AofWriter::FailLocked(std::string error, int err) {
  failed_ = true;
  last_error_ = std::move(error);
  last_errno_ = err != 0 ? err : EIO;
  Notify();
}

bool AofWriter::FsyncUnlocked(std::unique_lock<std::mutex>& lk) {
  Await(lk, [&] { return !fsync_running_; });
  if (failed_) return false;
  uint64_t target = written_seq_;
  int fd = fd_;
  // Files switched away from hold bytes before the current file's: made durable first.
  std::vector<int> retired;
  retired.swap(retired_fds_);
  fsync_running_ = true;
  lk.unlock();
  auto sync = [&](int f) { return options_.fsync_hook ? options_.fsync_hook(f) : fdatasync(f); };
  int rc = 0;
  for (int f : retired)
    if (rc == 0) rc = sync(f);
  if (rc == 0) rc = sync(fd);
  int saved_errno = errno;
  for (int f : retired) close(f);
  lk.lock();
  fsync_running_ = false;
  if (rc == 0) {
    if (target > durable_seq_) durable_seq_ = target;
    ++fsyncs_;
    UpdateAckedLocked();
    CloseRetiredLocked();  // one retired during this fsync, if nothing is left to sync
  } else {
    errno = saved_errno;
    FailLocked(Errno("fsync error on the append only file", IncrPathLocked()), saved_errno);
  }
  Notify();
  return rc == 0;
}

std::vector<std::pair<AofWriter::Done, bool>> AofWriter::TakeReadyLocked() {
  std::vector<std::pair<Done, bool>> ready;
  while (!callbacks_.empty()) {
    auto& [ticket, done] = callbacks_.front();
    bool acked = Acked(ticket);
    if (!acked && !failed_) break;
    ready.emplace_back(std::move(done), acked);
    callbacks_.pop_front();
  }
  return ready;
}

void AofWriter::RunCallbacks(std::unique_lock<std::mutex>& lk) {
  // One thread drains at a time, so callbacks run in ticket order.
  if (draining_ || callbacks_.empty()) return;
  draining_ = true;
  for (;;) {
    std::vector<std::pair<Done, bool>> ready = TakeReadyLocked();
    if (ready.empty()) break;
    lk.unlock();
    for (auto& [done, ok] : ready) done(ok);
    lk.lock();
  }
  draining_ = false;
  Notify();
}

void AofWriter::BackgroundLoop() {
  SetThreadName("ember-aof");
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (fsync_ == AofFsync::kAlways) {
      bg_cv_.wait(lk, [&] {
        return stop_ || fsync_ != AofFsync::kAlways ||
               (!failed_ && !fsync_running_ && (!pending_.empty() || written_seq_ > durable_seq_));
      });
    } else {
      bg_cv_.wait_for(lk, std::chrono::milliseconds(options_.everysec_interval_ms),
                      [&] { return stop_ || fsync_ == AofFsync::kAlways; });
    }
    if (stop_) return;
    if (failed_ || fsync_running_) continue;
    const AofFsync policy = fsync_;
    // kAlways: the group; kEverySec: postponed bytes; every policy: what Log() buffered and
    // nobody waited for (the DEL of an expired key).
    if (!pending_.empty()) WriteOut(lk);
    if (policy != AofFsync::kNo && written_seq_ > durable_seq_ && !failed_) {
      FsyncUnlocked(lk);
      // Bytes postponed during the fsync (kEverySec) go out now.
      if (policy == AofFsync::kEverySec && postponed_since_us_ != 0 && !pending_.empty())
        WriteOut(lk);
    }
    RunCallbacks(lk);
  }
}

void AofWriter::SetFsync(AofFsync policy) {
  std::unique_lock<std::mutex> lk(mu_);
  fsync_ = policy;
  UpdateAckedLocked();
  bg_cv_.notify_all();
  Notify();
  RunCallbacks(lk);
}

bool AofWriter::Sync() {
  std::unique_lock<std::mutex> lk(mu_);
  Await(lk, [&] { return !fsync_running_; });
  WriteOut(lk);
  if (!failed_ && (written_seq_ > durable_seq_ || durable_seq_ == 0)) FsyncUnlocked(lk);
  bool ok = !failed_;
  RunCallbacks(lk);
  // Another thread may be running callbacks: when it stops, every acknowledged one has run.
  Await(lk, [&] { return !draining_; });
  return ok;
}

bool AofWriter::PrepareSwitch(std::string* error) {
  std::unique_lock<std::mutex> lk(mu_);
  if (rewrite_in_progress_) {
    *error = "Background append only file rewriting already in progress";
    return false;
  }
  if (!failed_) {
    WriteOut(lk);
    if (!failed_ && written_seq_ > durable_seq_) FsyncUnlocked(lk);
  }
  if (prepared_) return true;
  AofManifest m = manifest_;
  lk.unlock();
  // Appenders go on meanwhile: the current file stays theirs until the switch.
  const int64_t seq = m.NextIncrSeq();
  const std::string name = AofIncrName(options_.basename, seq);
  m.incrs.push_back(AofFileInfo{name, seq, AofFileInfo::Type::kIncr});
  Prepared next;
  next.fd = OpenIncr(name, &next.size, error);
  if (next.fd < 0) return false;
  if (!PersistManifest(m, error)) {
    close(next.fd);
    unlink(PathOf(name).c_str());
    return false;
  }
  next.manifest = std::move(m);
  lk.lock();
  prepared_ = std::move(next);
  return true;
}

void AofWriter::CancelSwitch() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!prepared_) return;
  close(prepared_->fd);
  prepared_.reset();
}

void AofWriter::CloseRetiredLocked() {
  if (fsync_running_) return;  // it may be fsyncing one of them
  if (!failed_ && fsync_ != AofFsync::kNo && durable_seq_ < written_seq_) return;
  for (int fd : retired_fds_) close(fd);
  retired_fds_.clear();
}

bool AofWriter::StartRewrite(RewritePlan* plan, std::string* error, bool rdb_base) {
  std::unique_lock<std::mutex> lk(mu_);
  if (rewrite_in_progress_) {
    *error = "Background append only file rewriting already in progress";
    return false;
  }
  if (!prepared_) {  // callers that did not prepare pay the disk round trips here
    lk.unlock();
    if (!PrepareSwitch(error)) return false;
    lk.lock();
  }
  recovering_ = failed_;
  if (recovering_) {
    // What could not be written is dropped: the caller's snapshot, taken at this switch,
    // holds its effect. The old files stay as they are until FinishRewrite replaces them.
    pending_.clear();
    Await(lk, [&] { return !fsync_running_ && !writing_; });
  } else if (!WriteOut(lk, /*keep_lock=*/true)) {
    // The current file must end with every write before the switch. The write runs with the
    // lock held (appenders wait, once per rewrite): an append in between would be encoded
    // against the old file's current database and could land in the new file without its
    // SELECT. Its fsync is left to the policy's next one (FsyncUnlocked covers retired files).
    *error = last_error_;
    return false;
  }
  Prepared next = std::move(*prepared_);
  prepared_.reset();
  if (recovering_) {
    close(fd_);
  } else {
    retired_fds_.push_back(fd_);
    CloseRetiredLocked();
    if (fsync_ == AofFsync::kAlways && durable_seq_ < written_seq_) bg_cv_.notify_one();
  }
  fd_ = next.fd;
  file_size_ = next.size;
  cur_db_ = -1;  // every incremental file starts with a SELECT
  manifest_ = std::move(next.manifest);
  plan->base_seq = manifest_.NextBaseSeq();
  plan->base_name = AofBaseName(options_.basename, plan->base_seq, rdb_base);
  plan->temp_base_path = PathOf("temp-rewriteaof-" + std::to_string(plan->base_seq) + ".aof");
  plan->first_incr_seq = manifest_.incrs.back().seq;
  rewrite_in_progress_ = true;
  RunCallbacks(lk);
  return true;
}

bool AofWriter::FinishRewrite(const RewritePlan& plan, std::string* error) {
  FileSystem& fs = FileSystem::Default();
  // The superseded files' blocks are freed after mu_ is released (declared before the lock):
  // appenders do not wait for that.
  std::vector<FileRelease> superseded;
  // The new base gets its final name before the manifest refers to it; until the manifest
  // is replaced it is an unreferenced file, and the old set stays the loadable one.
  std::string err = FsyncPath(plan.temp_base_path);
  if (err.empty()) err = fs.Rename(plan.temp_base_path, PathOf(plan.base_name));
  std::unique_lock<std::mutex> lk(mu_);
  if (!rewrite_in_progress_) {
    *error = "No AOF rewrite in progress";
    return false;
  }
  if (!err.empty()) {
    *error = err;
    rewrite_in_progress_ = false;
    recovering_ = false;
    return false;
  }
  AofManifest m = manifest_;
  m.history.clear();
  if (m.has_base)
    m.history.push_back(AofFileInfo{m.base.name, m.base.seq, AofFileInfo::Type::kHistory});
  std::vector<AofFileInfo> kept;
  for (const AofFileInfo& f : m.incrs) {
    if (f.seq >= plan.first_incr_seq) {
      kept.push_back(f);
    } else {
      m.history.push_back(AofFileInfo{f.name, f.seq, AofFileInfo::Type::kHistory});
    }
  }
  m.incrs = std::move(kept);
  m.has_base = true;
  m.base = AofFileInfo{plan.base_name, plan.base_seq, AofFileInfo::Type::kBase};
  // The manifest's fsyncs run without mu_: appenders (an event loop in Log, holding its
  // partition's lock) must not wait for the disk. The files of m are the current file and
  // those before it, which stay as they are; rewrite_in_progress_ keeps another rewrite out.
  lk.unlock();
  const bool installed = PersistManifest(m, error);
  if (installed) {
    // The switch is durable; the superseded files are history. Delete them, then drop them
    // from the manifest (a crash in between leaves them listed as history: deleted at Open).
    for (const AofFileInfo& f : m.history) fs.RemoveLater(PathOf(f.name), &superseded);
    m.history.clear();
    std::string ignored;
    PersistManifest(m, &ignored);
  }
  lk.lock();
  rewrite_in_progress_ = false;
  const bool recovering = recovering_;
  recovering_ = false;
  if (!installed) return false;
  if (recovering) {
    // The new base holds everything the failed writes held: appends are welcome again.
    failed_ = false;
    written_seq_ = durable_seq_ = appended_seq_;
    UpdateAckedLocked();
    CloseRetiredLocked();
    Notify();
  }
  manifest_ = std::move(m);
  return true;
}

void AofWriter::AbortRewrite(const RewritePlan& plan) {
  FileSystem::Default().Remove(plan.temp_base_path);
  std::lock_guard<std::mutex> lk(mu_);
  rewrite_in_progress_ = false;
  recovering_ = false;
}

void AofWriter::CheckFile() {
  std::lock_guard<std::mutex> lk(mu_);
  if (failed_ || fd_ < 0) return;
  struct stat st;
  if (fstat(fd_, &st) == 0 && st.st_nlink == 0) {
    errno = ENOENT;
    FailLocked(Errno("The append only file was removed:", IncrPathLocked()), ENOENT);
  }
}

AofWriter::Stats AofWriter::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  Stats s;
  s.delayed_fsync = delayed_fsync_;
  s.fsyncs = fsyncs_;
  s.written_bytes = written_bytes_;
  s.current_size = file_size_;
  s.appended = appended_seq_;
  s.failed = failed_;
  s.last_error = last_error_;
  s.last_errno = failed_ ? last_errno_ : 0;
  s.pending_bytes = pending_.size();
  s.fsync_running = fsync_running_;
  s.rewrite_in_progress = rewrite_in_progress_;
  return s;
}

AofManifest AofWriter::manifest() const {
  std::lock_guard<std::mutex> lk(mu_);
  return manifest_;
}

std::string AofWriter::CurrentIncrPath() const {
  std::lock_guard<std::mutex> lk(mu_);
  return IncrPathLocked();
}

std::string AofWriter::IncrPathLocked() const {
  return manifest_.incrs.empty() ? options_.dir : PathOf(manifest_.incrs.back().name);
}

namespace {
// The manifest of options.dir, or an empty one when there is none. False on a read or
// parse error.
bool ReadManifest(const AofWriterOptions& options, AofManifest* m, std::string* error) {
  std::string text;
  bool not_found = false;
  std::string path = options.dir + "/" + AofManifestName(options.basename);
  std::string err = FileSystem::Default().ReadFile(path, &text, &not_found);
  if (!err.empty()) {
    *error = err;
    return false;
  }
  *m = AofManifest{};
  return not_found || ParseAofManifest(text, m, error);
}
}  // namespace

bool PlanOfflineRewrite(const AofWriterOptions& options, bool rdb_base,
                        AofWriter::RewritePlan* plan, std::string* error) {
  if (mkdir(options.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *error = Errno("Can't create the AOF directory", options.dir);
    return false;
  }
  AofManifest m;
  if (!ReadManifest(options, &m, error)) return false;
  plan->base_seq = m.NextBaseSeq();
  plan->base_name = AofBaseName(options.basename, plan->base_seq, rdb_base);
  plan->temp_base_path =
      options.dir + "/temp-rewriteaof-" + std::to_string(plan->base_seq) + ".aof";
  plan->first_incr_seq = 0;
  return true;
}

bool FinishOfflineRewrite(const AofWriterOptions& options, const AofWriter::RewritePlan& plan,
                          std::string* error) {
  FileSystem& fs = FileSystem::Default();
  AofManifest old;
  if (!ReadManifest(options, &old, error)) return false;
  std::string err = FsyncPath(plan.temp_base_path);
  if (err.empty()) err = fs.Rename(plan.temp_base_path, options.dir + "/" + plan.base_name);
  if (err.empty()) {
    AofManifest m;
    m.has_base = true;
    m.base = AofFileInfo{plan.base_name, plan.base_seq, AofFileInfo::Type::kBase};
    std::string name = AofManifestName(options.basename);
    AtomicFileWriter w(fs, options.dir + "/" + name, options.dir + "/temp-" + name);
    err = w.Open();
    if (err.empty()) err = w.Append(FormatAofManifest(m));
    if (err.empty()) err = w.Commit();
  }
  if (!err.empty()) {
    fs.Remove(plan.temp_base_path);
    *error = err;
    return false;
  }
  std::vector<AofFileInfo> files = old.LoadOrder();
  files.insert(files.end(), old.history.begin(), old.history.end());
  for (const AofFileInfo& f : files) {
    if (f.name != plan.base_name) fs.Remove(options.dir + "/" + f.name);
  }
  return true;
}

std::string UpgradeSingleFileAof(const std::string& dir, const std::string& appenddirname,
                                 const std::string& appendfilename) {
  std::string old_path = dir + "/" + appendfilename;
  std::string aof_dir = dir + "/" + appenddirname;
  if (mkdir(aof_dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Errno("Can't create the AOF directory", aof_dir);
  std::string new_path = aof_dir + "/" + appendfilename;
  unlink(new_path.c_str());  // a link left by an interrupted upgrade
  if (link(old_path.c_str(), new_path.c_str()) != 0) return Errno("Can't link", old_path);
  std::string err = FsyncPath(old_path);
  if (!err.empty()) return err;
  AofManifest m;
  m.has_base = true;
  m.base = AofFileInfo{appendfilename, 1, AofFileInfo::Type::kBase};
  std::string name = AofManifestName(appendfilename);
  AtomicFileWriter w(FileSystem::Default(), aof_dir + "/" + name, aof_dir + "/temp-" + name);
  err = w.Open();
  if (err.empty()) err = w.Append(FormatAofManifest(m));
  if (err.empty()) err = w.Commit();  // fsyncs the directory: the link is durable too
  if (!err.empty()) return "Can't persist the AOF manifest: " + err;
  // The manifest now wins over the single file; removing it is only tidying.
  return FileSystem::Default().Remove(old_path);
}

}  // namespace ember::persist
