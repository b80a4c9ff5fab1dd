#include "persist/aof_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "persist/aof_loader.h"
#include "persist/aof_propagate.h"
#include "persist/aof_test_util.h"

namespace ember::persist {
namespace {

using testing::Collect;
using testing::Commands;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// fsync_hook (if any) replaces fdatasync.
std::unique_ptr<AofWriter> OpenWriter(const std::string& dir, AofFsync policy,
                                      std::function<int(int fd)> fsync_hook = {},
                                      int everysec_interval_ms = 20) {
  AofWriterOptions o;
  o.dir = dir;
  o.fsync = policy;
  o.everysec_interval_ms = everysec_interval_ms;
  o.fsync_hook = std::move(fsync_hook);
  std::string err;
  std::unique_ptr<AofWriter> w = AofWriter::Open(o, &err);
  EXPECT_NE(w, nullptr) << err;
  return w;
}

// appendfsync always with fdatasync replaced by `fsync_hook`.
std::unique_ptr<AofWriter> OpenAlwaysWithFsync(const std::string& dir,
                                               std::function<int(int fd)> fsync_hook) {
  return OpenWriter(dir, AofFsync::kAlways, std::move(fsync_hook));
}

int FailingFsync(int) {
  errno = EIO;
  return -1;
}

Commands LoadAll(const std::string& dir) {
  Commands got;
  AofLoadReport r = LoadAofPath(dir + "/appendonly.aof.manifest", Collect(&got));
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.truncated);
  return got;
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

TEST(AofWriter, FreshDirectoryHasBaseIncrAndManifest) {
  TempDir tmp;
  std::string dir = tmp / "appendonlydir";
  { auto w = OpenWriter(dir, AofFsync::kEverySec); }
  EXPECT_EQ(ReadFile(dir + "/appendonly.aof.manifest"),
            "file appendonly.aof.1.base.aof seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_TRUE(Exists(dir + "/appendonly.aof.1.base.aof"));
  EXPECT_TRUE(Exists(dir + "/appendonly.aof.1.incr.aof"));
  EXPECT_TRUE(LoadAll(dir).empty());
}

TEST(AofWriter, RoundTripWithSelectOnDbChange) {
  for (AofFsync policy : {AofFsync::kAlways, AofFsync::kEverySec, AofFsync::kNo}) {
    TempDir tmp;
    {
      auto w = OpenWriter(tmp.path(), policy);
      AofBatch b;
      b.Add(0, {"SET", "a", "1"});
      b.Add(0, {"SET", "b", "2"});
      b.Add(3, {"DEL", "a"});
      EXPECT_EQ(b.commands(), 3u);
      uint64_t t = w->Append(b);
      EXPECT_TRUE(w->Wait(t));
      AofBatch c;
      c.Add(3, {"INCR", "n"});
      EXPECT_TRUE(w->Wait(w->Append(c)));
      EXPECT_TRUE(w->Sync());
      EXPECT_GE(w->stats().fsyncs, 1u);
      EXPECT_EQ(w->stats().delayed_fsync, 0u);
    }
    EXPECT_EQ(LoadAll(tmp.path()), (Commands{{"SELECT", "0"},
                                             {"SET", "a", "1"},
                                             {"SET", "b", "2"},
                                             {"SELECT", "3"},
                                             {"DEL", "a"},
                                             {"INCR", "n"}}));
    // Reopening appends to the same file and starts with a SELECT again.
    {
      auto w = OpenWriter(tmp.path(), policy);
      AofBatch b;
      b.Add(3, {"SET", "z", "9"});
      w->Append(b);
    }
    Commands all = LoadAll(tmp.path());
    ASSERT_EQ(all.size(), 8u);
    EXPECT_EQ(all[6], (std::vector<std::string>{"SELECT", "3"}));
  }
}

// Opens a writer whose fdatasync records the name of every file it syncs (then syncs it).
// No background fsync of kEverySec's own during a test (its interval is a minute).
std::unique_ptr<AofWriter> OpenRecordingFsyncs(const std::string& dir, AofFsync policy,
                                               std::mutex* mu, std::vector<std::string>* synced) {
  auto record = [mu, synced](int fd) {
    std::filesystem::path path =
        std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd));
    {
      std::lock_guard lk(*mu);
      synced->push_back(path.filename());
    }
    return fdatasync(fd);
  };
  return OpenWriter(dir, policy, record, 60'000);
}

// PrepareSwitch does the disk round trips ahead of StartRewrite, which its caller runs with
// every partition locked: the current file's fsync, the next incremental file, the manifest
// listing it (valid before the switch: a crash then loads everything). The switch itself
// then fsyncs nothing and leaves the manifest alone; what was written to the old file after
// the prepare is fsynced after the switch, by the policy's next fsync.
TEST(AofWriter, PrepareSwitchLeavesTheSwitchNoDiskRoundTrip) {
  for (AofFsync policy : {AofFsync::kNo, AofFsync::kEverySec, AofFsync::kAlways}) {
    SCOPED_TRACE(static_cast<int>(policy));
    TempDir tmp;
    std::mutex mu;
    std::vector<std::string> synced;
    auto w = OpenRecordingFsyncs(tmp.path(), policy, &mu, &synced);
    AofBatch b;
    b.Add(0, {"SET", "a", "1"});
    ASSERT_TRUE(w->Wait(w->Append(b)));
    std::string err;
    ASSERT_TRUE(w->PrepareSwitch(&err)) << err;
    EXPECT_TRUE(Exists(tmp / "appendonly.aof.2.incr.aof"));
    EXPECT_EQ(ReadFile(tmp / "appendonly.aof.manifest"),
              "file appendonly.aof.1.base.aof seq 1 type b\n"
              "file appendonly.aof.1.incr.aof seq 1 type i\n"
              "file appendonly.aof.2.incr.aof seq 2 type i\n");
    ASSERT_TRUE(w->PrepareSwitch(&err)) << err;  // kept: no third file
    EXPECT_FALSE(Exists(tmp / "appendonly.aof.3.incr.aof"));
    // Appends go on into the current file until the switch; a crash now loads them all.
    AofBatch before;
    before.Add(0, {"SET", "b", "2"});
    ASSERT_TRUE(w->Wait(w->Append(before)));
    EXPECT_EQ(LoadAll(tmp.path()),
              (Commands{{"SELECT", "0"}, {"SET", "a", "1"}, {"SET", "b", "2"}}));
    EXPECT_EQ(ReadFile(tmp / "appendonly.aof.2.incr.aof"), "");
    // Buffered only (as a command's Log): the switch writes it to the old file, unsynced.
    std::string_view late[] = {"SET", "d", "4"};
    const uint64_t t_late = w->Log(0, late);

    struct stat st0;
    ASSERT_EQ(stat((tmp / "appendonly.aof.manifest").c_str(), &st0), 0);
    const uint64_t fsyncs = w->stats().fsyncs;
    {
      std::lock_guard lk(mu);
      synced.clear();
    }
    AofWriter::RewritePlan plan;
    ASSERT_TRUE(w->StartRewrite(&plan, &err)) << err;
    EXPECT_EQ(plan.first_incr_seq, 2);
    struct stat st1;
    ASSERT_EQ(stat((tmp / "appendonly.aof.manifest").c_str(), &st1), 0);
    EXPECT_EQ(st1.st_ino, st0.st_ino);  // not replaced by the switch
    if (policy != AofFsync::kAlways) {
      EXPECT_EQ(w->stats().fsyncs, fsyncs);  // nothing fsynced in the switch
      std::lock_guard lk(mu);
      EXPECT_TRUE(synced.empty());
    }
    AofBatch after;
    after.Add(0, {"SET", "c", "3"});
    ASSERT_TRUE(w->Wait(w->Append(after)));
    ASSERT_TRUE(w->Wait(t_late));
    if (policy != AofFsync::kNo) {
      ASSERT_TRUE(w->Sync());
      // The old file's last write was made durable after the switch, before the new file's.
      std::lock_guard lk(mu);
      ASSERT_FALSE(synced.empty());
      EXPECT_EQ(synced.front(), "appendonly.aof.1.incr.aof");
    }
    EXPECT_EQ(ReadFile(tmp / "appendonly.aof.1.incr.aof").find("SET\r\n$1\r\nc"),
              std::string::npos);
    EXPECT_EQ(LoadAll(tmp.path()), (Commands{{"SELECT", "0"},
                                             {"SET", "a", "1"},
                                             {"SET", "b", "2"},
                                             {"SET", "d", "4"},
                                             {"SELECT", "0"},
                                             {"SET", "c", "3"}}));
    w->AbortRewrite(plan);
  }
}

// A prepared switch whose rewrite did not start: the file stays listed (empty) and the
// next switch reuses it; appends meanwhile stay in the current file, and everything loads.
TEST(AofWriter, CancelledSwitchIsReusedByTheNext) {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), AofFsync::kEverySec);
  AofBatch b;
  b.Add(0, {"SET", "a", "1"});
  w->Append(b);
  std::string err;
  ASSERT_TRUE(w->PrepareSwitch(&err)) << err;
  w->CancelSwitch();
  w->Append(b);
  ASSERT_TRUE(w->Sync());
  EXPECT_EQ(LoadAll(tmp.path()).size(), 3u);
  EXPECT_EQ(ReadFile(tmp / "appendonly.aof.2.incr.aof"), "");
  AofWriter::RewritePlan plan;
  ASSERT_TRUE(w->StartRewrite(&plan, &err)) << err;  // prepares again: the same file
  EXPECT_EQ(plan.first_incr_seq, 2);
  EXPECT_FALSE(Exists(tmp / "appendonly.aof.3.incr.aof"));
  w->Append(b);
  ASSERT_TRUE(w->Sync());
  EXPECT_EQ(LoadAll(tmp.path()).size(), 5u);
  w->AbortRewrite(plan);
}

TEST(AofWriter, RewriteInstallsNewBaseAndDropsOldFiles) {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), AofFsync::kEverySec);
  AofBatch b;
  b.Add(0, {"SET", "a", "1"});
  b.Add(0, {"INCR", "n"});
  w->Append(b);

  AofWriter::RewritePlan plan;
  std::string err;
  ASSERT_TRUE(w->StartRewrite(&plan, &err)) << err;
  EXPECT_EQ(plan.base_name, "appendonly.aof.2.base.aof");
  EXPECT_EQ(plan.first_incr_seq, 2);
  AofWriter::RewritePlan second;
  EXPECT_FALSE(w->StartRewrite(&second, &err));

  AofBatch after;
  after.Add(0, {"INCR", "n"});  // same db as before the switch: the new file needs its SELECT
  w->Append(after);
  ASSERT_TRUE(w->Sync());
  // Crash before the rewrite finishes: old base + both incrementals load.
  EXPECT_EQ(
      LoadAll(tmp.path()),
      (Commands{
          {"SELECT", "0"}, {"SET", "a", "1"}, {"INCR", "n"}, {"SELECT", "0"}, {"INCR", "n"}}));

  // The snapshot as of the switch.
  std::string snap;
  std::vector<std::string> s1 = {"SELECT", "0"}, s2 = {"SET", "a", "1"}, s3 = {"SET", "n", "1"};
  for (auto* c : {&s1, &s2, &s3}) AppendRespCommand(&snap, *c);
  WriteFile(plan.temp_base_path, snap);
  ASSERT_TRUE(w->FinishRewrite(plan, &err)) << err;

  EXPECT_EQ(ReadFile(tmp / "appendonly.aof.manifest"),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_FALSE(Exists(tmp / "appendonly.aof.1.base.aof"));
  EXPECT_FALSE(Exists(tmp / "appendonly.aof.1.incr.aof"));
  EXPECT_FALSE(Exists(plan.temp_base_path));
  EXPECT_EQ(
      LoadAll(tmp.path()),
      (Commands{
          {"SELECT", "0"}, {"SET", "a", "1"}, {"SET", "n", "1"}, {"SELECT", "0"}, {"INCR", "n"}}));
}

TEST(AofWriter, AbortedRewriteKeepsALoadableSetAndHistoryIsCleanedAtOpen) {
  TempDir tmp;
  {
    auto w = OpenWriter(tmp.path(), AofFsync::kNo);
    AofBatch b;
    b.Add(0, {"SET", "a", "1"});
    w->Append(b);
    AofWriter::RewritePlan plan;
    std::string err;
    ASSERT_TRUE(w->StartRewrite(&plan, &err)) << err;
    WriteFile(plan.temp_base_path, "partial");
    w->AbortRewrite(plan);
    EXPECT_FALSE(Exists(plan.temp_base_path));
    w->Append(b);
  }
  EXPECT_EQ(LoadAll(tmp.path()).size(), 4u);
  // A crash between installing a manifest with history and deleting the files.
  WriteFile(tmp / "old.aof", "x");
  std::string m = ReadFile(tmp / "appendonly.aof.manifest");
  WriteFile(tmp / "appendonly.aof.manifest", m + "file old.aof seq 1 type h\n");
  { auto w = OpenWriter(tmp.path(), AofFsync::kNo); }
  EXPECT_FALSE(Exists(tmp / "old.aof"));
  EXPECT_EQ(ReadFile(tmp / "appendonly.aof.manifest"), m);
}

TEST(AofWriter, UpgradesARedis6SingleFile) {
  TempDir tmp;
  std::string single;
  std::vector<std::string> set = {"SET", "old", "1"};
  AppendRespCommand(&single, set);
  WriteFile(tmp / "appendonly.aof", single);
  Commands got;
  EXPECT_TRUE(LoadAof(tmp.path(), "appendonlydir", "appendonly.aof", Collect(&got)).needs_upgrade);
  ASSERT_EQ(UpgradeSingleFileAof(tmp.path(), "appendonlydir", "appendonly.aof"), "");
  EXPECT_FALSE(Exists(tmp / "appendonly.aof"));
  EXPECT_EQ(ReadFile(tmp / "appendonlydir/appendonly.aof.manifest"),
            "file appendonly.aof seq 1 type b\n");
  {
    auto w = OpenWriter(tmp / "appendonlydir", AofFsync::kNo);
    AofBatch b;
    b.Add(0, {"SET", "new", "2"});
    w->Append(b);
  }
  got.clear();
  AofLoadReport r = LoadAof(tmp.path(), "appendonlydir", "appendonly.aof", Collect(&got));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.layout, AofLoadReport::Layout::kManifest);
  EXPECT_EQ(got, (Commands{{"SET", "old", "1"}, {"SELECT", "0"}, {"SET", "new", "2"}}));
}

TEST(AofWriter, RejectsACorruptManifest) {
  TempDir tmp;
  WriteFile(tmp / "appendonly.aof.manifest", "garbage\n");
  AofWriterOptions o;
  o.dir = tmp.path();
  std::string err;
  EXPECT_EQ(AofWriter::Open(o, &err), nullptr);
  EXPECT_NE(err.find("manifest"), std::string::npos) << err;
}

// everysec: while the background fsync runs, a write is postponed; once it has waited
// max_postpone_ms (0 here, so the next append) it is written anyway and counted.
TEST(AofWriterConcurrency, EverysecPostponesWritesDuringASlowFsyncThread) {
  TempDir tmp;
  std::mutex mu;
  std::condition_variable cv;
  bool in_fsync = false, release = false;
  AofWriterOptions o;
  o.dir = tmp.path();
  o.fsync = AofFsync::kEverySec;
  o.everysec_interval_ms = 1;
  o.max_postpone_ms = 0;
  o.fsync_hook = [&](int fd) {
    std::unique_lock<std::mutex> lk(mu);
    in_fsync = true;
    cv.notify_all();
    cv.wait(lk, [&] { return release; });
    return fdatasync(fd);
  };
  std::string err;
  auto w = AofWriter::Open(o, &err);
  ASSERT_NE(w, nullptr) << err;
  AofBatch b;
  b.Add(0, {"INCR", "n"});
  EXPECT_TRUE(w->Wait(w->Append(b)));  // written at once; the background thread fsyncs it
  {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return in_fsync; });
  }
  std::atomic<bool> second_acked{false};
  w->Append(b, [&](bool ok) { second_acked = ok; });
  EXPECT_FALSE(second_acked.load());  // postponed behind the running fsync
  EXPECT_EQ(w->stats().delayed_fsync, 0u);
  EXPECT_TRUE(w->Wait(w->Append(b)));  // postponed too long: written anyway
  EXPECT_TRUE(second_acked.load());
  EXPECT_EQ(w->stats().delayed_fsync, 1u);
  {
    std::lock_guard<std::mutex> lk(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(w->Sync());
  w.reset();
  EXPECT_EQ(LoadAll(tmp.path()).size(), 4u);
}

TEST(AofWriter, FsyncErrorFailsTheWriterAndRefusesAppends) {
  TempDir tmp;
  auto w = OpenAlwaysWithFsync(tmp.path(), FailingFsync);
  ASSERT_NE(w, nullptr);
  AofBatch b;
  b.Add(0, {"SET", "a", "1"});
  EXPECT_FALSE(w->Wait(w->Append(b)));
  AofWriter::Stats s = w->stats();
  EXPECT_TRUE(s.failed);
  EXPECT_NE(s.last_error.find("fsync error"), std::string::npos) << s.last_error;
  EXPECT_EQ(w->Append(b), 0u);
  bool called = false, result = true;
  w->Append(b, [&](bool ok) {
    called = true;
    result = ok;
  });
  EXPECT_TRUE(called);
  EXPECT_FALSE(result);
  EXPECT_FALSE(w->Sync());
}

TEST(AofWriter, ShortWriteIsCutBackToACommandBoundary) {
  TempDir tmp;
  AofWriterOptions o;
  o.dir = tmp.path();
  o.fsync = AofFsync::kNo;
  bool full_disk = false;
  o.write_hook = [&](int fd, const void* buf, size_t len) -> ssize_t {
    if (!full_disk) return write(fd, buf, len);
    if (len > 5) return write(fd, buf, 5);  // a partial write, then the disk is full
    errno = ENOSPC;
    return -1;
  };
  std::string err;
  auto w = AofWriter::Open(o, &err);
  ASSERT_NE(w, nullptr) << err;
  AofBatch b;
  b.Add(0, {"SET", "a", "1"});
  EXPECT_TRUE(w->Wait(w->Append(b)));
  uint64_t good_size = w->stats().current_size;
  full_disk = true;
  EXPECT_EQ(w->Append(b), 0u);
  AofWriter::Stats s = w->stats();
  EXPECT_TRUE(s.failed);
  EXPECT_NE(s.last_error.find("No space left"), std::string::npos) << s.last_error;
  w.reset();
  EXPECT_EQ(ReadFile(tmp / "appendonly.aof.1.incr.aof").size(), good_size);
  EXPECT_EQ(LoadAll(tmp.path()).size(), 2u);
}

// Appends racing with the switch to a new incremental file: every file starts with a SELECT
// and nothing is lost or duplicated.
TEST(AofWriterConcurrency, RewriteSwitchWhileAppendingThreads) {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), AofFsync::kAlways);
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        AofBatch b;
        b.Add(5, {"INCR", "n"});
        if (w->Wait(w->Append(b))) appended++;
      }
    });
  }
  while (appended < 20) std::this_thread::yield();
  AofWriter::RewritePlan plan;
  std::string err;
  ASSERT_TRUE(w->StartRewrite(&plan, &err)) << err;
  int at_switch = appended;
  while (appended < at_switch + 20) std::this_thread::yield();
  stop = true;
  for (auto& th : threads) th.join();
  w->AbortRewrite(plan);
  ASSERT_TRUE(w->Sync());
  AofManifest m = w->manifest();
  ASSERT_EQ(m.incrs.size(), 2u);
  for (const AofFileInfo& f : m.incrs) {
    EXPECT_EQ(ReadFile(tmp / f.name).rfind("*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n", 0), 0u) << f.name;
  }
  int incrs = 0;
  for (const auto& c : LoadAll(tmp.path())) incrs += c[0] == "INCR";
  EXPECT_EQ(incrs, appended.load());
}

// Several threads append with callbacks (group commit): every batch is acknowledged once,
// callbacks run in ticket order, and the file holds each thread's commands in its order.
TEST(AofWriterConcurrency, GroupCommitAcrossThreads) {
  for (AofFsync policy : {AofFsync::kAlways, AofFsync::kEverySec}) {
    TempDir tmp;
    constexpr int kThreads = 4, kBatches = 150;
    std::atomic<int> acked{0}, failed{0};
    std::mutex order_mu;
    std::vector<int> order;  // thread ids in callback order
    {
      auto w = OpenWriter(tmp.path(), policy);
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kBatches; ++i) {
            AofBatch b;
            std::string key = "k" + std::to_string(t), val = std::to_string(i);
            b.Add(t % 2, {"SET", key, val});
            if (i % 3 == 0) {
              // Blocking style: Wait for the ticket.
              uint64_t ticket = w->Append(b);
              if (w->Wait(ticket))
                acked++;
              else
                failed++;
            } else {
              std::atomic<bool> done{false};
              w->Append(b, [&, t](bool ok) {
                (ok ? acked : failed)++;
                std::lock_guard<std::mutex> lk(order_mu);
                order.push_back(t);
                done = true;
              });
              while (!done) std::this_thread::yield();  // a client waits for its reply
            }
          }
        });
      }
      for (auto& th : threads) th.join();
      EXPECT_TRUE(w->Sync());
      AofWriter::Stats s = w->stats();
      EXPECT_FALSE(s.failed);
      EXPECT_GE(s.fsyncs, 1u);
    }
    EXPECT_EQ(acked.load(), kThreads * kBatches);
    EXPECT_EQ(failed.load(), 0);
    // Replay: per thread, values appear 0, 1, 2, ... and each SET is in its thread's db.
    std::vector<int> next(kThreads, 0);
    int db = -1;
    for (const auto& c : LoadAll(tmp.path())) {
      if (c[0] == "SELECT") {
        db = std::stoi(c[1]);
        continue;
      }
      int t = std::stoi(c[1].substr(1));
      EXPECT_EQ(db, t % 2);
      EXPECT_EQ(c[2], std::to_string(next[t]));
      next[t]++;
    }
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kBatches);
  }
}

// Tickets are acknowledged in order: when batch N's callback runs, every earlier batch's
// callback has run.
TEST(AofWriterConcurrency, CallbacksRunInTicketOrderThreadStress) {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), AofFsync::kAlways);
  std::atomic<uint64_t> last{0};
  std::atomic<int> out_of_order{0}, calls{0};
  std::vector<std::thread> threads;
  std::mutex seq_mu;  // makes "ticket order" observable: append and note the index together
  uint64_t next_index = 0;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        AofBatch b;
        b.Add(0, {"INCR", "n"});
        std::lock_guard<std::mutex> lk(seq_mu);
        uint64_t index = ++next_index;
        w->Append(b, [&, index](bool ok) {
          if (!ok || last.exchange(index) != index - 1) out_of_order++;
          calls++;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(w->Sync());
  EXPECT_EQ(calls.load(), 600);
  EXPECT_EQ(out_of_order.load(), 0);
}

// An fsync that does not end until the test lets it: WaitAsync must not call back before.
class GatedFsync {
 public:
  int Run(int fd) {
    std::unique_lock lk(mu_);
    ++started_;
    cv_.notify_all();
    cv_.wait(lk, [&] { return open_; });
    return fdatasync(fd);
  }
  void WaitStarted(int n) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return started_ >= n; });
  }
  void Open() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int started_ = 0;
  bool open_ = false;
};

TEST(AofWriterConcurrency, WaitAsyncCallsBackOnlyAfterTheFsync) {
  TempDir tmp;
  GatedFsync gate;
  auto w = OpenAlwaysWithFsync(tmp.path(), [&](int fd) { return gate.Run(fd); });
  ASSERT_NE(w, nullptr);
  std::string_view set_a[] = {"SET", "a", "1"};
  uint64_t t1 = w->Log(0, set_a);
  EXPECT_EQ(w->last_ticket(), t1);
  std::atomic<int> fired{0};
  std::vector<uint64_t> order;
  std::mutex order_mu;
  auto note = [&](uint64_t t) {
    return [&, t](bool ok) {
      EXPECT_TRUE(ok);
      std::lock_guard lk(order_mu);
      order.push_back(t);
      fired++;
    };
  };
  EXPECT_FALSE(w->WaitAsync(t1, note(t1)));  // on its way: not durable yet
  gate.WaitStarted(1);                       // the fsync of t1 runs (and hangs)
  // Written while that fsync runs: a later fsync covers it. Registered out of order.
  std::string_view set_b[] = {"SET", "b", "2"};
  uint64_t t2 = w->Log(0, set_b);
  uint64_t t3 = w->Log(0, set_b);
  EXPECT_FALSE(w->WaitAsync(t3, note(t3)));
  EXPECT_FALSE(w->WaitAsync(t2, note(t2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(fired.load(), 0);  // nothing acknowledged before its fsync ended
  gate.Open();
  for (int i = 0; i < 500 && fired.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(fired.load(), 3);
  std::lock_guard lk(order_mu);
  EXPECT_EQ(order, (std::vector<uint64_t>{t1, t2, t3}));  // ticket order
  EXPECT_TRUE(w->WaitAsync(t3, [](bool) { ADD_FAILURE() << "acknowledged: no callback"; }));
  EXPECT_EQ(w->stats().fsyncs, 2u);  // t2 and t3 shared one fsync
}

TEST(AofWriter, WaitAsyncReportsAFailedFsync) {
  TempDir tmp;
  auto w = OpenAlwaysWithFsync(tmp.path(), FailingFsync);
  ASSERT_NE(w, nullptr);
  std::string_view set_a[] = {"SET", "a", "1"};
  uint64_t t = w->Log(0, set_a);
  std::atomic<int> result{-1};
  if (!w->WaitAsync(t, [&](bool ok) { result = ok ? 1 : 0; })) {
    for (int i = 0; i < 500 && result.load() < 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(result.load(), 0);
  }
  EXPECT_FALSE(w->Wait(t));  // whichever way it went, the ticket is not acknowledged
  EXPECT_TRUE(w->stats().failed);
}

TEST(AofWriter, WaitAsyncUnderOtherPoliciesWritesAtOnce) {
  TempDir tmp;
  auto w = OpenWriter(tmp.path(), AofFsync::kNo);
  std::string_view set_a[] = {"SET", "a", "1"};
  uint64_t t = w->Log(0, set_a);
  EXPECT_TRUE(w->WaitAsync(t, [](bool) { ADD_FAILURE() << "no callback under appendfsync no"; }));
  EXPECT_EQ(w->stats().pending_bytes, 0u);
  EXPECT_EQ(LoadAll(tmp.path()), (Commands{{"SELECT", "0"}, {"SET", "a", "1"}}));
}

}  // namespace
}  // namespace ember::persist
