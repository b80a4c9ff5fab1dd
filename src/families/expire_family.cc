// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX | XX | GT | LT), TTL, PTTL,
// EXPIRETIME, PEXPIRETIME and PERSIST, with Redis 7.0's replies and error strings.
//
// Expire times are absolute wall-clock milliseconds. Setting a time that is not in the future
// deletes the key at once (and the command replies 1), as Redis does on a primary. The read
// commands (TTL & co.) count keyspace hits and misses; the write commands do not.
#include <limits>
#include <string>

#include "base/strutil.h"
#include "cmd/context.h"
#include "families/families.h"

namespace ember::families {

using cmd::ArgIs;
using cmd::ArgList;
using cmd::CommandContext;

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

enum ExpireFlag : unsigned {
  kNx = 1,
  kXx = 2,
  kGt = 4,
  kLt = 8,
};

// Parses NX | XX | GT | LT from args[3..]; replies with Redis's error and returns false on an
// unknown option or an incompatible combination (checked after all options were read).
bool ParseExpireFlags(ArgList args, CommandContext& ctx, unsigned* flags) {
  *flags = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "nx")) {
      *flags |= kNx;
    } else if (ArgIs(args[i], "xx")) {
      *flags |= kXx;
    } else if (ArgIs(args[i], "gt")) {
      *flags |= kGt;
    } else if (ArgIs(args[i], "lt")) {
      *flags |= kLt;
    } else {
      ctx.Error("ERR Unsupported option " + std::string(args[i]));
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    ctx.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    ctx.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the conditions allow replacing `current` (-1: no expire) by `when`. A key without
// an expire has an infinite TTL: GT never passes, LT always does.
bool ConditionsHold(unsigned flags, int64_t current, int64_t when) {
  if ((flags & kNx) && current != -1) return false;
  if ((flags & kXx) && current == -1) return false;
  if ((flags & kGt) && (current == -1 || when <= current)) return false;
  if ((flags & kLt) && current != -1 && when >= current) return false;
  return true;
}

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT: `base_ms` is added to the (unit-scaled) argument.
void ExpireGeneric(ArgList args, CommandContext& ctx, int64_t base_ms, bool seconds) {
  unsigned flags;
  if (!ParseExpireFlags(args, ctx, &flags)) return;
  int64_t when;
  if (!ParseInt64(args[2], &when)) return ctx.Error(OpStatus::kNotInteger);
  std::string invalid = "ERR invalid expire time in '" + ctx.spec->name + "' command";
  if (seconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) return ctx.Error(invalid);
    when *= 1000;
  }
  if (when > kInt64Max - base_ms) return ctx.Error(invalid);
  when += base_ms;

  Entry** link = ctx.db->FindLink(args[1], ctx.now_ms, ctx.no_touch);
  if (link == nullptr) return ctx.reply->Integer(0);
  int64_t current = (*link)->has_expire() ? (*link)->expire_ms() : -1;
  if (!ConditionsHold(flags, current, when)) return ctx.reply->Integer(0);
  if (when <= ctx.now_ms && !ctx.db->expiry_paused()) {
    ctx.db->Erase(link);  // already expired: the key goes now
  } else {
    ctx.db->SetExpire(link, true, when);
  }
  ++ctx.dirty;
  ctx.reply->Integer(1);
}

void Expire(ArgList args, CommandContext& ctx) { ExpireGeneric(args, ctx, ctx.now_ms, true); }
void PExpire(ArgList args, CommandContext& ctx) { ExpireGeneric(args, ctx, ctx.now_ms, false); }
void ExpireAt(ArgList args, CommandContext& ctx) { ExpireGeneric(args, ctx, 0, true); }
void PExpireAt(ArgList args, CommandContext& ctx) { ExpireGeneric(args, ctx, 0, false); }

// The expire time of args[1] for the read commands: -2 missing, -1 none, else absolute ms.
int64_t ExpireOf(ArgList args, CommandContext& ctx) {
  const Entry* e = ctx.db->Find(args[1], ctx.now_ms, true);
  if (e == nullptr) {
    ctx.Miss();
    return -2;
  }
  ctx.Hit();
  return e->has_expire() ? e->expire_ms() : -1;
}

void TtlGeneric(ArgList args, CommandContext& ctx, bool ms) {
  int64_t at = ExpireOf(args, ctx);
  if (at < 0) return ctx.reply->Integer(at);
  int64_t ttl = at - ctx.now_ms;
  if (ttl < 0) ttl = 0;
  ctx.reply->Integer(ms ? ttl : (ttl + 500) / 1000);  // TTL rounds to the nearest second
}

void Ttl(ArgList args, CommandContext& ctx) { TtlGeneric(args, ctx, false); }
void PTtl(ArgList args, CommandContext& ctx) { TtlGeneric(args, ctx, true); }

void ExpireTime(ArgList args, CommandContext& ctx) {
  int64_t at = ExpireOf(args, ctx);
  ctx.reply->Integer(at < 0 ? at : at / 1000);
}

void PExpireTime(ArgList args, CommandContext& ctx) { ctx.reply->Integer(ExpireOf(args, ctx)); }

void Persist(ArgList args, CommandContext& ctx) {
  Entry** link = ctx.db->FindLink(args[1], ctx.now_ms, ctx.no_touch);
  if (link == nullptr || !(*link)->has_expire()) return ctx.reply->Integer(0);
  ctx.db->SetExpire(link, false, 0);
  ++ctx.dirty;
  ctx.reply->Integer(1);
}

}  // namespace

void RegisterExpireFamily(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT: flag names
  auto setter = [](std::string name, std::string summary, std::string unit, std::string since,
                   Handler h) {
    return CommandSpec{.name = std::move(name),
                       .arity = -3,
                       .flags = kWrite | kFast,
                       .keys = {1, 1, 1},
                       .summary = std::move(summary),
                       .syntax = "key " + unit + " [NX | XX | GT | LT]",
                       .group = "generic",
                       .since = std::move(since),
                       .complexity = "O(1)",
                       .acl_categories = "@keyspace @write @fast",
                       .handler = h};
  };
  t.Add(setter("expire", "Set a key's time to live in seconds", "seconds", "1.0.0", Expire));
  t.Add(setter("pexpire", "Set a key's time to live in milliseconds", "milliseconds", "2.6.0",
               PExpire));
  t.Add(setter("expireat", "Set the expiration for a key as a UNIX timestamp", "unix-time-seconds",
               "1.2.0", ExpireAt));
  t.Add(setter("pexpireat",
               "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
               "unix-time-milliseconds", "2.6.0", PExpireAt));

  auto getter = [](std::string name, std::string summary, std::string since, Handler h) {
    return CommandSpec{.name = std::move(name),
                       .arity = 2,
                       .flags = kReadOnly | kFast,
                       .keys = {1, 1, 1},
                       .summary = std::move(summary),
                       .syntax = "key",
                       .group = "generic",
                       .since = std::move(since),
                       .complexity = "O(1)",
                       .acl_categories = "@keyspace @read @fast",
                       .handler = h};
  };
  t.Add(getter("ttl", "Get the time to live for a key in seconds", "1.0.0", Ttl));
  t.Add(getter("pttl", "Get the time to live for a key in milliseconds", "2.6.0", PTtl));
  t.Add(getter("expiretime", "Get the expiration Unix timestamp for a key", "7.0.0", ExpireTime));
  t.Add(getter("pexpiretime", "Get the expiration Unix timestamp for a key in milliseconds",
               "7.0.0", PExpireTime));

  t.Add({.name = "persist",
         .arity = 2,
         .flags = kWrite | kFast,
         .keys = {1, 1, 1},
         .summary = "Remove the expiration from a key",
         .syntax = "key",
         .group = "generic",
         .since = "2.2.0",
         .complexity = "O(1)",
         .acl_categories = "@keyspace @write @fast",
         .handler = Persist});
}

}  // namespace ember::families
