// Server commands: INFO, TIME, LASTSAVE, SHUTDOWN, SLOWLOG, LATENCY, DEBUG (CONFIG lives in
// config_commands.cc, the INFO text in info.cc).
#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "base/strutil.h"
#include "server/admin_common.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/server_commands.h"
#include "server/session.h"

namespace ember::server {

using cmd::ArgList;
using cmd::CommandContext;

void ReplyHelp(CommandContext& ctx, std::string_view name,
               std::initializer_list<std::string_view> lines) {
  ctx.reply->ArrayHeader(lines.size() + 3);
  ctx.reply->Simple(std::string(name) +
                    " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view l : lines) ctx.reply->Simple(l);
  ctx.reply->Simple("HELP");
  ctx.reply->Simple("    Prints this help.");
}

bool IsLocalClient(const Connection& c) {
  const std::string& a = c.addr;
  return a.rfind("127.", 0) == 0 || a.rfind("::1:", 0) == 0 || a.rfind("::ffff:127.", 0) == 0;
}

// Redis reports latencies in power-of-two buckets of nanoseconds from 1024 ns; a duration
// belongs to the first bucket 2^n whose highest equivalent value (HDR histogram with two
// significant digits: 2^n + 2^(n-7) - 1) is not below it.
size_t LatencyBucket(int64_t duration_us) {
  uint64_t ns = duration_us > 0 ? static_cast<uint64_t>(duration_us) * 1000 : 1;
  if (ns <= 1024 + 8 - 1) return 0;
  // Smallest n with 2^n >= ns, then the previous bucket if ns is within its equivalent range.
  uint64_t n = static_cast<uint64_t>(std::bit_width(ns - 1));
  if (ns <= (uint64_t{1} << (n - 1)) + (uint64_t{1} << (n - 8)) - 1) --n;
  return std::min<size_t>(n - 10, kLatencyBuckets - 1);
}

namespace {

// The bucket's label in LATENCY HISTOGRAM: its highest equivalent value in microseconds.
uint64_t LatencyBucketLabel(size_t b) {
  uint64_t n = b + 10;
  return ((uint64_t{1} << n) + (uint64_t{1} << (n - 7)) - 1) / 1000;
}

// ---------------------------------------------------------------- INFO, TIME, LASTSAVE

void Info(ArgList args, CommandContext& ctx) {
  std::vector<std::string> sections(args.begin() + 1, args.end());
  ctx.reply->Verbatim(ServerOf(ctx).InfoText(sections));
}

void Time(ArgList, CommandContext& ctx) {
  int64_t us = ServerOf(ctx).clock().NowUs();
  ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(std::to_string(us / 1'000'000));
  ctx.reply->Bulk(std::to_string(us % 1'000'000));
}

void LastSave(ArgList, CommandContext& ctx) { ctx.reply->Integer(ServerOf(ctx).lastsave_s.load()); }

// SAVE: synchronous and point-in-time per database (see Server::SaveSnapshot).
void Save(ArgList, CommandContext& ctx) {
  if (ServerOf(ctx).bgsave_in_progress())
    return ctx.Error("ERR Background save already in progress");
  std::string err = ServerOf(ctx).SaveSnapshot();
  if (!err.empty()) return ctx.Error("ERR " + err);
  ctx.reply->Ok();
}

// BGSAVE [SCHEDULE]: a forked child writes the snapshot (see Server::BackgroundSave).
void BgSave(ArgList args, CommandContext& ctx) {
  bool schedule = false;
  if (args.size() > 2) return ctx.Error(OpStatus::kSyntax);
  if (args.size() == 2) {
    if (!cmd::ArgIs(args[1], "schedule")) return ctx.Error(OpStatus::kSyntax);
    schedule = true;
  }
  bool scheduled = false;
  std::string err = ServerOf(ctx).BackgroundSave(schedule, &scheduled);
  if (!err.empty()) return ctx.Error(err);
  ctx.reply->Simple(scheduled ? "Background saving scheduled" : "Background saving started");
}

// BGREWRITEAOF: a forked child writes the new base (see AofService::BackgroundRewrite).
void BgRewriteAof(ArgList, CommandContext& ctx) {
  bool scheduled = false;
  std::string err = ServerOf(ctx).aof().BackgroundRewrite(&scheduled);
  if (!err.empty()) return ctx.Error(err);
  ctx.reply->Simple(scheduled ? "Background append only file rewriting scheduled"
                              : "Background append only file rewriting started");
}

// ------------------------------------------------------------------------- SHUTDOWN

void Shutdown(ArgList args, CommandContext& ctx) {
  bool nosave = false, save = false, now = false, force = false, abort = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (cmd::ArgIs(args[i], "nosave")) {
      nosave = true;
    } else if (cmd::ArgIs(args[i], "save")) {
      save = true;
    } else if (cmd::ArgIs(args[i], "now")) {
      now = true;
    } else if (cmd::ArgIs(args[i], "force")) {
      force = true;
    } else if (cmd::ArgIs(args[i], "abort")) {
      abort = true;
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  if ((nosave && save) || (abort && (nosave || save || now || force)))
    return ctx.Error(OpStatus::kSyntax);
  // Shutdown is immediate (nothing to save, no replicas to wait for), so none is ever pending.
  if (abort) return ctx.Error("ERR No shutdown in progress.");
  Server& server = ServerOf(ctx);
  LogWarning("User requested shutdown...");
  if (save || (!nosave && !server.config().save().empty())) {
    server.StopBackgroundSave();  // Redis too stops a running BGSAVE
    LogNotice("Saving the final RDB snapshot before exiting.");
    if (!server.SaveSnapshot().empty() && !force) {
      LogWarning("Errors trying to shut down the server. Check the logs for more information.");
      return ctx.Error("ERR Errors trying to SHUTDOWN. Check logs.");
    }
  }
  // Like Redis, the client gets no reply: its connection is closed with the server.
  Session(ctx).close_after_reply = true;
  server.RequestShutdown();
}

// -------------------------------------------------------------------------- SLOWLOG

void SlowlogGet(ArgList args, CommandContext& ctx) {
  if (args.size() > 3) {
    return ctx.Error("ERR unknown subcommand or wrong number of arguments for '" +
                     std::string(args[1]) + "'. Try SLOWLOG HELP.");
  }
  int64_t count = 10;
  if (args.size() == 3 && (!ParseInt64(args[2], &count) || count < -1))
    return ctx.Error("ERR count should be greater than or equal to -1");
  auto entries = ServerOf(ctx).SlowlogGet(count);
  ctx.reply->ArrayHeader(entries.size());
  for (const auto& e : entries) {
    ctx.reply->ArrayHeader(6);
    ctx.reply->Integer(static_cast<int64_t>(e.id));
    ctx.reply->Integer(e.time_s);
    ctx.reply->Integer(e.duration_us);
    ctx.reply->ArrayHeader(e.args.size());
    for (const auto& a : e.args) ctx.reply->Bulk(a);
    ctx.reply->Bulk(e.addr);
    ctx.reply->Bulk(e.name);
  }
}

void SlowlogLen(ArgList, CommandContext& ctx) {
  ctx.reply->Integer(static_cast<int64_t>(ServerOf(ctx).SlowlogLen()));
}

void SlowlogReset(ArgList, CommandContext& ctx) {
  ServerOf(ctx).SlowlogReset();
  ctx.reply->Ok();
}

void SlowlogHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(
      ctx, "SLOWLOG",
      {"GET [<count>]",
       "    Return the <count> newest entries of the slow log (default: 10, -1 means all).",
       "    An entry is: id, unix time, duration in microseconds, arguments, client",
       "    address and port, client name.", "LEN",
       "    Return the number of entries in the slow log.", "RESET", "    Empty the slow log."});
}

// -------------------------------------------------------------------------- LATENCY

void LatencyLatest(ArgList, CommandContext& ctx) {
  auto events = ServerOf(ctx).LatencyEvents();
  ctx.reply->ArrayHeader(events.size());
  for (const auto& e : events) {
    ctx.reply->ArrayHeader(4);
    ctx.reply->Bulk(e.name);
    ctx.reply->Integer(e.samples.empty() ? 0 : e.samples.back().first);
    ctx.reply->Integer(e.samples.empty() ? 0 : e.samples.back().second);
    ctx.reply->Integer(e.max_ms);
  }
}

void LatencyHistory(ArgList args, CommandContext& ctx) {
  auto events = ServerOf(ctx).LatencyEvents();
  for (const auto& e : events) {
    if (e.name != args[2]) continue;
    ctx.reply->ArrayHeader(e.samples.size());
    for (const auto& [time_s, ms] : e.samples) {
      ctx.reply->ArrayHeader(2);
      ctx.reply->Integer(time_s);
      ctx.reply->Integer(ms);
    }
    return;
  }
  ctx.reply->EmptyArray();
}

void LatencyReset(ArgList args, CommandContext& ctx) {
  std::vector<std::string> names(args.begin() + 2, args.end());
  size_t reset = 0;
  ServerOf(ctx).LatencyReset(names, &reset);
  ctx.reply->Integer(static_cast<int64_t>(reset));
}

void LatencyDoctor(ArgList, CommandContext& ctx) {
  Server& server = ServerOf(ctx);
  auto events = server.LatencyEvents();
  int64_t threshold = server.config().latency_monitor_threshold.load();
  std::string text;
  if (events.empty()) {
    if (threshold == 0) {
      text =
          "Latency monitoring is disabled in this Ember instance. Enable it with "
          "\"CONFIG SET latency-monitor-threshold <milliseconds>\".\n";
    } else {
      text = "No latency spike above " + std::to_string(threshold) +
             " milliseconds was observed since the latency monitor was last reset.\n";
    }
    ctx.reply->Verbatim(text);
    return;
  }
  text = "Latency spikes above " + std::to_string(threshold) + " milliseconds, by event:\n\n";
  int n = 0;
  for (const auto& e : events) {
    int64_t sum = 0;
    for (const auto& s : e.samples) sum += s.second;
    int64_t avg = e.samples.empty() ? 0 : sum / static_cast<int64_t>(e.samples.size());
    int64_t period = e.samples.size() > 1 ? e.samples.back().first - e.samples.front().first : 0;
    text += std::to_string(++n) + ". " + e.name + ": " + std::to_string(e.samples.size()) +
            " latency spikes (average " + std::to_string(avg) + "ms, over " +
            std::to_string(period) + " sec). Worst all time event " + std::to_string(e.max_ms) +
            "ms.\n";
  }
  text +=
      "\nSlow commands show up in SLOWLOG GET; \"command\" events are commands slower than the "
      "threshold, \"expire-cycle\" the active expiry cycle.\n";
  ctx.reply->Verbatim(text);
}

void ReplyHistogram(CommandContext& ctx, const cmd::CommandSpec& spec,
                    const std::vector<uint64_t>& buckets) {
  uint64_t total = 0;
  size_t used = 0;
  for (uint64_t b : buckets) {
    total += b;
    used += b != 0;
  }
  ctx.reply->Bulk(spec.name);
  ctx.reply->MapHeader(2);
  ctx.reply->Bulk("calls");
  ctx.reply->Integer(static_cast<int64_t>(total));
  ctx.reply->Bulk("histogram_usec");
  ctx.reply->MapHeader(used);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < buckets.size(); ++b) {
    if (buckets[b] == 0) continue;
    cumulative += buckets[b];
    ctx.reply->Integer(static_cast<int64_t>(LatencyBucketLabel(b)));
    ctx.reply->Integer(static_cast<int64_t>(cumulative));
  }
}

void LatencyHistogram(ArgList args, CommandContext& ctx) {
  Server& server = ServerOf(ctx);
  const auto& by_id = server.commands().by_id();
  auto histogram = [&](const cmd::CommandSpec& spec) {
    std::vector<uint64_t> buckets(kLatencyBuckets, 0);
    bool any = false;
    for (const auto& w : server.workers()) {
      size_t id = static_cast<size_t>(spec.id);
      if (id >= w->cmd_stats.size()) continue;
      for (size_t b = 0; b < kLatencyBuckets; ++b) {
        buckets[b] += w->cmd_stats[id].latency[b].Get();
        any = any || buckets[b] != 0;
      }
    }
    return std::make_pair(any, buckets);
  };
  // Commands (or subcommands) with at least one recorded call, in request order; a container
  // name stands for its subcommands. Like Redis, a name given twice is reported twice.
  std::vector<std::pair<const cmd::CommandSpec*, std::vector<uint64_t>>> out;
  auto consider = [&](const cmd::CommandSpec* spec) {
    auto [any, buckets] = histogram(*spec);
    if (any) out.emplace_back(spec, std::move(buckets));
  };
  if (args.size() == 2) {
    for (const cmd::CommandSpec* spec : by_id) consider(spec);
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      std::string_view name = args[i];
      size_t bar = name.find('|');
      const cmd::CommandSpec* spec = server.commands().Find(name.substr(0, bar));
      if (spec == nullptr) continue;
      if (bar != std::string_view::npos) {
        spec = cmd::CommandTable::FindSub(*spec, name.substr(bar + 1));
        if (spec) consider(spec);
      } else if (!spec->subcommands.empty()) {
        for (const auto& sub : spec->subcommands) consider(&sub);
      } else {
        consider(spec);
      }
    }
  }
  ctx.reply->MapHeader(out.size());
  for (const auto& [spec, buckets] : out) ReplyHistogram(ctx, *spec, buckets);
}

void LatencyHelp(ArgList, CommandContext& ctx) {
  ReplyHelp(ctx, "LATENCY",
            {"DOCTOR", "    Return a human readable latency analysis report.", "HISTORY <event>",
             "    Return time-latency samples for the <event> class.", "LATEST",
             "    Return the latest latency samples for all events.", "RESET [<event> ...]",
             "    Reset latency data of one or more <event> classes.",
             "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
             "    Return a cumulative distribution of latencies in the format of a histogram for "
             "the specified command names.",
             "    If no commands are specified then all histograms are replied."});
}

// ---------------------------------------------------------------------------- DEBUG

// Bytes the value would take in an uncompressed RDB string encoding.
size_t RdbLengthSize(uint64_t len) {
  if (len < 64) return 1;
  if (len < 16384) return 2;
  if (len <= UINT32_MAX) return 5;
  return 9;
}

size_t SerializedLength(const Entry* e) {
  if (e->type() != ValueType::kString) return 0;  // snapshot encoders of other types: upcoming
  if (e->encoding() == Encoding::kInt) {
    int64_t v = e->int_value();
    if (v >= -(1 << 7) && v < (1 << 7)) return 2;
    if (v >= -(1 << 15) && v < (1 << 15)) return 3;
    if (v >= INT32_MIN && v <= INT32_MAX) return 5;
    size_t digits = std::to_string(v).size();
    return RdbLengthSize(digits) + digits;
  }
  size_t n = e->str_bytes().size();
  return RdbLengthSize(n) + n;
}

void DebugObject(std::string_view key, CommandContext& ctx) {
  LockSet locks;
  locks.AddKey(*ctx.db, key);
  locks.Lock();
  const Entry* e = ctx.db->Find(key, ctx.now_ms, /*no_touch=*/true);
  if (e == nullptr) return ctx.Error(OpStatus::kNoSuchKey);
  char buf[256];
  snprintf(buf, sizeof(buf),
           "Value at:%p refcount:1 encoding:%.*s serializedlength:%zu lru:%u "
           "lru_seconds_idle:%u",
           static_cast<const void*>(e), static_cast<int>(EncodingName(e->encoding()).size()),
           EncodingName(e->encoding()).data(), SerializedLength(e), e->access_time(),
           IdleSeconds(e, ctx.now_ms));
  ctx.reply->Simple(buf);
}

// DEBUG POPULATE count [prefix] [size]: string keys prefix:0..count-1 with values "value:N"
// (cut or zero-padded to size bytes when size is given); existing keys are left alone.
void DebugPopulate(ArgList args, CommandContext& ctx) {
  int64_t count = 0, size = 0;
  if (!ParseInt64(args[2], &count) || count < 0)
    return ctx.Error("ERR value is out of range, must be positive");
  std::string prefix = args.size() > 3 ? std::string(args[3]) : "key";
  if (args.size() > 4 && (!ParseInt64(args[4], &size) || size < 0))
    return ctx.Error("ERR value is out of range, must be positive");
  for (int64_t i = 0; i < count; ++i) {
    std::string key = prefix + ":" + std::to_string(i);
    std::string value = "value:" + std::to_string(i);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    LockSet locks;
    locks.AddKey(*ctx.db, key);
    locks.Lock();
    ctx.db->BeforeWriteKey(key);
    if (ctx.db->Find(key, ctx.now_ms, true) != nullptr) continue;
    EntryInit init{key, false, 0, LruClock(ctx.now_ms)};
    int64_t iv;
    Encoding enc = ChooseStringEncoding(value, &iv);
    ctx.db->Insert(enc == Encoding::kInt ? NewIntEntry(init, iv)
                                         : NewStringEntry(init, value, enc));
    ++ctx.dirty;
    std::string_view logged[] = {"SET", key, value};
    ctx.Log(logged);  // under the key's lock, like any write
  }
  ctx.reply->Ok();
}

// DEBUG PROTOCOL <type>: one reply of each RESP type, for client library tests. This is the
// one handler that looks at the protocol version: its point is how each type is spelled.
void DebugProtocol(std::string_view type, CommandContext& ctx) {
  resp::ReplyWriter& w = *ctx.reply;
  if (cmd::ArgIs(type, "string")) {
    w.Bulk("Hello World");
  } else if (cmd::ArgIs(type, "integer")) {
    w.Integer(12345);
  } else if (cmd::ArgIs(type, "double")) {
    w.Double(3.141);
  } else if (cmd::ArgIs(type, "bignum")) {
    static constexpr std::string_view kBig = "1234567999999999999999999999999999999";
    if (w.resp3()) {
      w.buffer()->append("(").append(kBig).append("\r\n");
    } else {
      w.Bulk(kBig);
    }
  } else if (cmd::ArgIs(type, "null")) {
    w.Null();
  } else if (cmd::ArgIs(type, "array") || cmd::ArgIs(type, "set")) {
    if (cmd::ArgIs(type, "set")) {
      w.SetHeader(3);
    } else {
      w.ArrayHeader(3);
    }
    for (int i = 0; i < 3; ++i) w.Integer(i);
  } else if (cmd::ArgIs(type, "map")) {
    w.MapHeader(3);
    for (int i = 0; i < 3; ++i) {
      w.Integer(i);
      w.Bool(i == 1);
    }
  } else if (cmd::ArgIs(type, "attrib")) {
    // RESP2 has no attributes: only the reply that follows them is sent.
    if (w.resp3()) {
      w.buffer()->append("|1\r\n");
      w.Bulk("key-popularity");
      w.ArrayHeader(2);
      w.Bulk("key:123");
      w.Integer(90);
    }
    w.Bulk("Some real reply following the attribute");
  } else if (cmd::ArgIs(type, "push")) {
    if (!w.resp3()) return ctx.Error("ERR RESP2 is not supported by this command");
    w.PushHeader(2);
    w.Bulk("server-cpu-usage");
    w.Integer(42);
    w.Bulk("Some real reply following the push reply");
  } else if (cmd::ArgIs(type, "verbatim")) {
    w.Verbatim("This is a verbatim\nstring");
  } else if (cmd::ArgIs(type, "true")) {
    w.Bool(true);
  } else if (cmd::ArgIs(type, "false")) {
    w.Bool(false);
  } else {
    ctx.Error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

void DebugHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "DEBUG",
            {"ERROR <string>",
             "    Return a Redis protocol error with <string> as message. Useful for clients",
             "    unit tests to simulate Redis errors.",
             "LOG <message>",
             "    Write <message> to the server log.",
             "OBJECT <key>",
             "    Show low level info about `key` and associated value.",
             "POPULATE <count> [<prefix>] [<size>]",
             "    Create <count> string keys named key:<num>. If <prefix> is specified then",
             "    it is used instead of the 'key' prefix. With <size>, values are cut or",
             "    zero-padded to <size> bytes.",
             "PROTOCOL <type>",
             "    Reply with a test value of the specified type. <type> can be: string,",
             "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
             "    true, false.",
             "SET-ACTIVE-EXPIRE <0|1>",
             "    Setting it to 0 disables expiring keys in background when they are not",
             "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
             "    default.",
             "SLEEP <seconds>",
             "    Stop the connection's thread for <seconds>. Decimals allowed. Clients of",
             "    other threads are still served."});
}

void Debug(ArgList args, CommandContext& ctx) {
  Server& server = ServerOf(ctx);
  int64_t allowed = server.config().enable_debug_command.load();  // 0 no, 1 yes, 2 local
  if (allowed == 0 || (allowed == 2 && !IsLocalClient(Session(ctx)))) {
    return ctx.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
        "\"local\", you can run it from a local connection, otherwise you need to set this "
        "option in the configuration file, and then restart the server.");
  }
  std::string_view sub = args[1];
  size_t n = args.size();
  if (cmd::ArgIs(sub, "help") && n == 2) return DebugHelp(ctx);
  if (cmd::ArgIs(sub, "sleep") && n == 3) {
    // strtod like Redis: garbage means 0, negative means no sleep.
    std::string arg(args[2]);
    double secs = strtod(arg.c_str(), nullptr);
    if (std::isfinite(secs) && secs > 0) {
      // Only this worker thread sleeps: its clients wait, the other threads' clients do not.
      std::this_thread::sleep_for(
          std::chrono::microseconds(static_cast<int64_t>(std::min(secs, 1e6) * 1e6)));
    }
    return ctx.reply->Ok();
  }
  if (cmd::ArgIs(sub, "set-active-expire") && n == 3) {
    std::string arg(args[2]);
    server.SetActiveExpire(atoi(arg.c_str()) != 0);
    return ctx.reply->Ok();
  }
  if (cmd::ArgIs(sub, "object") && n == 3) return DebugObject(args[2], ctx);
  if (cmd::ArgIs(sub, "log") && n == 3) {
    LogWarning("DEBUG LOG: " + std::string(args[2]));
    return ctx.reply->Ok();
  }
  if (cmd::ArgIs(sub, "error") && n == 3) {
    // The argument verbatim as the error line (it carries its own code, if any).
    return ctx.reply->Error(args[2]);
  }
  if (cmd::ArgIs(sub, "populate") && n >= 3 && n <= 5) return DebugPopulate(args, ctx);
  if (cmd::ArgIs(sub, "protocol") && n == 3) return DebugProtocol(args[2], ctx);
  ctx.Error("ERR unknown subcommand or wrong number of arguments for '" +
            std::string(sub.substr(0, 128)) + "'. Try DEBUG HELP.");
}

}  // namespace

void RegisterAdminCommands(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT: flag names
  const uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale | kNoLock;
  t.Add({.name = "info",
         .arity = -1,
         .flags = kLoading | kStale | kRandom | kNoLock,
         .summary = "Get information and statistics about the server",
         .syntax = "[section [section ...]]",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@slow @dangerous",
         .handler = Info});
  t.Add({.name = "time",
         .arity = 1,
         .flags = kLoading | kStale | kFast | kRandom | kNoLock,
         .summary = "Return the current server time",
         .syntax = "",
         .group = "server",
         .since = "2.6.0",
         .complexity = "O(1)",
         .acl_categories = "@fast",
         .handler = Time});
  t.Add({.name = "lastsave",
         .arity = 1,
         .flags = kLoading | kStale | kFast | kRandom | kNoLock,
         .summary = "Get the UNIX time stamp of the last successful save to disk",
         .syntax = "",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@admin @fast @dangerous",
         .handler = LastSave});
  t.Add({.name = "save",
         .arity = 1,
         .flags = kAdmin | kNoScript | kNoLock | kNoMulti,
         .summary = "Synchronously save the dataset to disk",
         .syntax = "",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(N) where N is the total number of keys in all databases",
         .acl_categories = "@admin @slow @dangerous",
         .handler = Save});
  t.Add({.name = "bgsave",
         .arity = -1,
         .flags = kAdmin | kNoScript | kNoLock,
         .summary = "Asynchronously save the dataset to disk",
         .syntax = "[SCHEDULE]",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@admin @slow @dangerous",
         .handler = BgSave});
  t.Add({.name = "bgrewriteaof",
         .arity = 1,
         .flags = kAdmin | kNoScript | kNoLock,
         .summary = "Asynchronously rewrite the append-only file to disk",
         .syntax = "",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(1)",
         .acl_categories = "@admin @slow @dangerous",
         .handler = BgRewriteAof});
  t.Add({.name = "shutdown",
         .arity = -1,
         .flags = kAdminFlags | kNoMulti | kAllowBusy,
         .summary = "Synchronously save the dataset to disk and then shut down the server",
         .syntax = "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
         .group = "server",
         .since = "1.0.0",
         .complexity = "O(N) when saving, where N is the total number of keys in all databases "
                       "when saving data, otherwise O(1)",
         .acl_categories = "@admin @slow @dangerous",
         .handler = Shutdown});

  CommandSpec slowlog{.name = "slowlog",
                      .arity = -2,
                      .flags = kNoLock,
                      .summary = "A container for slow log commands",
                      .syntax = "subcommand [argument ...]",
                      .group = "server",
                      .since = "2.2.12",
                      .complexity = "Depends on subcommand.",
                      .acl_categories = "@slow"};
  const uint32_t kSlowlogFlags = kAdmin | kLoading | kStale | kNoLock;
  slowlog.subcommands = {
      {.name = "slowlog|get",
       .arity = -2,
       .flags = kSlowlogFlags | kRandom,
       .summary = "Get the slow log's entries",
       .syntax = "[count]",
       .group = "server",
       .since = "2.2.12",
       .complexity = "O(N) where N is the number of entries returned",
       .acl_categories = "@admin @slow @dangerous",
       .handler = SlowlogGet},
      {.name = "slowlog|len",
       .arity = 2,
       .flags = kSlowlogFlags | kRandom,
       .summary = "Get the slow log's length",
       .syntax = "",
       .group = "server",
       .since = "2.2.12",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = SlowlogLen},
      {.name = "slowlog|reset",
       .arity = 2,
       .flags = kSlowlogFlags,
       .summary = "Clear all entries from the slow log",
       .syntax = "",
       .group = "server",
       .since = "2.2.12",
       .complexity = "O(N) where N is the number of entries in the slowlog",
       .acl_categories = "@admin @slow @dangerous",
       .handler = SlowlogReset},
      {.name = "slowlog|help",
       .arity = 2,
       .flags = kLoading | kStale | kNoLock,
       .summary = "Show helpful text about the different subcommands",
       .syntax = "",
       .group = "server",
       .since = "6.2.0",
       .complexity = "O(1)",
       .acl_categories = "@slow",
       .handler = SlowlogHelp},
  };
  t.Add(std::move(slowlog));

  CommandSpec latency{.name = "latency",
                      .arity = -2,
                      .flags = kNoLock,
                      .summary = "A container for latency diagnostics commands",
                      .syntax = "subcommand [argument ...]",
                      .group = "server",
                      .since = "2.8.13",
                      .complexity = "Depends on subcommand.",
                      .acl_categories = "@slow"};
  latency.subcommands = {
      {.name = "latency|doctor",
       .arity = 2,
       .flags = kAdminFlags | kRandom,
       .summary = "Return a human readable latency analysis report.",
       .syntax = "",
       .group = "server",
       .since = "2.8.13",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = LatencyDoctor},
      {.name = "latency|reset",
       .arity = -2,
       .flags = kAdminFlags,
       .summary = "Reset latency data for one or more events.",
       .syntax = "[event [event ...]]",
       .group = "server",
       .since = "2.8.13",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = LatencyReset},
      {.name = "latency|histogram",
       .arity = -2,
       .flags = kAdminFlags | kRandom,
       .summary = "Return the cumulative distribution of latencies of a subset of commands or "
                  "all.",
       .syntax = "[command [command ...]]",
       .group = "server",
       .since = "7.0.0",
       .complexity = "O(N) where N is the number of commands with latency information being "
                     "retrieved.",
       .acl_categories = "@admin @slow @dangerous",
       .handler = LatencyHistogram},
      {.name = "latency|latest",
       .arity = 2,
       .flags = kAdminFlags | kRandom,
       .summary = "Return the latest latency samples for all events.",
       .syntax = "",
       .group = "server",
       .since = "2.8.13",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = LatencyLatest},
      {.name = "latency|history",
       .arity = 3,
       .flags = kAdminFlags | kRandom,
       .summary = "Return timestamp-latency samples for the event.",
       .syntax = "event",
       .group = "server",
       .since = "2.8.13",
       .complexity = "O(1)",
       .acl_categories = "@admin @slow @dangerous",
       .handler = LatencyHistory},
      {.name = "latency|help",
       .arity = 2,
       .flags = kLoading | kStale | kNoLock,
       .summary = "Show helpful text about the different subcommands.",
       .syntax = "",
       .group = "server",
       .since = "2.8.13",
       .complexity = "O(1)",
       .acl_categories = "@slow",
       .handler = LatencyHelp},
  };
  t.Add(std::move(latency));

  // Like Redis, DEBUG is one command that parses its own subcommands (its errors and
  // commandstats entry are DEBUG's, not "debug|sleep").
  t.Add({.name = "debug",
         .arity = -2,
         .flags = kAdminFlags,
         .summary = "A container for debugging commands",
         .syntax = "subcommand [argument ...]",
         .group = "server",
         .since = "1.0.0",
         .complexity = "Depends on subcommand.",
         .acl_categories = "@admin @slow @dangerous",
         .handler = Debug});

  RegisterConfigCommands(t);
}

}  // namespace ember::server
