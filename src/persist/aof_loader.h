// Reading an append-only file back: the multi-part layout of Redis 7 (manifest + base +
// incremental files) or a single-file AOF as Redis <= 6 wrote it. The loader only yields
// argument vectors; the server replays them through its dispatcher (DESIGN.md).
//
// Rules, as Redis applies them (see docs/aof_format.md):
//  - every command is a RESP multibulk array; lines starting with '#' between commands are
//    annotations (Redis's "#TS:<time>" with aof-timestamp-enabled) and are skipped; anything
//    else is corruption;
//  - a base file that starts with "REDIS" is an RDB snapshot (the "RDB preamble"); its bytes
//    go to the `rdb` callback, which says how many bytes it consumed (a Redis 6 single file
//    may continue with RESP commands after the RDB part);
//  - a command cut off by the end of the LAST file is a truncated tail: with
//    load_truncated (aof-load-truncated yes) it is dropped with a warning and the report
//    gives the valid length; otherwise, or in any other file, it is an error;
//  - MULTI ... EXEC blocks are yielded only once their EXEC has been read, so a transaction
//    cut off by a crash is dropped as a whole (it counts as a truncated tail);
//  - corruption anywhere else is an error naming the file and the byte offset.
// Callbacks run on the calling thread, in file order. Not thread-safe (one load at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ember::persist {

struct AofLoadCallbacks {
  // One command. Return false (and set *error) to abort the load.
  std::function<bool(std::span<const std::string_view> args, std::string* error)> command;
  // An RDB preamble: `data` runs from the "REDIS" magic to the end of the file. Set *consumed
  // to the RDB's length. Return false (and set *error) if it cannot be loaded. When unset,
  // loading a file with a preamble fails (ScanAofData: stops and reports the preamble).
  std::function<bool(std::string_view data, size_t* consumed, std::string* error)> rdb;
};

// The outcome of scanning one file's bytes.
struct AofScanResult {
  enum class Status { kOk, kTruncated, kCorrupt, kAborted, kRdbUnchecked };
  Status status = Status::kOk;
  uint64_t commands = 0;      // commands yielded (MULTI and EXEC included)
  size_t valid_length = 0;    // bytes up to the end of the last complete command
  bool rdb_preamble = false;  // the data starts with "REDIS"
  std::string error;          // kCorrupt, kAborted: what went wrong (without the file name)
  size_t error_offset = 0;    // kCorrupt: byte offset of the offending command
};

// Scans one file's bytes. Pure apart from the callbacks; used by the loader, the checker
// and the fuzzer. kRdbUnchecked: a preamble and no rdb callback; valid_length is 0.
AofScanResult ScanAofData(std::string_view data, const AofLoadCallbacks& cb);

struct AofLoadOptions {
  bool load_truncated = true;  // aof-load-truncated
};

struct AofLoadReport {
  enum class Layout { kNone, kManifest, kSingleFile };
  bool ok = true;
  std::string error;  // names the file and, for corruption, the byte offset
  Layout layout = Layout::kNone;
  // A Redis <= 6 single-file AOF: the caller should upgrade it to the multi-part layout
  // (Redis 7 moves it into appenddirname as the base file and writes a manifest).
  bool needs_upgrade = false;
  std::vector<std::string> files;  // paths loaded, in order
  uint64_t commands = 0;
  bool rdb_preamble = false;
  // A truncated tail was dropped: the last file's valid length and its size on disk.
  bool truncated = false;
  std::string truncated_file;
  uint64_t valid_length = 0;
  uint64_t file_size = 0;
  std::vector<std::string> warnings;
};

// Loads the AOF a server configured with dir / appenddirname / appendfilename would load:
// <dir>/<appenddirname>/<appendfilename>.manifest if it exists, else the single file
// <dir>/<appendfilename>, else nothing (layout kNone, ok).
AofLoadReport LoadAof(const std::string& dir, const std::string& appenddirname,
                      const std::string& appendfilename, const AofLoadCallbacks& cb,
                      const AofLoadOptions& opts = {});

// Loads from an explicit path: a manifest file, a directory holding exactly one manifest, or
// a single AOF file (no manifest; reported as kSingleFile).
AofLoadReport LoadAofPath(const std::string& path, const AofLoadCallbacks& cb,
                          const AofLoadOptions& opts = {});

// Cuts `path` to `length` bytes and fsyncs it: the repair aof-load-truncated implies before
// appending to the file again, and `ember-check-aof --fix`. Returns "" or an error.
std::string TruncateAofFile(const std::string& path, uint64_t length);

}  // namespace ember::persist
