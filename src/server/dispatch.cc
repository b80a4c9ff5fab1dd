#include "cmd/dispatch.h"

#include <cctype>

#include "base/clock.h"
#include "server/aof.h"
#include "server/server.h"
#include "server/worker.h"

namespace ember::server {

namespace {
void Reject(Connection& c, Worker& w, Server& s, std::string_view msg,
            const cmd::CommandSpec* spec) {
  c.writer.Error(msg);
  s.CountErrorReply(msg);
  if (spec) w.cmd_stats[static_cast<size_t>(spec->id)].rejected.Add();
}

// Commands a datagram cannot run: they need state that outlives one request (SELECT, HELLO,
// CLIENT, MULTI, SUBSCRIBE) or wait for another client (blocking commands).
constexpr uint32_t kUdpRefused = cmd::kNoUdp | cmd::kBlocking | cmd::kPubSub;

std::string UdpRefusal(const cmd::CommandSpec& spec) {
  std::string name = spec.name;
  for (char& ch : name) ch = ch == '|' ? ' ' : static_cast<char>(std::toupper(ch));
  return "ERR " + name + " needs connection state and is not available over UDP; use TCP";
}
}  // namespace

void Server::Dispatch(Connection& c, cmd::ArgList args, Worker& w) {
  size_t reply_start = c.out.size();
  bool aof_reply = false;  // this reply waits for the AOF
  // CLIENT REPLY SKIP armed kSkipNext during the previous command: this one is skipped.
  if (c.reply_mode == ReplyMode::kSkipNext) c.reply_mode = ReplyMode::kSkipThis;

  cmd::Resolution res = cmd::Resolve(table_, args);
  const cmd::CommandSpec* spec = res.spec;
  if (spec == nullptr) {
    Reject(c, w, *this, res.error, res.rejected);
  } else {
    if (!c.authenticated && !(spec->flags & cmd::kNoAuth)) {
      Reject(c, w, *this, "NOAUTH Authentication required.", spec);
    } else if ((spec->flags & kUdpRefused) && w.IsUdp(c)) {
      Reject(c, w, *this, UdpRefusal(*spec), spec);
    } else if (disk_error() && (spec->is_write() || spec->name == "ping")) {
      // Persistence is failing: refuse what would be lost (and PING, so that health checks
      // notice), as Redis does; reads go on.
      Reject(c, w, *this, DiskErrorReply(), spec);
    } else {
      cmd::CommandContext ctx;
      ctx.keyspace = keyspace_.get();
      int db = c.db.load(std::memory_order_relaxed);
      ctx.db_index = db;
      ctx.db = &keyspace_->db(db);
      ctx.reply = &c.writer;
      ctx.now_ms = clock_->NowMs();
      ctx.spec = spec;
      ctx.server = this;
      ctx.counters = &w.counters;
      ctx.session = &c;
      ctx.no_touch = c.no_touch.load(std::memory_order_relaxed);
      // Always set: whether the AOF is on is decided under the command's partition locks
      // (AofService::Log), so a command cannot slip between turning it on and the snapshot.
      ctx.log = aof_.get();
      int64_t t0 = MonotonicUs();
      cmd::RunLocked(*spec, args, ctx);
      int64_t dur = MonotonicUs() - t0;
      if (ctx.log_failed) {
        // The AOF refused the write: it happened in memory (the next rewrite persists it)
        // but must not be acknowledged.
        c.out.resize(reply_start);
        std::string err = aof_->MisconfError();
        c.writer.Error(err);
        CountErrorReply(err);
      } else if (ctx.log_ticket > c.aof_ticket) {
        c.aof_ticket = ctx.log_ticket;
        aof_reply = true;
      }
      CommandStat& st = w.cmd_stats[static_cast<size_t>(spec->id)];
      st.calls.Add();
      st.usec.Add(static_cast<uint64_t>(dur));
      if (config_->latency_tracking.load(std::memory_order_relaxed))
        st.latency[LatencyBucket(dur)].Add();
      if (c.out.size() > reply_start && c.out[reply_start] == '-') {
        st.failed.Add();
        CountErrorReply(std::string_view(c.out).substr(reply_start));
      }
      if (ctx.dirty) dirty.fetch_add(ctx.dirty, std::memory_order_relaxed);
      c.last_cmd_id.store(spec->id, std::memory_order_relaxed);
      int64_t slower = config_->slowlog_log_slower_than.load(std::memory_order_relaxed);
      if (slower >= 0 && dur >= slower && !(spec->flags & cmd::kSkipSlowlog))
        SlowlogAdd(args, dur, c);
      int64_t lat = config_->latency_monitor_threshold.load(std::memory_order_relaxed);
      if (lat > 0 && dur / 1000 >= lat)
        LatencyAdd((spec->flags & cmd::kFast) ? "fast-command" : "command", dur / 1000);
    }
  }
  w.commands_processed.Add();
  // CLIENT REPLY OFF/SKIP: drop what this command wrote. The mode is read after the command,
  // so CLIENT REPLY ON (and RESET, which clears OFF but not a pending skip) gets its reply,
  // while CLIENT REPLY OFF itself does not, as in Redis.
  if (c.reply_mode == ReplyMode::kOff || c.reply_mode == ReplyMode::kSkipThis) {
    c.out.resize(reply_start);
    if (c.reply_mode == ReplyMode::kSkipThis) c.reply_mode = ReplyMode::kOn;
  }
  if (aof_reply && c.out.size() > reply_start) c.unacked.emplace_back(reply_start, c.out.size());
}

}  // namespace ember::server
