#include "cmd/dispatch.h"

#include <cctype>
#include <cstring>

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

// Up to 8 bytes of p as a little-endian word, zero padded, without reading past p + n.
inline uint64_t LoadUpTo8(const char* p, size_t n) {
  if (n >= 4) {  // two overlapping 4-byte loads cover 4..8 bytes
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    return a | (static_cast<uint64_t>(b) << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  // 1..3 bytes: first, middle and last cover them all (overlapping for 1 and 2).
  auto byte = [p](size_t i) {
    return static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  };
  return byte(0) | byte(n / 2) | byte(n - 1);
}

// A-Z folded to lowercase in each byte (bytes >= 0x80 untouched, as tolower() in the C
// locale leaves them).
inline uint64_t FoldWord(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  uint64_t low7 = x & (0x7f * kOnes);
  uint64_t ge_a = low7 + (0x80 - 'A') * kOnes;      // high bit: byte >= 'A'
  uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * kOnes;  // high bit: byte > 'Z'
  uint64_t upper = ge_a & ~gt_z & ~x & (0x80 * kOnes);
  return x | (upper >> 2);  // 0x80 >> 2 == 0x20
}

// A name of up to 16 bytes as two folded words.
inline void FoldName(std::string_view name, uint64_t* w0, uint64_t* w1) {
  size_t n = name.size();
  *w0 = FoldWord(LoadUpTo8(name.data(), n < 8 ? n : 8));
  *w1 = n > 8 ? FoldWord(LoadUpTo8(name.data() + 8, n - 8)) : 0;
}

bool ArityOk(const cmd::CommandSpec& spec, size_t argc) {
  int n = static_cast<int>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

std::string UdpRefusal(const cmd::CommandSpec& spec) {
  std::string name = spec.name;
  for (char& ch : name) ch = ch == '|' ? ' ' : static_cast<char>(std::toupper(ch));
  return "ERR " + name + " needs connection state and is not available over UDP; use TCP";
}
}  // namespace

CommandLookup::CommandLookup(const cmd::CommandTable& table) {
  size_t n = 16;
  while (n < table.all().size() * 4) n *= 2;
  slots_.resize(n);
  mask_ = n - 1;
  for (const cmd::CommandSpec* spec : table.all()) {
    if (spec->name.size() > 16 || spec->name.empty()) continue;
    Slot s;
    FoldName(spec->name, &s.w0, &s.w1);
    s.len = spec->name.size();
    s.spec = spec;
    size_t i = Index(s.w0, s.w1, s.len);
    while (slots_[i].spec != nullptr) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

size_t CommandLookup::Index(uint64_t w0, uint64_t w1, size_t len) const {
  uint64_t h = (w0 ^ (w1 * 0x9E3779B97F4A7C15ULL) ^ len) * 0xC2B2AE3D27D4EB4FULL;
  return static_cast<size_t>(h >> 40) & mask_;
}

const cmd::CommandSpec* CommandLookup::Find(std::string_view name) const {
  if (name.size() > 16 || name.empty()) return nullptr;
  uint64_t w0, w1;
  FoldName(name, &w0, &w1);
  for (size_t i = Index(w0, w1, name.size());; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.spec == nullptr) return nullptr;
    if (s.w0 == w0 && s.w1 == w1 && s.len == name.size()) return s.spec;
  }
}

void Server::Dispatch(Connection& c, cmd::ArgList args, Worker& w, DispatchClock* clock) {
  size_t reply_start = c.out.size();
  bool aof_reply = false;  // this reply waits for the AOF
  // CLIENT REPLY SKIP armed kSkipNext during the previous command: this one is skipped.
  if (c.reply_mode == ReplyMode::kSkipNext) c.reply_mode = ReplyMode::kSkipThis;

  // Plain commands with a valid arity skip cmd::Resolve; everything else (subcommands,
  // unknown names, arity errors) goes through it for its checks and exact error replies.
  cmd::Resolution res;
  const cmd::CommandSpec* fast = w.lookup().Find(args[0]);
  if (fast != nullptr && fast->subcommands.empty() && ArityOk(*fast, args.size())) {
    res.spec = fast;
  } else {
    res = cmd::Resolve(table_, args);
  }
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
      const int64_t t0 = clock != nullptr && clock->mono_us != 0 ? clock->mono_us : MonotonicUs();
      ctx.now_ms = clock != nullptr && clock->wall_minus_mono_us != 0
                       ? (t0 + clock->wall_minus_mono_us) / 1000
                       : clock_->NowMs();
      ctx.spec = spec;
      ctx.server = this;
      ctx.counters = &w.counters;
      ctx.session = &c;
      ctx.no_touch = c.no_touch.load(std::memory_order_relaxed);
      // Always set: whether the AOF is on is decided under the command's partition locks
      // (AofService::Log), so a command cannot slip between turning it on and the snapshot.
      ctx.log = aof_.get();
      cmd::RunLocked(*spec, args, ctx);
      const int64_t t1 = MonotonicUs();
      if (clock != nullptr) clock->mono_us = t1;
      const int64_t dur = t1 - t0;
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
        st.latency[dur <= 1 ? 0 : LatencyBucket(dur)].Add();  // <= 1 us: bucket 0
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
