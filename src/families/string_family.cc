// String commands: GET, SET and friends.
#include "base/strutil.h"
#include "cmd/context.h"
#include "families/families.h"

namespace ember::families {

using cmd::ArgList;
using cmd::CommandContext;

namespace {

void ReplyString(CommandContext& ctx, const Entry* e) {
  char buf[24];
  ctx.reply->Bulk(StringValue(e, buf));
}

Entry* NewString(std::string_view key, std::string_view value, bool has_expire, int64_t expire_ms,
                 int64_t now_ms) {
  EntryInit init{key, has_expire, expire_ms, LruClock(now_ms)};
  int64_t iv;
  Encoding enc = ChooseStringEncoding(value, &iv);
  if (enc == Encoding::kInt) return NewIntEntry(init, iv);
  return NewStringEntry(init, value, enc);
}

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
  Entry** link = ctx.db->FindLink(args[1], ctx.now_ms);
  Entry* e = NewString(args[1], args[2], false, 0, ctx.now_ms);
  if (link) {
    ctx.db->Replace(link, e);
  } else {
    ctx.db->Insert(e);
  }
  ++ctx.dirty;
  ctx.reply->Ok();
}

}  // namespace

void RegisterStringFamily(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT: flag names
  t.Add({.name = "get", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
         .summary = "Returns the string value of a key.", .syntax = "key", .group = "string",
         .since = "1.0.0", .complexity = "O(1)", .acl_categories = "@read @string @fast",
         .handler = Get});
  t.Add({.name = "set", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
         .summary = "Sets the string value of a key, ignoring its type. The key is created if it "
                    "doesn't exist.",
         .syntax = "key value [NX | XX] [GET] [EX seconds | PX milliseconds | "
                   "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
         .group = "string", .since = "1.0.0", .complexity = "O(1)",
         .acl_categories = "@write @string @slow", .handler = Set});
}

}  // namespace ember::families
