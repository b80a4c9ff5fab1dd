#include "persist/snapshot.h"

#include <unistd.h>

#include <mutex>

namespace ember::persist {

namespace {

// Serialises one database with all of its partitions locked (partitions are locked in index
// order, which is address order, the order LockSet uses); the caller writes the bytes after
// the unlock. Returns "" or the first error.
std::string SerializeDb(Database& db, int index, int64_t now_ms, RdbWriter& w, uint64_t* keys) {
  for (size_t i = 0; i < Database::kPartitions; ++i) db.partition(i).mu.lock();
  uint64_t live = 0, expires = 0;
  auto is_live = [&](const Entry* e) { return !e->has_expire() || e->expire_ms() > now_ms; };
  for (size_t i = 0; i < Database::kPartitions; ++i) {
    db.partition(i).table.ForEach([&](const Entry* e) {
      if (!is_live(e)) return;
      ++live;
      if (e->has_expire()) ++expires;
    });
  }
  std::string err;
  if (live > 0) {
    w.SelectDb(index, live, expires);
    for (size_t i = 0; i < Database::kPartitions && err.empty(); ++i) {
      db.partition(i).table.ForEach([&](const Entry* e) {
        if (!err.empty() || !is_live(e)) return;
        err = w.WriteEntry(e);
      });
    }
  }
  for (size_t i = Database::kPartitions; i-- > 0;) db.partition(i).mu.unlock();
  *keys += live;
  return err;
}

}  // namespace

void WriteRdbPreamble(RdbWriter& w, const SnapshotOptions& opts) {
  w.Header();
  w.Aux("redis-ver", opts.redis_version);
  w.Aux("redis-bits", std::to_string(sizeof(void*) * 8));
  w.Aux("ctime", std::to_string(opts.ctime_s));
  w.Aux("used-mem", std::to_string(opts.used_mem));
  w.Aux("aof-base", opts.aof_base ? "1" : "0");
}

std::string SaveSnapshot(Keyspace& ks, FileSystem& fs, const std::string& path,
                         const SnapshotOptions& opts, int64_t now_ms, SnapshotStats* stats,
                         const std::string& temp_path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string temp =
      temp_path.empty() ? dir + "temp-" + std::to_string(getpid()) + ".rdb" : temp_path;
  AtomicFileWriter file(fs, path, temp);
  std::string err = file.Open();
  if (!err.empty()) return err;
  RdbWriter w(opts.rdb);
  WriteRdbPreamble(w, opts);
  SnapshotStats st;
  for (int i = 0; i < ks.num_dbs(); ++i) {
    err = SerializeDb(ks.db(i), i, now_ms, w, &st.keys);
    if (err.empty()) err = file.Append(w.TakeBuffer());
    if (!err.empty()) return err;
  }
  w.Finish();
  err = file.Append(w.TakeBuffer());
  if (err.empty()) err = file.Commit();
  if (!err.empty()) return err;
  st.bytes = w.bytes_written();
  if (stats) *stats = st;
  return "";
}

std::string LoadSnapshot(FileSystem& fs, const std::string& path, int num_dbs, int64_t now_ms,
                         std::unique_ptr<Keyspace>* out, RdbLoadInfo* info) {
  out->reset();
  std::string data;
  bool not_found = false;
  std::string err = fs.ReadFile(path, &data, &not_found);
  if (!err.empty() || not_found) return err;
  auto ks = std::make_unique<Keyspace>(num_dbs);
  err = LoadRdb(data, *ks, now_ms, info);
  if (!err.empty()) return err;
  *out = std::move(ks);
  return "";
}

}  // namespace ember::persist
