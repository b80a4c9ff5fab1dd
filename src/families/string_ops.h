// Pure helpers of the string family: option parsing for SET/GETEX, expire-time conversion,
// GETRANGE index arithmetic and the LCS computation. No keyspace access, no replies; each
// behaviour note was checked against redis-server 7.0.15.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/command.h"

namespace ember::families {

// How an EX/PX/EXAT/PXAT argument is to be read.
enum class ExpireKind : uint8_t { kNone, kEx, kPx, kExAt, kPxAt };

// Options of SET (NX, XX, GET, KEEPTTL, EX, PX, EXAT, PXAT) and GETEX (EX, PX, EXAT, PXAT,
// PERSIST). Views point into the argument list.
struct SetOptions {
  enum class Cond : uint8_t { kAlways, kIfAbsent /* NX */, kIfPresent /* XX */ };
  Cond cond = Cond::kAlways;
  bool get = false;
  bool keep_ttl = false;
  bool persist = false;
  ExpireKind expire = ExpireKind::kNone;
  std::string_view expire_arg;
};

// Parses args[first..] as SET options (for_set) or GETEX options. Returns false on a syntax
// error: an unknown word, a word of the other command, a missing value, or a conflict (NX with
// XX; KEEPTTL or PERSIST with an expire; two different expire kinds). Repeating a word is
// allowed and the last expire value wins, as in Redis ("EX 1 EX 2" is EX 2).
bool ParseSetOptions(cmd::ArgList args, size_t first, bool for_set, SetOptions* out);

enum class ExpireParse : uint8_t { kOk, kNotInteger, kInvalid };

// Converts an expire argument of the given kind into an absolute Unix time in milliseconds.
// kNotInteger: not a strict int64. kInvalid ("invalid expire time in '<cmd>' command"): the
// value is <= 0, seconds overflow when multiplied by 1000, or a relative time overflows when
// now is added. An absolute time in the past is valid (the caller deletes or lets it expire).
ExpireParse ParseExpireAt(std::string_view arg, ExpireKind kind, int64_t now_ms, int64_t* out);

// "ERR invalid expire time in '<name>' command".
std::string InvalidExpireError(std::string_view command_name);

// GETRANGE/SUBSTR: the bytes of s between start and end inclusive, negative indexes counting
// from the end, with Redis 7.0's clamping (e.g. (0, -100) on "hello" is "h": the negative end
// clamps to 0, and a range of two negatives with start > end is empty).
std::string_view StringRange(std::string_view s, int64_t start, int64_t end);

// One run of consecutive matching bytes in LCS IDX output: inclusive ranges in a and b.
struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
  uint32_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  uint32_t length = 0;            // length of the longest common subsequence
  std::string sequence;           // the subsequence itself, when asked for
  std::vector<LcsMatch> matches;  // runs, from the end of the strings backwards
};

enum class LcsStatus : uint8_t { kOk, kTooLong, kTableTooBig, kNoMemory };

// Computes the LCS of a and b with the classic (|a|+1)*(|b|+1) table of uint32 and walks it
// back from the end, preferring to step in b when both directions keep the length (the same
// walk Redis does, so ties produce the same subsequence and the same runs). Runs shorter than
// min_match_len are left out of `matches` (not of `length`). The table may use at most
// max_table_bytes (Redis's proto-max-bulk-len); kTooLong when a string is 4 GiB or longer.
LcsStatus ComputeLcs(std::string_view a, std::string_view b, bool want_sequence, bool want_matches,
                     int64_t min_match_len, int64_t max_table_bytes, LcsResult* out);

}  // namespace ember::families
