// The base file of an AOF rewrite: the whole dataset at one moment, either as an RDB image
// (aof-use-rdb-preamble yes, what Redis 7 writes by default) or as RESP commands. Called in
// the forked rewrite child, whose private copy of the keyspace is not locked again.
#pragma once

#include <cstdint>
#include <string>

#include "persist/snapshot.h"
#include "store/database.h"

namespace ember::persist {

struct AofBaseStats {
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

// Writes every key of `ks` live at now_ms to `path` (created or truncated, fsynced). Keys
// keep their absolute expire times. Returns "" or the error.
std::string WriteAofBase(Keyspace& ks, const std::string& path, bool rdb_preamble,
                         const SnapshotOptions& opts, int64_t now_ms, AofBaseStats* stats);

// The RESP command(s) that recreate entry `e` (appended to *out). Each value type brings its
// own case here, as it brings its own RDB encoder.
void AppendEntryCommands(const Entry& e, std::string* out);

}  // namespace ember::persist
