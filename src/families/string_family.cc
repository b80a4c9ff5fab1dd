// String commands: GET, SET and friends, with Redis 7.0's options, replies and errors.
//
// Encodings follow Redis's rules so OBJECT ENCODING agrees: values stored by SET-like commands
// (SET, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX, APPEND on a missing key) are int for
// canonical integers, embstr up to 44 bytes, raw beyond; INCR/DECR results are int;
// INCRBYFLOAT results are embstr/raw by length (never int); APPEND and SETRANGE on an existing
// key, and SETRANGE creating one, leave raw.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "base/strutil.h"
#include "cmd/context.h"
#include "families/families.h"
#include "families/string_ops.h"

namespace ember::families {

using cmd::ArgList;
using cmd::CommandContext;

namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// The TTL a stored value gets.
struct Ttl {
  bool has = false;
  int64_t at_ms = 0;
};

Ttl TtlOf(const Entry* e) { return e->has_expire() ? Ttl{true, e->expire_ms()} : Ttl{}; }

void ReplyString(CommandContext& ctx, const Entry* e) {
  char buf[24];
  ctx.reply->Bulk(StringValue(e, buf));
}

size_t StringLength(const Entry* e) {
  if (e->encoding() != Encoding::kInt) return e->str_bytes().size();
  char buf[24];
  return FormatInt64(e->int_value(), buf);
}

int64_t MaxBulkLen(const CommandContext& ctx) {
  return ctx.server ? ctx.server->proto_max_bulk_len() : int64_t{512} << 20;
}

// Whether a string of size + append bytes would exceed proto-max-bulk-len.
bool ExceedsMaxBulk(const CommandContext& ctx, uint64_t size, uint64_t append) {
  return size + append > static_cast<uint64_t>(MaxBulkLen(ctx));  // both < 2^63: no wrap
}

// Stores `value` (already in encoding enc; as_int for kInt) under key, replacing the entry at
// link when there is one: the old value, its type and its TTL give way to `ttl`. Rewrites the
// old allocation in place when it fits, so overwriting a key usually allocates nothing.
void StoreEncoded(CommandContext& ctx, Entry** link, std::string_view key, std::string_view value,
                  Encoding enc, int64_t as_int, Ttl ttl) {
  if (link != nullptr) {
    Entry* old = *link;
    // The lookup that produced link recorded the access; an overwrite keeps that access
    // time and LFU counter, as Redis's dbOverwrite does.
    if (old->has_expire() == ttl.has && OverwriteStringInPlace(old, value, enc, as_int)) {
      if (ttl.has) old->set_expire_ms(ttl.at_ms);
      return;
    }
  }
  uint32_t atime = link != nullptr ? (*link)->access_time() : LruClock(ctx.now_ms);
  EntryInit init{key, ttl.has, ttl.at_ms, atime};
  Entry* e = enc == Encoding::kInt ? NewIntEntry(init, as_int) : NewStringEntry(init, value, enc);
  if (link != nullptr) {
    e->freq = (*link)->freq;
    ctx.db->Replace(link, e);
  } else {
    ctx.db->Insert(e);
  }
}

// SET semantics: Redis's encoding choice for the new value.
void StoreString(CommandContext& ctx, Entry** link, std::string_view key, std::string_view value,
                 Ttl ttl) {
  int64_t as_int = 0;
  Encoding enc = ChooseStringEncoding(value, &as_int);
  StoreEncoded(ctx, link, key, value, enc, as_int, ttl);
}

// Counts a read lookup's result as a keyspace hit or miss.
void CountRead(CommandContext& ctx, const void* found) {
  if (found == nullptr) {
    ctx.Miss();
  } else {
    ctx.Hit();
  }
}

Entry** FindLink(CommandContext& ctx, std::string_view key) {
  return ctx.db->FindLink(key, ctx.now_ms, ctx.no_touch);
}

// A read lookup: counts a keyspace hit or miss.
Entry** ReadLink(CommandContext& ctx, std::string_view key) {
  Entry** link = FindLink(ctx, key);
  CountRead(ctx, link);
  return link;
}

// Parses an expire argument; replies with the error and returns false when it is not valid.
bool ParseExpireOrReply(CommandContext& ctx, std::string_view arg, ExpireKind kind,
                        int64_t* at_ms) {
  switch (ParseExpireAt(arg, kind, ctx.now_ms, at_ms)) {
    case ExpireParse::kOk:
      return true;
    case ExpireParse::kNotInteger:
      ctx.Error(OpStatus::kNotInteger);
      return false;
    case ExpireParse::kInvalid:
      break;
  }
  ctx.Error(InvalidExpireError(ctx.spec->name));
  return false;
}

// ---------------------------------------------------------------- GET / SET and variants

void Get(ArgList args, CommandContext& ctx) {
  const Entry* e = ctx.db->Find(args[1], ctx.now_ms, ctx.no_touch);
  if (e == nullptr) {
    ctx.Miss();
    ctx.reply->Null();
    return;
  }
  ctx.Hit();
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  ReplyString(ctx, e);
}

void Set(ArgList args, CommandContext& ctx) {
  SetOptions opt;
  if (!ParseSetOptions(args, 3, /*for_set=*/true, &opt)) return ctx.Error(OpStatus::kSyntax);
  Ttl ttl;
  if (opt.expire != ExpireKind::kNone) {
    if (!ParseExpireOrReply(ctx, opt.expire_arg, opt.expire, &ttl.at_ms)) return;
    ttl.has = true;
  }
  Entry** link;
  if (opt.get) {
    // GET replies with the old value first; a wrong type aborts the whole command.
    link = ReadLink(ctx, args[1]);
    if (link == nullptr) {
      ctx.reply->Null();
    } else if ((*link)->type() != ValueType::kString) {
      return ctx.Error(OpStatus::kWrongType);
    } else {
      ReplyString(ctx, *link);
    }
  } else {
    link = FindLink(ctx, args[1]);
  }
  const bool exists = link != nullptr;
  if ((opt.cond == SetOptions::Cond::kIfAbsent && exists) ||
      (opt.cond == SetOptions::Cond::kIfPresent && !exists)) {
    if (!opt.get) ctx.reply->Null();
    return;
  }
  if (opt.keep_ttl && exists) ttl = TtlOf(*link);
  StoreString(ctx, link, args[1], args[2], ttl);
  ++ctx.dirty;
  if (!opt.get) ctx.reply->Ok();
}

void SetNx(ArgList args, CommandContext& ctx) {
  if (FindLink(ctx, args[1]) != nullptr) return ctx.reply->Integer(0);
  StoreString(ctx, nullptr, args[1], args[2], Ttl{});
  ++ctx.dirty;
  ctx.reply->Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetWithExpire(ArgList args, CommandContext& ctx, ExpireKind kind) {
  Ttl ttl{true, 0};
  if (!ParseExpireOrReply(ctx, args[2], kind, &ttl.at_ms)) return;
  StoreString(ctx, FindLink(ctx, args[1]), args[1], args[3], ttl);
  ++ctx.dirty;
  ctx.reply->Ok();
}

void SetEx(ArgList args, CommandContext& ctx) { SetWithExpire(args, ctx, ExpireKind::kEx); }
void PSetEx(ArgList args, CommandContext& ctx) { SetWithExpire(args, ctx, ExpireKind::kPx); }

void GetSet(ArgList args, CommandContext& ctx) {
  Entry** link = ReadLink(ctx, args[1]);
  if (link == nullptr) {
    ctx.reply->Null();
  } else if ((*link)->type() != ValueType::kString) {
    return ctx.Error(OpStatus::kWrongType);
  } else {
    ReplyString(ctx, *link);
  }
  StoreString(ctx, link, args[1], args[2], Ttl{});  // drops the old TTL
  ++ctx.dirty;
}

void GetDel(ArgList args, CommandContext& ctx) {
  Entry** link = ReadLink(ctx, args[1]);
  if (link == nullptr) return ctx.reply->Null();
  if ((*link)->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  ReplyString(ctx, *link);
  ctx.db->Erase(link);
  ++ctx.dirty;
}

void GetEx(ArgList args, CommandContext& ctx) {
  SetOptions opt;
  if (!ParseSetOptions(args, 2, /*for_set=*/false, &opt)) return ctx.Error(OpStatus::kSyntax);
  // Redis looks the key up before validating the expire value: a missing key is nil even
  // with "EX 0".
  Entry** link = ReadLink(ctx, args[1]);
  if (link == nullptr) return ctx.reply->Null();
  if ((*link)->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  int64_t at_ms = 0;
  if (opt.expire != ExpireKind::kNone &&
      !ParseExpireOrReply(ctx, opt.expire_arg, opt.expire, &at_ms)) {
    return;
  }
  ReplyString(ctx, *link);
  if (opt.expire != ExpireKind::kNone) {
    if (at_ms <= ctx.now_ms && !ctx.db->expiry_paused()) {
      ctx.db->Erase(link);  // EXAT/PXAT in the past: the key goes now
    } else {
      ctx.db->SetExpire(link, true, at_ms);
    }
    ++ctx.dirty;
  } else if (opt.persist && (*link)->has_expire()) {
    ctx.db->SetExpire(link, false, 0);
    ++ctx.dirty;
  }
}

// ----------------------------------------------------------------------- MGET / MSET

void MGet(ArgList args, CommandContext& ctx) {
  ctx.reply->ArrayHeader(args.size() - 1);
  for (size_t i = 1; i < args.size(); ++i) {
    const Entry* e = ctx.db->Find(args[i], ctx.now_ms, ctx.no_touch);
    if (e == nullptr) {
      ctx.Miss();
      ctx.reply->Null();
      continue;
    }
    ctx.Hit();
    if (e->type() == ValueType::kString) {
      ReplyString(ctx, e);
    } else {
      ctx.reply->Null();  // MGET never fails on a wrong type
    }
  }
}

// Sets every key/value pair in order (a repeated key ends with its last value).
void SetPairs(ArgList args, CommandContext& ctx) {
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    StoreString(ctx, FindLink(ctx, args[i]), args[i], args[i + 1], Ttl{});
    ++ctx.dirty;
  }
}

void MSet(ArgList args, CommandContext& ctx) {
  if (args.size() % 2 == 0) return ctx.Error(cmd::ArityError(ctx.spec->name));
  SetPairs(args, ctx);
  ctx.reply->Ok();
}

void MSetNx(ArgList args, CommandContext& ctx) {
  if (args.size() % 2 == 0) return ctx.Error(cmd::ArityError(ctx.spec->name));
  for (size_t i = 1; i < args.size(); i += 2) {
    if (FindLink(ctx, args[i]) != nullptr) return ctx.reply->Integer(0);  // any type counts
  }
  SetPairs(args, ctx);
  ctx.reply->Integer(1);
}

// ----------------------------------------------------------- APPEND / STRLEN / ranges

void Append(ArgList args, CommandContext& ctx) {
  std::string_view value = args[2];
  Entry** link = FindLink(ctx, args[1]);
  if (link == nullptr) {
    StoreString(ctx, nullptr, args[1], value, Ttl{});  // a new key is encoded as SET would
    ++ctx.dirty;
    return ctx.reply->Integer(static_cast<int64_t>(value.size()));
  }
  Entry* e = *link;
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  const size_t old_len = StringLength(e);
  if (ExceedsMaxBulk(ctx, old_len, value.size())) return ctx.Error(OpStatus::kStringTooLong);
  const size_t new_len = old_len + value.size();
  e = ResizeStringValue(e, new_len);  // raw from now on, even when appending ""
  if (!value.empty()) memcpy(MutableStrBytes(e) + old_len, value.data(), value.size());
  Database::Relink(link, e);
  ++ctx.dirty;
  ctx.reply->Integer(static_cast<int64_t>(new_len));
}

void StrLen(ArgList args, CommandContext& ctx) {
  Entry** link = ReadLink(ctx, args[1]);
  if (link == nullptr) return ctx.reply->Integer(0);
  if ((*link)->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  ctx.reply->Integer(static_cast<int64_t>(StringLength(*link)));
}

// GETRANGE and SUBSTR.
void GetRange(ArgList args, CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end)) {
    return ctx.Error(OpStatus::kNotInteger);
  }
  Entry** link = ReadLink(ctx, args[1]);
  if (link == nullptr) return ctx.reply->Bulk({});
  if ((*link)->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[24];
  ctx.reply->Bulk(StringRange(StringValue(*link, buf), start, end));
}

void SetRange(ArgList args, CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64(args[2], &offset)) return ctx.Error(OpStatus::kNotInteger);
  if (offset < 0) return ctx.Error("ERR offset is out of range");
  std::string_view value = args[3];
  const auto off = static_cast<uint64_t>(offset);
  Entry** link = FindLink(ctx, args[1]);
  Entry* e;
  size_t new_len;
  if (link == nullptr) {
    if (value.empty()) return ctx.reply->Integer(0);  // nothing to write: no key is created
    if (ExceedsMaxBulk(ctx, off, value.size())) return ctx.Error(OpStatus::kStringTooLong);
    new_len = static_cast<size_t>(off) + value.size();
    EntryInit init{args[1], false, 0, LruClock(ctx.now_ms)};
    e = ResizeStringValue(NewStringEntry(init, {}, Encoding::kRaw), new_len);
    ctx.db->Insert(e);
  } else {
    e = *link;
    if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
    const size_t old_len = StringLength(e);
    // An empty value never extends the string, whatever the offset.
    if (value.empty()) return ctx.reply->Integer(static_cast<int64_t>(old_len));
    if (ExceedsMaxBulk(ctx, off, value.size())) return ctx.Error(OpStatus::kStringTooLong);
    new_len = std::max(old_len, static_cast<size_t>(off) + value.size());
    e = ResizeStringValue(e, new_len);
    Database::Relink(link, e);
  }
  memcpy(MutableStrBytes(e) + off, value.data(), value.size());
  ++ctx.dirty;
  ctx.reply->Integer(static_cast<int64_t>(new_len));
}

// ------------------------------------------------------------------------- counters

void IncrBy(CommandContext& ctx, std::string_view key, int64_t delta) {
  Entry** link = FindLink(ctx, key);
  int64_t cur = 0;
  if (link != nullptr) {
    const Entry* e = *link;
    if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
    if (e->encoding() == Encoding::kInt) {
      cur = e->int_value();
    } else if (!ParseInt64(e->str_bytes(), &cur)) {
      return ctx.Error(OpStatus::kNotInteger);
    }
  }
  if ((delta < 0 && cur < 0 && delta < kInt64Min - cur) ||
      (delta > 0 && cur > 0 && delta > kInt64Max - cur)) {
    return ctx.Error(OpStatus::kOverflow);
  }
  const int64_t v = cur + delta;
  // The result is always int-encoded; an existing key keeps its TTL.
  StoreEncoded(ctx, link, key, {}, Encoding::kInt, v, link ? TtlOf(*link) : Ttl{});
  ++ctx.dirty;
  ctx.reply->Integer(v);
}

void Incr(ArgList args, CommandContext& ctx) { IncrBy(ctx, args[1], 1); }
void Decr(ArgList args, CommandContext& ctx) { IncrBy(ctx, args[1], -1); }

void IncrByCmd(ArgList args, CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(args[2], &delta)) return ctx.Error(OpStatus::kNotInteger);
  IncrBy(ctx, args[1], delta);
}

void DecrByCmd(ArgList args, CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(args[2], &delta)) return ctx.Error(OpStatus::kNotInteger);
  if (delta == kInt64Min) return ctx.Error("ERR decrement would overflow");
  IncrBy(ctx, args[1], -delta);
}

void IncrByFloat(ArgList args, CommandContext& ctx) {
  Entry** link = FindLink(ctx, args[1]);
  long double cur = 0;
  if (link != nullptr) {
    const Entry* e = *link;
    if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
    if (e->encoding() == Encoding::kInt) {
      cur = static_cast<long double>(e->int_value());
    } else if (!ParseLongDouble(e->str_bytes(), &cur)) {
      return ctx.Error(OpStatus::kNotFloat);
    }
  }
  long double incr;
  if (!ParseLongDouble(args[2], &incr)) return ctx.Error(OpStatus::kNotFloat);
  cur += incr;
  if (std::isnan(cur) || std::isinf(cur)) return ctx.Error(OpStatus::kNanOrInf);
  std::string text = FormatLongDoubleHuman(cur);
  // Stored as text even when it looks like an integer ("3"), as Redis does.
  Encoding enc = text.size() <= 44 ? Encoding::kEmbStr : Encoding::kRaw;
  StoreEncoded(ctx, link, args[1], text, enc, 0, link ? TtlOf(*link) : Ttl{});
  ++ctx.dirty;
  // The replaying machine's float arithmetic may differ: log the result, keeping the TTL.
  std::string_view logged[] = {"SET", args[1], text, "KEEPTTL"};
  ctx.Log(logged);
  ctx.reply->Bulk(text);
}

// ------------------------------------------------------------------------------ LCS

void Lcs(ArgList args, CommandContext& ctx) {
  const Entry* ea = ctx.db->Find(args[1], ctx.now_ms, ctx.no_touch);
  CountRead(ctx, ea);
  const Entry* eb = ctx.db->Find(args[2], ctx.now_ms, ctx.no_touch);
  CountRead(ctx, eb);
  if ((ea && ea->type() != ValueType::kString) || (eb && eb->type() != ValueType::kString)) {
    return ctx.Error("ERR The specified keys must contain string values");
  }
  bool want_idx = false, want_len = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    std::string_view w = args[i];
    if (cmd::ArgIs(w, "IDX")) {
      want_idx = true;
    } else if (cmd::ArgIs(w, "LEN")) {
      want_len = true;
    } else if (cmd::ArgIs(w, "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (cmd::ArgIs(w, "MINMATCHLEN") && i + 1 < args.size()) {
      if (!ParseInt64(args[++i], &min_match_len)) return ctx.Error(OpStatus::kNotInteger);
      if (min_match_len < 0) min_match_len = 0;
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  if (want_idx && want_len) {
    return ctx.Error("ERR If you want both the length and indexes, please just use IDX.");
  }
  char buf_a[24], buf_b[24];
  std::string_view a = ea ? StringValue(ea, buf_a) : std::string_view();
  std::string_view b = eb ? StringValue(eb, buf_b) : std::string_view();
  LcsResult r;
  switch (ComputeLcs(a, b, !want_idx && !want_len, want_idx, min_match_len, MaxBulkLen(ctx), &r)) {
    case LcsStatus::kOk:
      break;
    case LcsStatus::kTooLong:
      return ctx.Error("ERR String too long for LCS");
    case LcsStatus::kTableTooBig:
      return ctx.Error(
          "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    case LcsStatus::kNoMemory:
      return ctx.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
  }
  if (want_len) return ctx.reply->Integer(r.length);
  if (!want_idx) return ctx.reply->Bulk(r.sequence);
  ctx.reply->MapHeader(2);
  ctx.reply->Bulk("matches");
  ctx.reply->ArrayHeader(r.matches.size());
  for (const LcsMatch& m : r.matches) {
    ctx.reply->ArrayHeader(with_match_len ? 3 : 2);
    ctx.reply->ArrayHeader(2);
    ctx.reply->Integer(m.a_start);
    ctx.reply->Integer(m.a_end);
    ctx.reply->ArrayHeader(2);
    ctx.reply->Integer(m.b_start);
    ctx.reply->Integer(m.b_end);
    if (with_match_len) ctx.reply->Integer(m.length());
  }
  ctx.reply->Bulk("len");
  ctx.reply->Integer(r.length);
}

}  // namespace

// Summaries, syntax and categories as redis-server 7.0.15 reports them (COMMAND DOCS/INFO).
void RegisterStringFamily(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT: flag names
  const std::string kRange =
      "O(N) where N is the length of the returned string. The complexity is ultimately "
      "determined by the returned length, but because creating a substring from an existing "
      "string is very cheap, it can be considered O(1) for small strings.";
  t.Add({.name = "get",
         .arity = 2,
         .flags = kReadOnly | kFast,
         .keys = {1, 1, 1},
         .summary = "Get the value of a key",
         .syntax = "key",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@read @string @fast",
         .handler = Get});
  t.Add({.name = "set",
         .arity = -3,
         .flags = kWrite | kDenyOom,
         .keys = {1, 1, 1},
         .summary = "Set the string value of a key",
         .syntax = "key value [NX | XX] [GET] [EX seconds | PX milliseconds | "
                   "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @slow",
         .handler = Set});
  t.Add({.name = "setnx",
         .arity = 3,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Set the value of a key, only if the key does not exist",
         .syntax = "key value",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = SetNx});
  t.Add({.name = "setex",
         .arity = 4,
         .flags = kWrite | kDenyOom,
         .keys = {1, 1, 1},
         .summary = "Set the value and expiration of a key",
         .syntax = "key seconds value",
         .group = "string",
         .since = "2.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @slow",
         .handler = SetEx});
  t.Add({.name = "psetex",
         .arity = 4,
         .flags = kWrite | kDenyOom,
         .keys = {1, 1, 1},
         .summary = "Set the value and expiration in milliseconds of a key",
         .syntax = "key milliseconds value",
         .group = "string",
         .since = "2.6.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @slow",
         .handler = PSetEx});
  t.Add({.name = "getset",
         .arity = 3,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Set the string value of a key and return its old value",
         .syntax = "key value",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = GetSet});
  t.Add({.name = "getdel",
         .arity = 2,
         .flags = kWrite | kFast,
         .keys = {1, 1, 1},
         .summary = "Get the value of a key and delete the key",
         .syntax = "key",
         .group = "string",
         .since = "6.2.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = GetDel});
  t.Add({.name = "getex",
         .arity = -2,
         .flags = kWrite | kFast,
         .keys = {1, 1, 1},
         .summary = "Get the value of a key and optionally set its expiration",
         .syntax = "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
                   "PXAT unix-time-milliseconds | PERSIST]",
         .group = "string",
         .since = "6.2.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = GetEx});
  t.Add({.name = "mget",
         .arity = -2,
         .flags = kReadOnly | kFast,
         .keys = {1, -1, 1},
         .summary = "Get the values of all the given keys",
         .syntax = "key [key ...]",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of keys to retrieve.",
         .acl_categories = "@read @string @fast",
         .handler = MGet});
  t.Add({.name = "mset",
         .arity = -3,
         .flags = kWrite | kDenyOom,
         .keys = {1, -1, 2},
         .summary = "Set multiple keys to multiple values",
         .syntax = "key value [key value ...]",
         .group = "string",
         .since = "1.0.1",
         .complexity = "O(N) where N is the number of keys to set.",
         .acl_categories = "@write @string @slow",
         .handler = MSet});
  t.Add({.name = "msetnx",
         .arity = -3,
         .flags = kWrite | kDenyOom,
         .keys = {1, -1, 2},
         .summary = "Set multiple keys to multiple values, only if none of the keys exist",
         .syntax = "key value [key value ...]",
         .group = "string",
         .since = "1.0.1",
         .complexity = "O(N) where N is the number of keys to set.",
         .acl_categories = "@write @string @slow",
         .handler = MSetNx});
  t.Add({.name = "append",
         .arity = 3,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Append a value to a key",
         .syntax = "key value",
         .group = "string",
         .since = "2.0.0",
         .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value "
                       "is small and the already present value is of any size, since the "
                       "dynamic string library used by Redis will double the free space "
                       "available on every reallocation.",
         .acl_categories = "@write @string @fast",
         .handler = Append});
  t.Add({.name = "strlen",
         .arity = 2,
         .flags = kReadOnly | kFast,
         .keys = {1, 1, 1},
         .summary = "Get the length of the value stored in a key",
         .syntax = "key",
         .group = "string",
         .since = "2.2.0",
         .complexity = "O(1)",
         .acl_categories = "@read @string @fast",
         .handler = StrLen});
  t.Add({.name = "incr",
         .arity = 2,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Increment the integer value of a key by one",
         .syntax = "key",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = Incr});
  t.Add({.name = "decr",
         .arity = 2,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Decrement the integer value of a key by one",
         .syntax = "key",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = Decr});
  t.Add({.name = "incrby",
         .arity = 3,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Increment the integer value of a key by the given amount",
         .syntax = "key increment",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = IncrByCmd});
  t.Add({.name = "decrby",
         .arity = 3,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Decrement the integer value of a key by the given number",
         .syntax = "key decrement",
         .group = "string",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = DecrByCmd});
  t.Add({.name = "incrbyfloat",
         .arity = 3,
         .flags = kWrite | kDenyOom | kFast,
         .keys = {1, 1, 1},
         .summary = "Increment the float value of a key by the given amount",
         .syntax = "key increment",
         .group = "string",
         .since = "2.6.0",
         .complexity = "O(1)",
         .acl_categories = "@write @string @fast",
         .handler = IncrByFloat});
  t.Add({.name = "getrange",
         .arity = 4,
         .flags = kReadOnly,
         .keys = {1, 1, 1},
         .summary = "Get a substring of the string stored at a key",
         .syntax = "key start end",
         .group = "string",
         .since = "2.4.0",
         .complexity = kRange,
         .acl_categories = "@read @string @slow",
         .handler = GetRange});
  t.Add({.name = "substr",
         .arity = 4,
         .flags = kReadOnly,
         .keys = {1, 1, 1},
         .summary = "Get a substring of the string stored at a key",
         .syntax = "key start end",
         .group = "string",
         .since = "1.0.0",
         .complexity = kRange,
         .acl_categories = "@read @string @slow",
         .handler = GetRange});
  t.Add({.name = "setrange",
         .arity = 4,
         .flags = kWrite | kDenyOom,
         .keys = {1, 1, 1},
         .summary = "Overwrite part of a string at key starting at the specified offset",
         .syntax = "key offset value",
         .group = "string",
         .since = "2.2.0",
         .complexity = "O(1), not counting the time taken to copy the new string in place. "
                       "Usually, this string is very small so the amortized complexity is O(1). "
                       "Otherwise, complexity is O(M) with M being the length of the value "
                       "argument.",
         .acl_categories = "@write @string @slow",
         .handler = SetRange});
  t.Add({.name = "lcs",
         .arity = -3,
         .flags = kReadOnly,
         .keys = {1, 2, 1},
         .summary = "Find longest common substring",
         .syntax = "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]",
         .group = "string",
         .since = "7.0.0",
         .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
         .acl_categories = "@read @string @slow",
         .handler = Lcs});
}

}  // namespace ember::families
