#include "cmd/dispatch.h"

#include "store/database.h"

namespace ember::cmd {

Resolution Resolve(const CommandTable& table, ArgList args) {
  Resolution r;
  const CommandSpec* spec = table.Find(args[0]);
  if (spec == nullptr) {
    r.error = UnknownCommandError(args);
    return r;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = CommandTable::FindSub(*spec, args[1]);
    if (sub == nullptr) {
      r.rejected = spec;
      r.error = UnknownSubcommandError(args[0], args[1]);
      return r;
    }
    spec = sub;
  }
  int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    r.rejected = spec;
    r.error = ArityError(spec->name);
    return r;
  }
  r.spec = spec;
  return r;
}

void RunLocked(const CommandSpec& spec, ArgList args, CommandContext& ctx) {
  LockSet locks;
  if (!(spec.flags & kNoLock)) {
    spec.ForEachKey(args, [&](std::string_view k) { locks.AddKey(*ctx.db, k); });
    if (spec.other_db_keys)
      spec.other_db_keys(args, ctx, [&](Database& db, std::string_view k) { locks.AddKey(db, k); });
    locks.Lock();
    // A snapshot in progress keeps what the command may change as it was first, key by key.
    // Without one (nearly always), a write pays one atomic load here.
    if (spec.is_write() && ctx.db->barrier() != nullptr) {
      spec.ForEachKey(args, [&](std::string_view k) { ctx.db->BeforeWriteKey(k); });
      if (spec.other_db_keys)
        spec.other_db_keys(args, ctx,
                           [](Database& db, std::string_view k) { db.BeforeWriteKey(k); });
    }
  }
  spec.handler(args, ctx);
  // Still under the locks: see WriteLog.
  if (ctx.log != nullptr && ctx.dirty > 0 && !ctx.logged && spec.is_write()) ctx.Log(args);
}

}  // namespace ember::cmd
