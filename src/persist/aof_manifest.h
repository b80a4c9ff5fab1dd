// The manifest of a multi-part AOF (Redis 7 layout, see docs/aof_format.md): which base and
// incremental files, in which order, make up the append-only file inside `appenddirname`.
//
// Text format, one file per line: `file <name> seq <n> type <b|h|i>`. Keys may come in any
// order; names with spaces or quotes are quoted with redis-cli's rules; lines starting with
// '#' are comments. Type `h` (history) marks files a rewrite has superseded: they are listed
// only until deleted and are never loaded. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::persist {

struct AofFileInfo {
  enum class Type : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };
  std::string name;  // file name inside the AOF directory (no directory part)
  int64_t seq = 0;
  Type type = Type::kIncr;
  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  // At most one base; it is loaded first. Redis 7 always writes one (possibly empty).
  bool has_base = false;
  AofFileInfo base;
  std::vector<AofFileInfo> incrs;    // loaded in this order (ascending seq)
  std::vector<AofFileInfo> history;  // to be deleted; never loaded

  // Files to load, base first.
  std::vector<AofFileInfo> LoadOrder() const;
  int64_t NextIncrSeq() const { return incrs.empty() ? 1 : incrs.back().seq + 1; }
  int64_t NextBaseSeq() const { return has_base ? base.seq + 1 : 1; }
};

// Parses manifest text. On failure returns false and sets *error to a message naming the
// line. Rejects: unknown type, missing name/seq/type, two bases, non-increasing incr seqs,
// names containing '/' (files must live in the AOF directory).
bool ParseAofManifest(std::string_view text, AofManifest* out, std::string* error);

// The manifest's text, in the order Redis writes it: base, history, incrementals.
std::string FormatAofManifest(const AofManifest& m);

// File names as Redis 7 forms them from `appendfilename` (default "appendonly.aof").
// <b>.<seq>.base.aof, or .base.rdb for a base that is an RDB image (aof-use-rdb-preamble).
std::string AofBaseName(std::string_view basename, int64_t seq, bool rdb = false);
std::string AofIncrName(std::string_view basename, int64_t seq);  // <b>.<seq>.incr.aof
std::string AofManifestName(std::string_view basename);           // <b>.manifest

}  // namespace ember::persist
