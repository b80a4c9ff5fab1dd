// Whole-keyspace snapshots: SAVE writes the keyspace as an RDB file, start-up loads one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "persist/file.h"
#include "persist/rdb_reader.h"
#include "persist/rdb_writer.h"
#include "store/database.h"

namespace ember::persist {

struct SnapshotOptions {
  RdbWriteOptions rdb;
  std::string redis_version = "7.0.15";  // the redis-ver AUX field
  int64_t ctime_s = 0;                   // creation time (AUX ctime)
  uint64_t used_mem = 0;                 // AUX used-mem
  bool aof_base = false;                 // the AUX field aof-base: this RDB is an AOF's preamble
};

struct SnapshotStats {
  uint64_t keys = 0;
  uint64_t bytes = 0;
  uint64_t peak_buffered = 0;  // background snapshots: most bytes waiting in memory at once
};

// The RDB header and the AUX fields Redis writes (redis-ver, redis-bits, ctime, used-mem,
// aof-base), for every snapshot writer.
void WriteRdbPreamble(RdbWriter& w, const SnapshotOptions& opts);

// Writes every live key of `ks` to `path` via a temporary file in the same directory,
// fsynced and renamed into place (the old file survives any failure). Each database is a
// point-in-time image: all its partitions are locked while it is serialised into memory, and
// the file is written after the locks are released. Call with no partition lock held.
// temp_path: the temporary file ("" = temp-<pid>.rdb next to path).
std::string SaveSnapshot(Keyspace& ks, FileSystem& fs, const std::string& path,
                         const SnapshotOptions& opts, int64_t now_ms, SnapshotStats* stats,
                         const std::string& temp_path = "");

// Loads `path` into a fresh keyspace of `num_dbs` databases. "" with *out null when the file
// does not exist; "" with *out set on success; the error otherwise (nothing loaded).
std::string LoadSnapshot(FileSystem& fs, const std::string& path, int num_dbs, int64_t now_ms,
                         std::unique_ptr<Keyspace>* out, RdbLoadInfo* info);

}  // namespace ember::persist
