// Connection commands: PING, ECHO, QUIT, RESET, SELECT, AUTH, HELLO, CLIENT.
#include "base/strutil.h"
#include "server/server_commands.h"
#include "server/session.h"

namespace ember::server {

using cmd::ArgList;
using cmd::CommandContext;

namespace {

void Ping(ArgList args, CommandContext& ctx) {
  if (args.size() > 2) return ctx.Error(cmd::ArityError("ping"));
  if (args.size() == 2) {
    ctx.reply->Bulk(args[1]);
  } else {
    ctx.reply->Simple("PONG");
  }
}

void Echo(ArgList args, CommandContext& ctx) { ctx.reply->Bulk(args[1]); }

void Quit(ArgList, CommandContext& ctx) {
  ctx.reply->Ok();
  Session(ctx).close_after_reply = true;
}

void Select(ArgList args, CommandContext& ctx) {
  int64_t db;
  if (!ParseInt64(args[1], &db)) return ctx.Error(OpStatus::kNotInteger);
  if (db < 0 || db >= ctx.keyspace->num_dbs()) return ctx.Error(OpStatus::kDbIndex);
  Session(ctx).db.store(static_cast<int>(db));
  ctx.reply->Ok();
}

}  // namespace

void RegisterConnectionCommands(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT
  t.Add({.name = "ping", .arity = -1, .flags = kFast | kSentinel,
         .summary = "Returns the server's liveliness response.", .syntax = "[message]",
         .group = "connection", .since = "1.0.0", .complexity = "O(1)",
         .acl_categories = "@fast @connection", .handler = Ping});
  t.Add({.name = "echo", .arity = 2, .flags = kFast,
         .summary = "Returns the given string.", .syntax = "message", .group = "connection",
         .since = "1.0.0", .complexity = "O(1)", .acl_categories = "@fast @connection",
         .handler = Echo});
  t.Add({.name = "quit", .arity = -1,
         .flags = kAllowBusy | kNoScript | kLoading | kStale | kFast | kNoAuth | kNoUdp,
         .summary = "Closes the connection.", .syntax = "", .group = "connection",
         .since = "1.0.0", .complexity = "O(1)", .acl_categories = "@fast @connection",
         .handler = Quit});
  t.Add({.name = "select", .arity = 2, .flags = kLoading | kStale | kFast | kNoUdp,
         .summary = "Changes the selected database.", .syntax = "index", .group = "connection",
         .since = "1.0.0", .complexity = "O(1)", .acl_categories = "@fast @connection",
         .handler = Select});
}

}  // namespace ember::server
