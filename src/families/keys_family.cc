// Generic key commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX,
// COPY, MOVE, TOUCH, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, OBJECT and MEMORY, with Redis 7.0's
// replies and error strings.
//
// Keyspace statistics follow Redis: read lookups (EXISTS, TYPE, TOUCH, OBJECT, COPY's source)
// count a hit or miss; write lookups (DEL, RENAME, MOVE) and MEMORY USAGE do not.
#include <malloc.h>

#include <cctype>
#include <climits>
#include <string>
#include <vector>

#include "base/strutil.h"
#include "cmd/context.h"
#include "families/families.h"

namespace ember::families {

using cmd::ArgIs;
using cmd::ArgList;
using cmd::CommandContext;
using cmd::KeyVisitor;

namespace {

// Values whose freeing releases more allocations than this are freed on a background thread
// by UNLINK and the ASYNC flushes (Redis's LAZYFREE_THRESHOLD).
constexpr size_t kLazyFreeThreshold = 64;

constexpr std::string_view kIntRangeError =
    "ERR value is out of range, value must between -2147483648 and 2147483647";

// A read lookup that counts a keyspace hit or miss and does not record an access.
Entry* Peek(CommandContext& ctx, std::string_view key) {
  Entry* e = ctx.db->Find(key, ctx.now_ms, true);
  if (e == nullptr) {
    ctx.Miss();
  } else {
    ctx.Hit();
  }
  return e;
}

// Redis's getIntFromObjectOrReply: a strict int64 that must also fit in 32 bits. Replies with
// the error and returns false otherwise.
bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int* out) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ctx.Error(OpStatus::kNotInteger);
    return false;
  }
  if (v < INT_MIN || v > INT_MAX) {
    ctx.Error(kIntRangeError);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ValidDb(const CommandContext& ctx, int64_t index) {
  return index >= 0 && index < ctx.keyspace->num_dbs();
}

bool WorthFreeingLazily(const Entry* e) {
  return e->type() != ValueType::kString && e->object()->FreeEffort() > kLazyFreeThreshold;
}

// ---- DEL, UNLINK, EXISTS, TOUCH, TYPE ----

void DeleteKeys(ArgList args, CommandContext& ctx, bool lazy) {
  int64_t deleted = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    Entry** link = ctx.db->FindLink(args[i], ctx.now_ms, true);
    if (link == nullptr) continue;
    if (lazy && ctx.server != nullptr && WorthFreeingLazily(*link)) {
      Entry* e = ctx.db->Detach(link);
      ctx.server->RunInBackground([e] { FreeEntry(e); });
    } else {
      ctx.db->Erase(link);
    }
    ++deleted;
  }
  ctx.dirty += static_cast<uint64_t>(deleted);
  ctx.reply->Integer(deleted);
}

void Del(ArgList args, CommandContext& ctx) { DeleteKeys(args, ctx, false); }
void Unlink(ArgList args, CommandContext& ctx) { DeleteKeys(args, ctx, true); }

void Exists(ArgList args, CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); ++i) n += Peek(ctx, args[i]) != nullptr;
  ctx.reply->Integer(n);
}

void Touch(ArgList args, CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    Entry* e = ctx.db->Find(args[i], ctx.now_ms, false);  // TOUCH always records the access
    if (e == nullptr) {
      ctx.Miss();
    } else {
      ctx.Hit();
      ++n;
    }
  }
  ctx.reply->Integer(n);
}

void Type(ArgList args, CommandContext& ctx) {
  const Entry* e = Peek(ctx, args[1]);
  ctx.reply->Simple(e == nullptr ? std::string_view("none") : TypeName(e->type()));
}

// ---- KEYS, SCAN, RANDOMKEY, DBSIZE ----

// GlobMatch("*", "") is false like Redis's matcher, so a bare "*" is special-cased as
// match-all (Redis does the same, which also makes the common case cheap).
bool MatchesAll(std::string_view pattern) { return pattern == "*"; }

void Keys(ArgList args, CommandContext& ctx) {
  std::string_view pattern = args[1];
  bool all = MatchesAll(pattern);
  std::vector<std::string> keys;
  ctx.db->ForEachLive(ctx.now_ms, [&](const Entry* e) {
    std::string_view k = e->key();
    if (all || GlobMatch(pattern, k)) keys.emplace_back(k);
  });
  ctx.reply->ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply->Bulk(k);
}

// Redis parses the SCAN cursor with strtoul after refusing leading whitespace: an optional
// sign ("-1" wraps to 2^64-1), decimal digits, nothing after them, no overflow; an empty
// string is cursor 0. An embedded NUL ends the C string Redis sees.
bool ParseScanCursor(std::string_view s, uint64_t* out) {
  size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  if (s.empty()) {
    *out = 0;
    return true;
  }
  if (isspace(static_cast<unsigned char>(s[0]))) return false;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    ++i;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;  // ERANGE
    v = v * 10 + d;
  }
  *out = negative ? 0 - v : v;
  return true;
}

void Scan(ArgList args, CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(args[1], &cursor)) return ctx.Error("ERR invalid cursor");
  int64_t count = 10;
  std::string_view pattern = "*";
  std::string_view type;
  bool has_type = false;
  for (size_t i = 2; i < args.size(); i += 2) {
    bool has_value = i + 1 < args.size();
    if (ArgIs(args[i], "count") && has_value) {
      if (!ParseInt64(args[i + 1], &count)) return ctx.Error(OpStatus::kNotInteger);
      if (count < 1) return ctx.Error(OpStatus::kSyntax);
    } else if (ArgIs(args[i], "match") && has_value) {
      pattern = args[i + 1];
    } else if (ArgIs(args[i], "type") && has_value) {
      type = args[i + 1];
      has_type = true;  // an unknown type name simply matches nothing (7.0)
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  bool all = MatchesAll(pattern);
  std::vector<std::string> keys;
  uint64_t next = ctx.db->Scan(cursor, static_cast<size_t>(count), ctx.now_ms, [&](const Entry* e) {
    std::string_view k = e->key();
    if (!all && !GlobMatch(pattern, k)) return;
    if (has_type && !EqualsIgnoreCase(type, TypeName(e->type()))) return;
    keys.emplace_back(k);
  });
  ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply->Bulk(k);
}

void RandomKey(ArgList, CommandContext& ctx) {
  std::string key;
  bool found = ctx.db->RandomKey(
      ctx.now_ms, [&] { return ctx.server->Random(); }, &key);
  if (found) {
    ctx.reply->Bulk(key);
  } else {
    ctx.reply->Null();
  }
}

void DbSize(ArgList, CommandContext& ctx) {
  ctx.reply->Integer(static_cast<int64_t>(ctx.db->Size()));
}

// ---- RENAME, RENAMENX, COPY, MOVE ----

void RenameGeneric(ArgList args, CommandContext& ctx, bool nx) {
  std::string_view src = args[1];
  std::string_view dst = args[2];
  Entry** link = ctx.db->FindLink(src, ctx.now_ms, ctx.no_touch);
  if (link == nullptr) return ctx.Error(OpStatus::kNoSuchKey);
  if (src == dst) {
    if (nx) return ctx.reply->Integer(0);
    return ctx.reply->Ok();
  }
  if (Entry** dl = ctx.db->FindLink(dst, ctx.now_ms, true)) {
    if (nx) return ctx.reply->Integer(0);
    ctx.db->Erase(dl);
    link = ctx.db->FindLink(src, ctx.now_ms, true);  // erasing may have resized the table
  }
  Entry* e = ctx.db->Detach(link);
  EntryInit init{dst, e->has_expire(), e->has_expire() ? e->expire_ms() : 0, e->access_time()};
  ctx.db->Insert(TransferEntry(e, init));
  ++ctx.dirty;
  if (nx) return ctx.reply->Integer(1);
  ctx.reply->Ok();
}

void Rename(ArgList args, CommandContext& ctx) { RenameGeneric(args, ctx, false); }
void RenameNx(ArgList args, CommandContext& ctx) { RenameGeneric(args, ctx, true); }

struct CopyOptions {
  int db = -1;  // -1: the current database
  bool replace = false;
};

// COPY's options as Redis parses them: left to right, a DB index is range-checked as soon as
// it is read, so "DB 16 FOO" reports the index and "FOO DB 16" the syntax. Returns "" or the
// error text.
std::string_view ParseCopyOptions(ArgList args, int num_dbs, CopyOptions* out) {
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "replace")) {
      out->replace = true;
    } else if (ArgIs(args[i], "db") && i + 1 < args.size()) {
      int64_t v;
      if (!ParseInt64(args[i + 1], &v)) return ErrorText(OpStatus::kNotInteger);
      if (v < INT_MIN || v > INT_MAX) return kIntRangeError;
      if (v < 0 || v >= num_dbs) return ErrorText(OpStatus::kDbIndex);
      out->db = static_cast<int>(v);
      ++i;
    } else {
      return ErrorText(OpStatus::kSyntax);
    }
  }
  return {};
}

// COPY ... DB n also touches the destination key's partition in database n.
void CopyOtherDbKeys(ArgList args, CommandContext& ctx, KeyVisitor visit) {
  CopyOptions opts;
  if (!ParseCopyOptions(args, ctx.keyspace->num_dbs(), &opts).empty()) return;
  if (opts.db >= 0 && opts.db != ctx.db_index) visit(ctx.keyspace->db(opts.db), args[2]);
}

void Copy(ArgList args, CommandContext& ctx) {
  CopyOptions opts;
  std::string_view err = ParseCopyOptions(args, ctx.keyspace->num_dbs(), &opts);
  if (!err.empty()) return ctx.Error(err);
  int dst_index = opts.db >= 0 ? opts.db : ctx.db_index;
  std::string_view src = args[1];
  std::string_view dst = args[2];
  if (dst_index == ctx.db_index && src == dst) return ctx.Error(OpStatus::kSameObject);
  const Entry* e = ctx.db->Find(src, ctx.now_ms, ctx.no_touch);
  if (e == nullptr) {
    ctx.Miss();
    return ctx.reply->Integer(0);
  }
  ctx.Hit();
  Database& to = ctx.keyspace->db(dst_index);
  if (Entry** dl = to.FindLink(dst, ctx.now_ms, true)) {
    if (!opts.replace) return ctx.reply->Integer(0);
    to.Erase(dl);  // e stays valid: entries do not move when a table resizes
  }
  // A copy is a new object in Redis: fresh access time and LFU counter.
  EntryInit init{dst, e->has_expire(), e->has_expire() ? e->expire_ms() : 0, LruClock(ctx.now_ms)};
  Entry* n = CloneEntry(e, init);
  n->freq = kLfuInitVal;
  to.Insert(n);
  ++ctx.dirty;
  ctx.reply->Integer(1);
}

// MOVE's target database, or -1 when the argument is not a valid index.
int MoveTarget(ArgList args, const CommandContext& ctx) {
  int64_t v;
  if (!ParseInt64(args[2], &v) || !ValidDb(ctx, v)) return -1;
  return static_cast<int>(v);
}

void MoveOtherDbKeys(ArgList args, CommandContext& ctx, KeyVisitor visit) {
  int target = MoveTarget(args, ctx);
  if (target >= 0 && target != ctx.db_index) visit(ctx.keyspace->db(target), args[1]);
}

void Move(ArgList args, CommandContext& ctx) {
  int target;
  if (!ParseIntOrReply(ctx, args[2], &target)) return;
  if (!ValidDb(ctx, target)) return ctx.Error(OpStatus::kDbIndex);
  if (target == ctx.db_index) return ctx.Error(OpStatus::kSameObject);
  Entry** link = ctx.db->FindLink(args[1], ctx.now_ms, ctx.no_touch);
  if (link == nullptr) return ctx.reply->Integer(0);
  Database& to = ctx.keyspace->db(target);
  if (to.Find(args[1], ctx.now_ms, true) != nullptr) return ctx.reply->Integer(0);
  to.Insert(ctx.db->Detach(link));  // same key, same allocation: expire and metadata move too
  ++ctx.dirty;
  ctx.reply->Integer(1);
}

// ---- FLUSHDB, FLUSHALL, SWAPDB ----

// [ASYNC | SYNC]; false after replying a syntax error.
bool ParseFlushMode(ArgList args, CommandContext& ctx, bool* async) {
  *async = false;
  if (args.size() > 2) {
    ctx.Error(OpStatus::kSyntax);
    return false;
  }
  if (args.size() == 2) {
    if (ArgIs(args[1], "async")) {
      *async = true;
    } else if (!ArgIs(args[1], "sync")) {
      ctx.Error(OpStatus::kSyntax);
      return false;
    }
  }
  return true;
}

// Empties db; the entries are freed here or, for ASYNC, on the background thread. The flush
// is logged as FLUSHDB in that database while all its partitions are locked (FLUSHALL too:
// the databases are flushed one after the other, so each is its own step in the log).
size_t FlushDatabase(CommandContext& ctx, int index, bool async) {
  Database& db = ctx.keyspace->db(index);
  size_t removed = 0;
  std::function<void()> free_all = db.TakeAll(&removed, [&] {
    if (removed == 0) return;  // nothing changed: nothing to replay
    std::string_view flush[] = {"FLUSHDB"};
    ctx.Log(index, flush);
  });
  if (async && removed > 0 && ctx.server != nullptr) {
    ctx.server->RunInBackground(std::move(free_all));
  } else {
    free_all();  // no partition lock is held here (kNoLock)
  }
  return removed;
}

void FlushDb(ArgList args, CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(args, ctx, &async)) return;
  ctx.dirty += FlushDatabase(ctx, ctx.db_index, async);
  ctx.logged = true;
  ctx.reply->Ok();
}

void FlushAll(ArgList args, CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(args, ctx, &async)) return;
  size_t removed = 0;
  auto flush = [&] {
    for (int i = 0; i < ctx.keyspace->num_dbs(); ++i) removed += FlushDatabase(ctx, i, async);
  };
  bool saved = false;
  if (ctx.server != nullptr) {
    saved = ctx.server->FlushAllAndSave(flush);
  } else {
    flush();
  }
  if (!saved) ctx.dirty += removed;  // as Redis 7.0 counts it (6.x added one for the flush)
  ctx.logged = true;
  ctx.reply->Ok();
}

void SwapDb(ArgList args, CommandContext& ctx) {
  int64_t a, b;
  if (!ParseInt64(args[1], &a) || a < INT_MIN || a > INT_MAX)
    return ctx.Error("ERR invalid first DB index");
  if (!ParseInt64(args[2], &b) || b < INT_MIN || b > INT_MAX)
    return ctx.Error("ERR invalid second DB index");
  if (!ValidDb(ctx, a) || !ValidDb(ctx, b)) return ctx.Error(OpStatus::kDbIndex);
  Database::SwapContents(ctx.keyspace->db(static_cast<int>(a)),
                         ctx.keyspace->db(static_cast<int>(b)), [&] { ctx.Log(args); });
  ++ctx.dirty;
  ctx.reply->Ok();
}

// ---- OBJECT ----

constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";
constexpr std::string_view kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";

bool LfuPolicy(const CommandContext& ctx) { return ctx.server && ctx.server->lfu_policy(); }

// OBJECT's lookup: no access recorded; nil for a missing key.
const Entry* ObjectLookup(CommandContext& ctx, std::string_view key) {
  const Entry* e = Peek(ctx, key);
  if (e == nullptr) ctx.reply->Null();
  return e;
}

void ObjectEncoding(ArgList args, CommandContext& ctx) {
  if (const Entry* e = ObjectLookup(ctx, args[2])) ctx.reply->Bulk(EncodingName(e->encoding()));
}

void ObjectFreq(ArgList args, CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx, args[2]);
  if (e == nullptr) return;
  if (!LfuPolicy(ctx)) return ctx.Error(kLfuNotSelected);
  ctx.reply->Integer(ctx.db->Frequency(e, ctx.now_ms));
}

void ObjectIdleTime(ArgList args, CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx, args[2]);
  if (e == nullptr) return;
  if (LfuPolicy(ctx)) return ctx.Error(kLfuSelected);
  ctx.reply->Integer(IdleSeconds(e, ctx.now_ms));
}

void ObjectRefCount(ArgList args, CommandContext& ctx) {
  const Entry* e = ObjectLookup(ctx, args[2]);
  if (e == nullptr) return;
  // Redis stores integers 0..9999 as shared objects whose refcount reads INT_MAX.
  bool shared = e->type() == ValueType::kString && e->encoding() == Encoding::kInt &&
                e->int_value() >= 0 && e->int_value() < 10000;
  ctx.reply->Integer(shared ? INT_MAX : 1);
}

void ReplyHelp(CommandContext& ctx, std::initializer_list<std::string_view> lines) {
  ctx.reply->ArrayHeader(lines.size());
  for (std::string_view l : lines) ctx.reply->Simple(l);
}

void ObjectHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx,
            {
                "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
                "HELP",
                "    Prints this help.",
            });
}

// ---- MEMORY ----

void MemoryUsage(ArgList args, CommandContext& ctx) {
  // SAMPLES is validated like Redis (0 means all); values report their full usage.
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "samples") && i + 1 < args.size()) {
      int64_t samples;
      if (!ParseInt64(args[i + 1], &samples)) return ctx.Error(OpStatus::kNotInteger);
      if (samples < 0) return ctx.Error(OpStatus::kSyntax);
      ++i;
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  const Entry* e = ctx.db->Find(args[2], ctx.now_ms, true);
  if (e == nullptr) return ctx.reply->Null();
  ctx.reply->Integer(static_cast<int64_t>(EntryMemoryUsage(e)));
}

void MemoryPurge(ArgList, CommandContext& ctx) {
  malloc_trim(0);
  ctx.reply->Ok();
}

void MemoryMallocStats(ArgList, CommandContext& ctx) {
  ctx.reply->Verbatim("Stats not supported for the current allocator");
}

void MemoryHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, {
                     "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                     "DOCTOR",
                     "    Return memory problems reports.",
                     "MALLOC-STATS",
                     "    Return internal statistics report from the memory allocator.",
                     "PURGE",
                     "    Attempt to purge dirty pages for reclamation by the allocator.",
                     "STATS",
                     "    Return information about the memory usage of the server.",
                     "USAGE <key> [SAMPLES <count>]",
                     "    Return memory in bytes used by <key> and its value. Nested values are",
                     "    sampled up to <count> times (default: 5, 0 means sample all).",
                     "HELP",
                     "    Prints this help.",
                 });
}

// Containers are resolved to a subcommand by the dispatcher; this only runs if a caller
// bypasses Resolve.
void Container(ArgList args, CommandContext& ctx) {
  ctx.Error(cmd::UnknownSubcommandError(args[0], args.size() > 1 ? args[1] : ""));
}

}  // namespace

void RegisterKeysFamily(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT: flag names
  t.Add({.name = "del",
         .arity = -2,
         .flags = kWrite,
         .keys = {1, -1, 1},
         .summary = "Delete a key",
         .syntax = "key [key ...]",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                       "remove holds a value other than a string, the individual complexity "
                       "for this key is O(M) where M is the number of elements in the list, "
                       "set, sorted set or hash. Removing a single key that holds a string "
                       "value is O(1).",
         .acl_categories = "@keyspace @write @slow",
         .handler = Del});
  t.Add({.name = "unlink",
         .arity = -2,
         .flags = kWrite | kFast,
         .keys = {1, -1, 1},
         .summary = "Delete a key asynchronously in another thread. Otherwise it is just as "
                    "DEL, but non blocking.",
         .syntax = "key [key ...]",
         .group = "generic",
         .since = "4.0.0",
         .complexity = "O(1) for each key removed regardless of its size. Then the command "
                       "does O(N) work in a different thread in order to reclaim memory, where "
                       "N is the number of allocations the deleted objects where composed of.",
         .acl_categories = "@keyspace @write @fast",
         .handler = Unlink});
  t.Add({.name = "exists",
         .arity = -2,
         .flags = kReadOnly | kFast,
         .keys = {1, -1, 1},
         .summary = "Determine if a key exists",
         .syntax = "key [key ...]",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys to check.",
         .acl_categories = "@keyspace @read @fast",
         .handler = Exists});
  t.Add({.name = "type",
         .arity = 2,
         .flags = kReadOnly | kFast,
         .keys = {1, 1, 1},
         .summary = "Determine the type stored at key",
         .syntax = "key",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @read @fast",
         .handler = Type});
  t.Add({.name = "keys",
         .arity = 2,
         .flags = kReadOnly | kNoLock,
         .summary = "Find all keys matching the given pattern",
         .syntax = "pattern",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(N) with N being the number of keys in the database, under the "
                       "assumption that the key names in the database and the given pattern "
                       "have limited length.",
         .acl_categories = "@keyspace @read @slow @dangerous",
         .handler = Keys});
  t.Add({.name = "scan",
         .arity = -2,
         .flags = kReadOnly | kNoLock,
         .summary = "Incrementally iterate the keys space",
         .syntax = "cursor [MATCH pattern] [COUNT count] [TYPE type]",
         .group = "generic",
         .since = "2.8.0",
         .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                       "command calls for the cursor to return back to 0. N is the number of "
                       "elements inside the collection.",
         .acl_categories = "@keyspace @read @slow",
         .handler = Scan});
  t.Add({.name = "randomkey",
         .arity = 1,
         .flags = kReadOnly | kNoLock,
         .summary = "Return a random key from the keyspace",
         .syntax = "",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @read @slow",
         .handler = RandomKey});
  t.Add({.name = "rename",
         .arity = 3,
         .flags = kWrite,
         .keys = {1, 2, 1},
         .summary = "Rename a key",
         .syntax = "key newkey",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @write @slow",
         .handler = Rename});
  t.Add({.name = "renamenx",
         .arity = 3,
         .flags = kWrite | kFast,
         .keys = {1, 2, 1},
         .summary = "Rename a key, only if the new key does not exist",
         .syntax = "key newkey",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @write @fast",
         .handler = RenameNx});
  t.Add({.name = "copy",
         .arity = -3,
         .flags = kWrite | kDenyOom,
         .keys = {1, 2, 1},
         .summary = "Copy a key",
         .syntax = "source destination [DB destination-db] [REPLACE]",
         .group = "generic",
         .since = "6.2.0",
         .complexity = "O(N) worst case for collections, where N is the number of nested "
                       "items. O(1) for string values.",
         .acl_categories = "@keyspace @write @slow",
         .handler = Copy,
         .other_db_keys = CopyOtherDbKeys});
  t.Add({.name = "move",
         .arity = 3,
         .flags = kWrite | kFast,
         .keys = {1, 1, 1},
         .summary = "Move a key to another database",
         .syntax = "key db",
         .group = "generic",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @write @fast",
         .handler = Move,
         .other_db_keys = MoveOtherDbKeys});
  t.Add({.name = "touch",
         .arity = -2,
         .flags = kReadOnly | kFast,
         .keys = {1, -1, 1},
         .summary = "Alters the last access time of a key(s). Returns the number of existing "
                    "keys specified.",
         .syntax = "key [key ...]",
         .group = "generic",
         .since = "3.2.1",
         .complexity = "O(N) where N is the number of keys that will be touched.",
         .acl_categories = "@keyspace @read @fast",
         .handler = Touch});
  t.Add({.name = "dbsize",
         .arity = 1,
         .flags = kReadOnly | kFast | kNoLock,
         .summary = "Return the number of keys in the selected database",
         .syntax = "",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @read @fast",
         .handler = DbSize});
  t.Add({.name = "flushdb",
         .arity = -1,
         .flags = kWrite | kNoLock,
         .summary = "Remove all keys from the current database",
         .syntax = "[ASYNC | SYNC]",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys in the selected database",
         .acl_categories = "@keyspace @write @slow @dangerous",
         .handler = FlushDb});
  t.Add({.name = "flushall",
         .arity = -1,
         .flags = kWrite | kNoLock,
         .summary = "Remove all keys from all databases",
         .syntax = "[ASYNC | SYNC]",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(N) where N is the total number of keys in all databases",
         .acl_categories = "@keyspace @write @slow @dangerous",
         .handler = FlushAll});
  t.Add({.name = "swapdb",
         .arity = 3,
         .flags = kWrite | kFast | kNoLock,
         .summary = "Swaps two Redis databases",
         .syntax = "index1 index2",
         .group = "server",
         .since = "4.0.0",
         .complexity = "O(N) where N is the count of clients watching or blocking on keys "
                       "from both databases.",
         .acl_categories = "@keyspace @write @fast @dangerous",
         .handler = SwapDb});

  CommandSpec object{.name = "object",
                     .arity = -2,
                     .flags = 0,
                     .summary = "A container for object introspection commands",
                     .syntax = "",
                     .group = "generic",
                     .since = "2.2.3",
                     .complexity = "Depends on subcommand.",
                     .acl_categories = "@slow",
                     .handler = Container};
  auto object_sub = [](std::string name, std::string summary, Handler h) {
    return CommandSpec{.name = "object|" + std::move(name),
                       .arity = 3,
                       .flags = kReadOnly,
                       .keys = {2, 2, 1},
                       .summary = std::move(summary),
                       .syntax = "key",
                       .group = "generic",
                       .since = "2.2.3",
                       .complexity = "O(1)",
                       .acl_categories = "@keyspace @read @slow",
                       .handler = h};
  };
  object.subcommands.push_back(
      object_sub("encoding", "Inspect the internal encoding of a Redis object", ObjectEncoding));
  object.subcommands.push_back(object_sub(
      "freq", "Get the logarithmic access frequency counter of a Redis object", ObjectFreq));
  object.subcommands.back().since = "4.0.0";
  object.subcommands.push_back(object_sub(
      "idletime", "Get the time since a Redis object was last accessed", ObjectIdleTime));
  object.subcommands.push_back(object_sub(
      "refcount", "Get the number of references to the value of the key", ObjectRefCount));
  object.subcommands.push_back({.name = "object|help",
                                .arity = 2,
                                .flags = kLoading | kStale,
                                .summary = "Show helpful text about the different subcommands",
                                .syntax = "",
                                .group = "generic",
                                .since = "6.2.0",
                                .complexity = "O(1)",
                                .acl_categories = "@keyspace @slow",
                                .handler = ObjectHelp});
  t.Add(std::move(object));

  CommandSpec memory{.name = "memory",
                     .arity = -2,
                     .flags = 0,
                     .summary = "A container for memory diagnostics commands",
                     .syntax = "",
                     .group = "server",
                     .since = "4.0.0",
                     .complexity = "Depends on subcommand.",
                     .acl_categories = "@slow",
                     .handler = Container};
  memory.subcommands.push_back({.name = "memory|usage",
                                .arity = -3,
                                .flags = kReadOnly,
                                .keys = {2, 2, 1},
                                .summary = "Estimate the memory usage of a key",
                                .syntax = "key [SAMPLES count]",
                                .group = "server",
                                .since = "4.0.0",
                                .complexity = "O(N) where N is the number of samples.",
                                .acl_categories = "@read @slow",
                                .handler = MemoryUsage});
  memory.subcommands.push_back(
      {.name = "memory|purge",
       .arity = 2,
       .summary = "Ask the allocator to release memory",
       .syntax = "",
       .group = "server",
       .since = "4.0.0",
       .complexity = "Depends on how much memory is allocated, could be slow",
       .acl_categories = "@slow",
       .handler = MemoryPurge});
  memory.subcommands.push_back(
      {.name = "memory|malloc-stats",
       .arity = 2,
       .summary = "Show allocator internal stats",
       .syntax = "",
       .group = "server",
       .since = "4.0.0",
       .complexity = "Depends on how much memory is allocated, could be slow",
       .acl_categories = "@slow",
       .handler = MemoryMallocStats});
  memory.subcommands.push_back({.name = "memory|help",
                                .arity = 2,
                                .flags = kLoading | kStale,
                                .summary = "Show helpful text about the different subcommands",
                                .syntax = "",
                                .group = "server",
                                .since = "4.0.0",
                                .complexity = "O(1)",
                                .acl_categories = "@slow",
                                .handler = MemoryHelp});
  t.Add(std::move(memory));
}

}  // namespace ember::families
