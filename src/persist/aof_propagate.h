// What goes into the AOF for an executed write: its RESP encoding, made deterministic so a
// replay at another time yields the same dataset (relative expiries become absolute, results
// that depend on floating point become a SET of the value). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ember::persist {

using AofCommand = std::vector<std::string>;

// Appends `*<n>\r\n$<len>\r\n<arg>\r\n...` to *out.
void AppendRespCommand(std::string* out, std::span<const std::string_view> args);
void AppendRespCommand(std::string* out, std::span<const std::string> args);

// Rewrites an executed write command into the command(s) to log, given the wall-clock time
// (ms) at which it ran. Command names and option words are matched case-insensitively; the
// caller has already validated the command (it executed successfully). Rules:
//   SET k v EX s | PX ms | EXAT s   -> SET k v PXAT <abs ms> (other options kept)
//   SETEX k s v / PSETEX k ms v     -> SET k v PXAT <abs ms>
//   EXPIRE/PEXPIRE/EXPIREAT k t ... -> PEXPIREAT k <abs ms> ... (NX/XX/GT/LT kept)
//   GETEX k EX|PX|EXAT|PXAT t       -> PEXPIREAT k <abs ms>;  GETEX k PERSIST -> PERSIST k
//   GETEX k (no option), GET-like   -> nothing (not a write)
//   anything else                   -> unchanged
// INCRBYFLOAT needs its result: use RewriteIncrByFloat.
std::vector<AofCommand> MakeDeterministic(std::span<const std::string_view> args, int64_t now_ms);

// INCRBYFLOAT k incr, which produced `result` -> SET k <result> KEEPTTL (the float arithmetic
// of the replaying machine may differ; KEEPTTL keeps an existing expiry as INCRBYFLOAT does).
AofCommand RewriteIncrByFloat(std::string_view key, std::string_view result);

// SETEX/PSETEX/EXPIRE-family helper: the absolute ms time for a relative amount in `unit_ms`
// units (1000 for seconds, 1 for ms), saturating instead of overflowing.
int64_t AbsoluteExpireMs(int64_t amount, int64_t unit_ms, int64_t now_ms);

}  // namespace ember::persist
