// Connection commands: PING, ECHO, QUIT, RESET, SELECT, AUTH, HELLO, CLIENT.
//
// Other threads' connections are only touched through the client registry (under its lock):
// their atomics are read for CLIENT LIST, and CLIENT KILL marks a victim and shuts its socket
// down; the victim's own worker then sees EOF and closes it. A connection only ever changes
// its own non-atomic state.
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "base/strutil.h"
#include "base/version.h"
#include "server/server_commands.h"
#include "server/session.h"

namespace ember::server {

using cmd::ArgIs;
using cmd::ArgList;
using cmd::CommandContext;

namespace {

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";
constexpr std::string_view kSyntaxError = "ERR syntax error";

// Client names and library attributes: printable ASCII without spaces.
bool ValidClientAttr(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '!' && c <= '~'; });
}

// Compares without an early exit, so the time taken does not reveal the matching prefix.
bool SecretEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// Ember has one user, "default": without requirepass it accepts any password ("nopass").
bool CheckCredentials(Server& s, std::string_view user, std::string_view pass) {
  if (user != "default") return false;
  std::string required = s.config().requirepass();
  return required.empty() || SecretEquals(pass, required);
}

enum class ClientType { kNormal, kMaster, kReplica, kPubSub };

bool ParseClientType(std::string_view s, ClientType* t) {
  if (ArgIs(s, "normal")) {
    *t = ClientType::kNormal;
  } else if (ArgIs(s, "master")) {
    *t = ClientType::kMaster;
  } else if (ArgIs(s, "replica") || ArgIs(s, "slave")) {
    *t = ClientType::kReplica;
  } else if (ArgIs(s, "pubsub")) {
    *t = ClientType::kPubSub;
  } else {
    return false;
  }
  return true;
}

// Ember has neither replication nor pub/sub connections yet: every client is "normal".
ClientType TypeOf(const Connection&) { return ClientType::kNormal; }

std::string UnknownClientType(std::string_view s) {
  return "ERR Unknown client type '" + std::string(s) + "'";
}

// One CLIENT LIST line, in Redis 7's field order (plus 7.2's lib-name/lib-ver).
// For the calling connection (`self`) the live buffers are read; for others only atomics and
// the mutex-guarded strings, since their worker may be running them concurrently.
// argv-mem is known only for the caller's current command; obl/oll are 0 because Ember's
// reply buffer is a single string (its pending bytes show as omem).
std::string ClientLine(Server& srv, Connection& c, CommandContext& ctx, ArgList args) {
  bool self = &c == &Session(ctx);
  int64_t now = ctx.now_ms;
  size_t qbuf, qbuf_free, rbs, rbp, argv_mem = 0;
  std::string_view cmd = "NULL";
  if (self) {
    qbuf = c.in.size();
    qbuf_free = c.in.capacity() - c.in.size();
    rbs = c.out.capacity();
    rbp = std::max(c.rbp.load(std::memory_order_relaxed), c.out.size());
    for (std::string_view a : args) argv_mem += a.size();
    cmd = ctx.spec->name;
  } else {
    qbuf = c.qbuf.load(std::memory_order_relaxed);
    qbuf_free = c.qbuf_free.load(std::memory_order_relaxed);
    rbs = c.rbs.load(std::memory_order_relaxed);
    rbp = c.rbp.load(std::memory_order_relaxed);
    int id = c.last_cmd_id.load(std::memory_order_relaxed);
    const auto& by_id = srv.commands().by_id();
    if (id >= 0 && static_cast<size_t>(id) < by_id.size())
      cmd = by_id[static_cast<size_t>(id)]->name;
  }
  size_t omem = c.omem.load(std::memory_order_relaxed);
  std::string flags;
  if (c.no_evict.load(std::memory_order_relaxed)) flags += 'e';
  if (c.no_touch.load(std::memory_order_relaxed)) flags += 'T';
  if (flags.empty()) flags = "N";
  auto num = [](int64_t v) { return Int64ToString(v); };
  auto unum = [](size_t v) { return std::to_string(v); };
  std::string s;
  s.reserve(400);
  s += "id=" + std::to_string(c.id);
  s += " addr=" + c.addr;
  s += " laddr=" + c.laddr;
  s += " fd=" + num(c.fd);
  s += " name=" + c.name();
  s += " age=" + num((now - c.created_ms.load(std::memory_order_relaxed)) / 1000);
  s += " idle=" +
       num(self ? 0 : (now - c.last_interaction_ms.load(std::memory_order_relaxed)) / 1000);
  s += " flags=" + flags;
  s += " db=" + num(c.db.load(std::memory_order_relaxed));
  s += " sub=0 psub=0 ssub=0 multi=-1";
  s += " qbuf=" + unum(qbuf);
  s += " qbuf-free=" + unum(qbuf_free);
  s += " argv-mem=" + unum(argv_mem);
  s += " multi-mem=0";
  s += " rbs=" + unum(rbs);
  s += " rbp=" + unum(rbp);
  s += " obl=0 oll=0";
  s += " omem=" + unum(omem);
  s += " tot-mem=" + unum(sizeof(Connection) + qbuf + qbuf_free + argv_mem + rbs);
  s += omem > 0 ? " events=rw" : " events=r";
  s += " cmd=";
  s += cmd;
  s += " user=default redir=-1";
  s += " resp=" + num(c.resp.load(std::memory_order_relaxed));
  s += " lib-name=" + c.lib_name();
  s += " lib-ver=" + c.lib_ver();
  s += '\n';
  return s;
}

// ---------------------------------------------------------------- PING ECHO QUIT SELECT

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

// ---------------------------------------------------------------- AUTH HELLO RESET

void Auth(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) return ctx.Error(kSyntaxError);
  Server& srv = ServerOf(ctx);
  std::string_view user = "default";
  std::string_view pass = args[1];
  if (args.size() == 2) {
    if (srv.config().requirepass().empty()) {
      return ctx.Error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
    }
  } else {
    user = args[1];
    pass = args[2];
  }
  // A failed AUTH leaves an already authenticated connection authenticated, as in Redis.
  if (!CheckCredentials(srv, user, pass)) return ctx.Error(kWrongPass);
  Session(ctx).authenticated = true;
  ctx.reply->Ok();
}

// The reply reports server "redis" and the Redis version Ember follows: clients (and their
// feature checks) parse these fields; Ember's own version is in INFO.
void Hello(ArgList args, CommandContext& ctx) {
  Connection& c = Session(ctx);
  Server& srv = ServerOf(ctx);
  int64_t ver = 0;
  if (args.size() >= 2) {
    if (!ParseInt64(args[1], &ver))
      return ctx.Error("ERR Protocol version is not an integer or out of range");
    if (ver < 2 || ver > 3) return ctx.Error("NOPROTO unsupported protocol version");
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (size_t j = 2; j < args.size(); ++j) {
    size_t more = args.size() - 1 - j;
    if (ArgIs(args[j], "auth") && more >= 2) {
      user = args[j + 1];
      pass = args[j + 2];
      has_auth = true;
      j += 2;
    } else if (ArgIs(args[j], "setname") && more >= 1) {
      name = args[j + 1];
      has_name = true;
      ++j;
    } else {
      return ctx.Error("ERR Syntax error in HELLO option '" + std::string(args[j]) + "'");
    }
  }
  if (has_auth) {
    if (!CheckCredentials(srv, user, pass)) return ctx.Error(kWrongPass);
    c.authenticated = true;
  }
  if (!c.authenticated) {
    return ctx.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
        "the RESP protocol version at the same time");
  }
  if (has_name) {
    if (!ValidClientAttr(name)) return ctx.Error(kBadClientName);
    c.set_name(std::string(name));
  }
  if (ver != 0) {
    c.resp.store(static_cast<int>(ver));
    c.writer.set_resp3(ver == 3);
  }
  resp::ReplyWriter& w = *ctx.reply;
  w.MapHeader(7);
  w.Bulk("server");
  w.Bulk("redis");
  w.Bulk("version");
  w.Bulk(EMBER_REDIS_COMPAT_VERSION);
  w.Bulk("proto");
  w.Integer(c.resp.load());
  w.Bulk("id");
  w.Integer(static_cast<int64_t>(c.id));
  w.Bulk("mode");
  w.Bulk("standalone");
  w.Bulk("role");
  w.Bulk("master");
  w.Bulk("modules");
  w.EmptyArray();
}

// Back to a fresh connection's state (RESP2, db 0, no name, replies on, no-evict and
// no-touch off, authenticated only if no password is required). Library name and version
// are kept. A skip armed by CLIENT REPLY SKIP still applies to RESET's own reply, as in Redis.
void Reset(ArgList, CommandContext& ctx) {
  Connection& c = Session(ctx);
  if (c.reply_mode != ReplyMode::kSkipThis) c.reply_mode = ReplyMode::kOn;
  c.resp.store(2);
  c.writer.set_resp3(false);
  c.db.store(0);
  c.set_name("");
  c.no_evict.store(false);
  c.no_touch.store(false);
  c.authenticated = ServerOf(ctx).config().requirepass().empty();
  ctx.reply->Simple("RESET");
}

// ---------------------------------------------------------------- CLIENT

void ClientId(ArgList, CommandContext& ctx) {
  ctx.reply->Integer(static_cast<int64_t>(Session(ctx).id));
}

void ClientInfo(ArgList args, CommandContext& ctx) {
  ctx.reply->Verbatim(ClientLine(ServerOf(ctx), Session(ctx), ctx, args));
}

void ClientList(ArgList args, CommandContext& ctx) {
  bool by_type = false, by_id = false;
  ClientType type = ClientType::kNormal;
  std::vector<uint64_t> ids;
  if (args.size() == 4 && ArgIs(args[2], "type")) {
    if (!ParseClientType(args[3], &type)) return ctx.Error(UnknownClientType(args[3]));
    by_type = true;
  } else if (args.size() >= 4 && ArgIs(args[2], "id")) {
    for (size_t i = 3; i < args.size(); ++i) {
      int64_t id;
      if (!ParseInt64(args[i], &id)) return ctx.Error("ERR Invalid client ID");
      if (id > 0) ids.push_back(static_cast<uint64_t>(id));
    }
    by_id = true;
  } else if (args.size() != 2) {
    return ctx.Error(kSyntaxError);
  }
  Server& srv = ServerOf(ctx);
  std::vector<std::pair<uint64_t, std::string>> lines;
  srv.ForEachClient([&](Connection& c) {
    if (c.kill_requested.load()) return;  // killed: gone for clients, as in Redis
    if (by_type && TypeOf(c) != type) return;
    if (by_id && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return;
    lines.emplace_back(c.id, ClientLine(srv, c, ctx, args));
  });
  std::sort(lines.begin(), lines.end());
  std::string out;
  if (by_id) {
    // In the order asked for, repeated ids repeated, as Redis does.
    for (uint64_t id : ids) {
      auto it = std::lower_bound(lines.begin(), lines.end(), id,
                                 [](const auto& l, uint64_t v) { return l.first < v; });
      if (it != lines.end() && it->first == id) out += it->second;
    }
  } else {
    for (const auto& [id, line] : lines) out += line;
  }
  ctx.reply->Verbatim(out);
}

void ClientSetName(ArgList args, CommandContext& ctx) {
  if (!ValidClientAttr(args[2])) return ctx.Error(kBadClientName);
  Session(ctx).set_name(std::string(args[2]));
  ctx.reply->Ok();
}

void ClientGetName(ArgList, CommandContext& ctx) {
  std::string name = Session(ctx).name();
  if (name.empty()) return ctx.reply->Null();
  ctx.reply->Bulk(name);
}

// CLIENT SETINFO is Redis 7.2's; it is implemented with 7.2's replies.
void ClientSetInfo(ArgList args, CommandContext& ctx) {
  bool lib_name = ArgIs(args[2], "lib-name");
  if (!lib_name && !ArgIs(args[2], "lib-ver"))
    return ctx.Error("ERR Unrecognized option '" + std::string(args[2]) + "'");
  if (!ValidClientAttr(args[3])) {
    return ctx.Error("ERR " + std::string(args[2]) +
                     " cannot contain spaces, newlines or special characters.");
  }
  std::string v(args[3]);
  Session(ctx).set_lib(lib_name ? &v : nullptr, lib_name ? nullptr : &v);
  ctx.reply->Ok();
}

// ON/OFF switch shared by NO-EVICT and NO-TOUCH.
void SetSwitch(std::atomic<bool>& flag, std::string_view arg, CommandContext& ctx) {
  if (ArgIs(arg, "on")) {
    flag.store(true);
  } else if (ArgIs(arg, "off")) {
    flag.store(false);
  } else {
    return ctx.Error(kSyntaxError);
  }
  ctx.reply->Ok();
}

void ClientNoEvict(ArgList args, CommandContext& ctx) {
  SetSwitch(Session(ctx).no_evict, args[2], ctx);
}

void ClientNoTouch(ArgList args, CommandContext& ctx) {
  SetSwitch(Session(ctx).no_touch, args[2], ctx);
}

// Dispatch drops the output of commands that run while replies are off or skipped (see
// Server::Dispatch), so OFF and SKIP write nothing and ON's +OK is delivered.
void ClientReply(ArgList args, CommandContext& ctx) {
  Connection& c = Session(ctx);
  if (ArgIs(args[2], "on")) {
    c.reply_mode = ReplyMode::kOn;
    ctx.reply->Ok();
  } else if (ArgIs(args[2], "off")) {
    c.reply_mode = ReplyMode::kOff;
  } else if (ArgIs(args[2], "skip")) {
    if (c.reply_mode != ReplyMode::kOff) c.reply_mode = ReplyMode::kSkipNext;
  } else {
    ctx.Error(kSyntaxError);
  }
}

struct KillFilter {
  bool old_form = false;  // CLIENT KILL addr: replies +OK or an error, may kill the caller
  uint64_t id = 0;        // 0: any
  bool has_type = false;
  ClientType type = ClientType::kNormal;
  bool has_addr = false, has_laddr = false, has_user = false;
  std::string_view addr, laddr, user;
  bool skipme = true;

  bool Matches(const Connection& c) const {
    if (id != 0 && c.id != id) return false;
    if (has_type && TypeOf(c) != type) return false;
    if (has_addr && c.addr != addr) return false;
    if (has_laddr && c.laddr != laddr) return false;
    return true;  // USER: every connection is the default user
  }
};

// Parses the filters of `CLIENT KILL <option> <value> ...`; replies the error and returns
// false on bad input.
bool ParseKillFilter(ArgList args, CommandContext& ctx, KillFilter* f) {
  if (args.size() == 3) {
    f->old_form = true;
    f->has_addr = true;
    f->addr = args[2];
    f->skipme = false;
    return true;
  }
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      ctx.Error(kSyntaxError);
      return false;
    }
    std::string_view opt = args[i], val = args[i + 1];
    if (ArgIs(opt, "id")) {
      int64_t id;
      if (!ParseInt64(val, &id) || id <= 0) {
        ctx.Error("ERR client-id should be greater than 0");
        return false;
      }
      f->id = static_cast<uint64_t>(id);
    } else if (ArgIs(opt, "type")) {
      if (!ParseClientType(val, &f->type)) {
        ctx.Error(UnknownClientType(val));
        return false;
      }
      f->has_type = true;
    } else if (ArgIs(opt, "addr")) {
      f->has_addr = true;
      f->addr = val;
    } else if (ArgIs(opt, "laddr")) {
      f->has_laddr = true;
      f->laddr = val;
    } else if (ArgIs(opt, "user")) {
      if (val != "default") {
        ctx.Error("ERR No such user '" + std::string(val) + "'");
        return false;
      }
      f->has_user = true;
      f->user = val;
    } else if (ArgIs(opt, "skipme")) {
      if (ArgIs(val, "yes")) {
        f->skipme = true;
      } else if (ArgIs(val, "no")) {
        f->skipme = false;
      } else {
        ctx.Error(kSyntaxError);
        return false;
      }
    } else {
      ctx.Error(kSyntaxError);
      return false;
    }
  }
  return true;
}

void ClientKill(ArgList args, CommandContext& ctx) {
  KillFilter f;
  if (!ParseKillFilter(args, ctx, &f)) return;
  Connection& me = Session(ctx);
  int64_t killed = 0;
  bool kill_me = false;
  ServerOf(ctx).ForEachClient([&](Connection& c) {
    // A client killed earlier is already gone as far as clients can tell (Redis frees it
    // synchronously), even if its worker has not closed it yet.
    if (c.kill_requested.load() || !f.Matches(c)) return;
    if (&c == &me) {
      if (f.skipme) return;
      kill_me = true;
    } else {
      c.kill_requested.store(true);
      // The registry lock keeps c (and its fd) alive: its worker unregisters before closing.
      shutdown(c.fd, SHUT_RDWR);
    }
    ++killed;
  });
  if (f.old_form) {
    if (killed == 0) return ctx.Error("ERR No such client");
    ctx.reply->Ok();
  } else {
    ctx.reply->Integer(killed);
  }
  if (kill_me) me.close_after_reply = true;
}

void ClientHelp(ArgList, CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "    * ID <client-id> [<client-id> ...]",
      "      Return clients of specified IDs only.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are:",
      "    * LIB-NAME: the client lib name.",
      "    * LIB-VER: the client lib version.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "NO-TOUCH (ON|OFF)",
      "    Will not touch LRU/LFU stats when this mode is on.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply->Simple(l);
}

}  // namespace

void RegisterConnectionCommands(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT
  constexpr uint32_t kHandshake =
      kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNoUdp;
  t.Add({.name = "ping",
         .arity = -1,
         .flags = kFast | kSentinel,
         .summary = "Ping the server",
         .syntax = "[message]",
         .group = "connection",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@fast @connection",
         .handler = Ping});
  t.Add({.name = "echo",
         .arity = 2,
         .flags = kLoading | kStale | kFast,
         .summary = "Echo the given string",
         .syntax = "message",
         .group = "connection",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@fast @connection",
         .handler = Echo});
  t.Add({.name = "quit",
         .arity = -1,
         .flags = kHandshake,
         .summary = "Close the connection",
         .syntax = "",
         .group = "connection",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@fast @connection",
         .handler = Quit});
  t.Add({.name = "select",
         .arity = 2,
         .flags = kLoading | kStale | kFast | kNoUdp,
         .summary = "Change the selected database for the current connection",
         .syntax = "index",
         .group = "connection",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@fast @connection",
         .handler = Select});
  t.Add({.name = "auth",
         .arity = -2,
         .flags = kHandshake,
         .summary = "Authenticate to the server",
         .syntax = "[username] password",
         .group = "connection",
         .since = "1.0.0",
         .complexity = "O(N) where N is the number of passwords defined for the user",
         .acl_categories = "@fast @connection",
         .handler = Auth});
  t.Add({.name = "hello",
         .arity = -1,
         .flags = kHandshake,
         .summary = "Handshake with Redis",
         .syntax = "[protover [AUTH username password] [SETNAME clientname]]",
         .group = "connection",
         .since = "6.0.0",
         .complexity = "O(1)",
         .acl_categories = "@fast @connection",
         .handler = Hello});
  t.Add({.name = "reset",
         .arity = 1,
         .flags = kHandshake,
         .summary = "Reset the connection",
         .syntax = "",
         .group = "connection",
         .since = "6.2.0",
         .complexity = "O(1)",
         .acl_categories = "@fast @connection",
         .handler = Reset});

  constexpr uint32_t kClient = kNoScript | kLoading | kStale | kNoUdp;
  auto sub = [](std::string name, int arity, uint32_t flags, std::string summary,
                std::string syntax, std::string since, std::string complexity, Handler handler) {
    return CommandSpec{.name = "client|" + std::move(name),
                       .arity = arity,
                       .flags = flags,
                       .summary = std::move(summary),
                       .syntax = std::move(syntax),
                       .group = "connection",
                       .since = std::move(since),
                       .complexity = std::move(complexity),
                       .acl_categories = "@connection",
                       .handler = handler};
  };
  std::vector<CommandSpec> client_subs;
  client_subs.push_back(sub("id", 2, kClient, "Returns the client ID for the current connection",
                            "", "5.0.0", "O(1)", ClientId));
  client_subs.push_back(sub("info", 2, kClient | kRandom,
                            "Returns information about the current client connection.", "", "6.2.0",
                            "O(1)", ClientInfo));
  client_subs.push_back(
      sub("list", -2, kClient | kAdmin | kRandom, "Get the list of client connections",
          "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] "
          "[ID client-id [client-id ...]]",
          "2.4.0", "O(N) where N is the number of client connections", ClientList));
  client_subs.push_back(
      sub("kill", -3, kClient | kAdmin, "Kill the connection of a client",
          "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | "
          "[USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> "
          "[<[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | "
          "[USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> ...]>",
          "2.4.0", "O(N) where N is the number of client connections", ClientKill));
  client_subs.push_back(sub("setname", 3, kClient, "Set the current connection name",
                            "connection-name", "2.6.9", "O(1)", ClientSetName));
  client_subs.push_back(sub("getname", 2, kClient, "Get the current connection name", "", "2.6.9",
                            "O(1)", ClientGetName));
  client_subs.push_back(sub("setinfo", 4, kClient,
                            "Sets information specific to the client or connection.",
                            "<LIB-NAME libname | LIB-VER libver>", "7.2.0", "O(1)", ClientSetInfo));
  client_subs.push_back(sub("reply", 3, kClient, "Instruct the server whether to reply to commands",
                            "<ON | OFF | SKIP>", "3.2.0", "O(1)", ClientReply));
  client_subs.push_back(sub("no-evict", 3, kClient | kAdmin,
                            "Set client eviction mode for the current connection", "<ON | OFF>",
                            "7.0.0", "O(1)", ClientNoEvict));
  client_subs.push_back(sub("no-touch", 3, kClient,
                            "Controls whether commands sent by the client affect the LRU/LFU "
                            "of accessed keys",
                            "<ON | OFF>", "7.2.0", "O(1)", ClientNoTouch));
  client_subs.push_back(sub("help", 2, kLoading | kStale,
                            "Show helpful text about the different subcommands", "", "5.0.0",
                            "O(1)", ClientHelp));
  t.Add({.name = "client",
         .arity = -2,
         .summary = "A container for client connection commands",
         .syntax = "",
         .group = "connection",
         .since = "2.4.0",
         .complexity = "Depends on subcommand.",
         .subcommands = std::move(client_subs)});
}

}  // namespace ember::server
