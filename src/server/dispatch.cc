#include "base/clock.h"
#include "cmd/dispatch.h"
#include "server/server.h"
#include "server/worker.h"

namespace ember::server {

namespace {
void Reject(Connection& c, Worker& w, Server& s, std::string_view msg, const cmd::CommandSpec* spec) {
  c.writer.Error(msg);
  s.error_replies.fetch_add(1, std::memory_order_relaxed);
  if (spec) w.cmd_stats[static_cast<size_t>(spec->id)].rejected.Add();
}
}  // namespace

void Server::Dispatch(Connection& c, cmd::ArgList args, Worker& w) {
  size_t reply_start = c.out.size();
  ReplyMode mode = c.reply_mode;
  if (mode == ReplyMode::kSkipNext) c.reply_mode = ReplyMode::kSkipThis;

  cmd::Resolution res = cmd::Resolve(table_, args);
  const cmd::CommandSpec* spec = res.spec;
  if (spec == nullptr) {
    Reject(c, w, *this, res.error, res.rejected);
  } else {
    if (!c.authenticated && !(spec->flags & cmd::kNoAuth)) {
      Reject(c, w, *this, "NOAUTH Authentication required.", spec);
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
      ctx.no_touch = c.no_touch;
      int64_t t0 = MonotonicUs();
      cmd::RunLocked(*spec, args, ctx);
      int64_t dur = MonotonicUs() - t0;
      CommandStat& st = w.cmd_stats[static_cast<size_t>(spec->id)];
      st.calls.Add();
      st.usec.Add(static_cast<uint64_t>(dur));
      if (c.out.size() > reply_start && c.out[reply_start] == '-') {
        st.failed.Add();
        error_replies.fetch_add(1, std::memory_order_relaxed);
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
  if (mode == ReplyMode::kOff || mode == ReplyMode::kSkipThis) {
    // CLIENT REPLY OFF/SKIP: drop what this command wrote (the mode switch itself included).
    c.out.resize(reply_start);
    if (mode == ReplyMode::kSkipThis && c.reply_mode == ReplyMode::kSkipThis)
      c.reply_mode = ReplyMode::kOn;
  }
}

}  // namespace ember::server
