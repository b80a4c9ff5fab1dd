#include "server/config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/strutil.h"
#include "base/version.h"
#include "resp/parser.h"

namespace ember::server {

bool ParseMemory(std::string_view s, int64_t* out) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  std::string_view num = s.substr(0, i), unit = s.substr(i);
  int64_t mul = 1;
  if (unit.empty() || EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (EqualsIgnoreCase(unit, "g")) {
    mul = 1000LL * 1000 * 1000;
  } else if (EqualsIgnoreCase(unit, "gb")) {
    mul = 1024LL * 1024 * 1024;
  } else {
    return false;
  }
  // Like Redis, an empty number is 0 ("" and "mb" both parse).
  uint64_t v = 0;
  for (char c : num) {
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX) / static_cast<uint64_t>(mul)) return false;
  *out = static_cast<int64_t>(v) * mul;
  return true;
}

namespace {

// Letters in the order Redis 7.0 prints them; 'A' stands for kNotifyAll.
struct NotifyLetter {
  char letter;
  int64_t flag;
};
constexpr NotifyLetter kNotifyLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule},
};

}  // namespace

bool ParseNotifyFlags(std::string_view s, int64_t* out) {
  int64_t flags = 0;
  for (char c : s) {
    switch (c) {
      case 'A':
        flags |= kNotifyAll;
        break;
      case 'K':
        flags |= kNotifyKeyspace;
        break;
      case 'E':
        flags |= kNotifyKeyevent;
        break;
      case 'm':
        flags |= kNotifyKeyMiss;
        break;
      case 'n':
        flags |= kNotifyNew;
        break;
      default: {
        bool found = false;
        for (const auto& l : kNotifyLetters) {
          if (l.letter == c) {
            flags |= l.flag;
            found = true;
          }
        }
        if (!found) return false;
      }
    }
  }
  *out = flags;
  return true;
}

std::string NotifyFlagsToString(int64_t flags) {
  std::string r;
  if ((flags & kNotifyAll) == kNotifyAll) {
    r += 'A';
  } else {
    for (const auto& l : kNotifyLetters)
      if (flags & l.flag) r += l.letter;
  }
  if (flags & kNotifyKeyspace) r += 'K';
  if (flags & kNotifyKeyevent) r += 'E';
  if (flags & kNotifyKeyMiss) r += 'm';
  return r;
}

std::string QuoteConfigValue(std::string_view s) {
  std::string r = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        r += "\\\\";
        break;
      case '"':
        r += "\\\"";
        break;
      case '\n':
        r += "\\n";
        break;
      case '\r':
        r += "\\r";
        break;
      case '\t':
        r += "\\t";
        break;
      case '\a':
        r += "\\a";
        break;
      case '\b':
        r += "\\b";
        break;
      default:
        if (isprint(c)) {
          r += static_cast<char>(c);
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          r += buf;
        }
    }
  }
  r += '"';
  return r;
}

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string r;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) r += ' ';
    r += v[i];
  }
  return r;
}

std::vector<std::string> SplitWords(const std::vector<std::string>& args) {
  std::vector<std::string> words;
  for (const auto& x : args) {
    std::istringstream is(x);
    std::string w;
    while (is >> w) words.push_back(w);
  }
  return words;
}

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string RangeError(int64_t lo, int64_t hi) {
  return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
         " inclusive";
}

std::string EnumError(const std::vector<std::string>& values) {
  std::string r = "argument(s) must be one of the following: ";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) r += ", ";
    r += values[i];
  }
  return r;
}

// Memory values as CONFIG REWRITE writes them: the largest exact binary unit.
std::string MemoryToConfig(int64_t v) {
  const int64_t kGb = 1024LL * 1024 * 1024, kMb = 1024 * 1024, kKb = 1024;
  if (v != 0 && v % kGb == 0) return std::to_string(v / kGb) + "gb";
  if (v != 0 && v % kMb == 0) return std::to_string(v / kMb) + "mb";
  if (v != 0 && v % kKb == 0) return std::to_string(v / kKb) + "kb";
  return std::to_string(v);
}

const std::vector<std::string> kYesNoLocal = {"no", "yes", "local"};
const std::vector<std::string> kLogLevels = {"debug", "verbose", "notice", "warning"};

}  // namespace

const std::vector<std::string>& Config::MaxmemoryPolicies() {
  static const std::vector<std::string> kPolicies = {
      "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
      "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
  return kPolicies;
}

std::atomic<int64_t>* Config::NewSlot(int64_t v) {
  slots_.emplace_back(v);
  return &slots_.back();
}

// Builds the directive table; it needs access to Config's private fields.
struct DirectiveBuilder {
  using Atom = std::atomic<int64_t>;

  static Directive Base(std::string name, DirectiveType type, std::string def, bool mut,
                        std::string help) {
    Directive d;
    d.name = std::move(name);
    d.type = type;
    d.default_value = std::move(def);
    d.runtime_mutable = mut;
    d.help = std::move(help);
    return d;
  }

  // Integers. clamp_lo/hi: values accepted by the range check but stored clamped (hz).
  static Directive Int(std::string name, Atom* field, int64_t def, int64_t lo, int64_t hi, bool mut,
                       std::string help, int64_t clamp_lo = INT64_MIN,
                       int64_t clamp_hi = INT64_MAX) {
    field->store(def);
    Directive d =
        Base(std::move(name), DirectiveType::kInt, std::to_string(def), mut, std::move(help));
    d.set = [=](Config&, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      int64_t v;
      if (!ParseInt64(a[0], &v)) return "argument couldn't be parsed into an integer";
      if (v < lo || v > hi) return RangeError(lo, hi);
      field->store(std::clamp(v, clamp_lo, clamp_hi));
      return "";
    };
    d.get = [field](const Config&) { return std::to_string(field->load()); };
    return d;
  }

  static Directive Mem(std::string name, Atom* field, int64_t def, int64_t lo, int64_t hi, bool mut,
                       std::string help) {
    field->store(def);
    Directive d =
        Base(std::move(name), DirectiveType::kMemory, std::to_string(def), mut, std::move(help));
    d.set = [=](Config&, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      int64_t v;
      if (!ParseMemory(a[0], &v)) return "argument must be a memory value";
      if (v < lo || v > hi) return RangeError(lo, hi);
      field->store(v);
      return "";
    };
    d.get = [field](const Config&) { return std::to_string(field->load()); };
    return d;
  }

  // Booleans stored as 0/1. `refuse_yes` names why "yes" is not supported yet (or "").
  static Directive Bool(std::string name, Atom* field, bool def, bool mut, std::string help,
                        std::string refuse_yes = "") {
    field->store(def ? 1 : 0);
    Directive d =
        Base(std::move(name), DirectiveType::kBool, def ? "yes" : "no", mut, std::move(help));
    d.set = [=](Config&, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      if (EqualsIgnoreCase(a[0], "yes")) {
        if (!refuse_yes.empty()) return refuse_yes;
        field->store(1);
      } else if (EqualsIgnoreCase(a[0], "no")) {
        field->store(0);
      } else {
        return "argument must be 'yes' or 'no'";
      }
      return "";
    };
    d.get = [field](const Config&) { return std::string(field->load() ? "yes" : "no"); };
    return d;
  }

  static Directive Enum(std::string name, Atom* field, std::vector<std::string> values, size_t def,
                        bool mut, std::string help) {
    field->store(static_cast<int64_t>(def));
    Directive d = Base(std::move(name), DirectiveType::kEnum, values[def], mut, std::move(help));
    d.set = [=](Config&, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      for (size_t i = 0; i < values.size(); ++i) {
        if (EqualsIgnoreCase(a[0], values[i])) {
          field->store(static_cast<int64_t>(i));
          return "";
        }
      }
      return EnumError(values);
    };
    d.get = [field, values](const Config&) { return values[static_cast<size_t>(field->load())]; };
    return d;
  }

  static Directive Str(std::string name, std::string Config::*field, std::string def, bool mut,
                       std::string help) {
    Directive d = Base(std::move(name), DirectiveType::kString, def, mut, std::move(help));
    d.set = [field](Config& c, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      std::lock_guard lk(c.mu_);
      c.*field = a[0];
      return "";
    };
    d.get = [field](const Config& c) {
      std::lock_guard lk(c.mu_);
      return c.*field;
    };
    return d;
  }

  static Directive Bind() {
    Directive d = Base("bind", DirectiveType::kSpecial, "127.0.0.1 -::1", true,
                       "addresses to listen on; a leading '-' makes an address optional");
    d.multi_word = true;
    d.set = [](Config& c, const std::vector<std::string>& a) -> std::string {
      std::vector<std::string> words = SplitWords(a);
      if (words.size() > 16) return "Too many bind addresses specified.";
      std::lock_guard lk(c.mu_);
      c.bind_ = words;
      return "";
    };
    d.get = [](const Config& c) {
      std::lock_guard lk(c.mu_);
      return Join(c.bind_);
    };
    return d;
  }

  static Directive Save() {
    Directive d = Base("save", DirectiveType::kSpecial, "3600 1 300 100 60 10000", true,
                       "snapshot schedule, pairs of <seconds> <changes>: BGSAVE after <changes> "
                       "writes within <seconds>");
    d.multi_word = true;
    d.set = [](Config& c, const std::vector<std::string>& a) -> std::string {
      std::vector<std::string> words = SplitWords(a);
      if (words.size() % 2 != 0) return "Invalid save parameters";
      for (const auto& w : words) {
        int64_t v;
        if (!ParseInt64(w, &v) || v < 1 || v > INT_MAX) return "Invalid save parameters";
      }
      std::lock_guard lk(c.mu_);
      // In a config file, every "save" line after the first adds to the schedule.
      if (c.save_seen_) {
        c.save_.insert(c.save_.end(), words.begin(), words.end());
      } else {
        c.save_ = words;
      }
      return "";
    };
    d.get = [](const Config& c) {
      std::lock_guard lk(c.mu_);
      return Join(c.save_);
    };
    return d;
  }

  static Directive Dir() {
    Directive d = Base("dir", DirectiveType::kString, "", true,
                       "working directory for data files (default: the current directory)");
    d.is_protected = true;
    d.set = [](Config& c, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      if (chdir(a[0].c_str()) != 0) return strerror(errno);
      std::lock_guard lk(c.mu_);
      c.dir_ = a[0];
      return "";
    };
    d.get = [](const Config&) {
      char buf[4096];
      return std::string(getcwd(buf, sizeof(buf)) ? buf : "");
    };
    return d;
  }

  static Directive NotifyEvents(Config& c) {
    Directive d = Base("notify-keyspace-events", DirectiveType::kSpecial, "", true,
                       "keyspace notification classes, e.g. KEA (see Redis's docs)");
    d.set = [&c](Config&, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      int64_t flags;
      if (!ParseNotifyFlags(a[0], &flags))
        return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      c.notify_keyspace_events.store(flags);
      return "";
    };
    d.get = [](const Config& c) { return NotifyFlagsToString(c.notify_keyspace_events.load()); };
    return d;
  }

  static void Build(Config& c) {
    auto& t = c.directives_;
    const int64_t kMax = INT64_MAX;
    const int64_t kIntMax = INT_MAX;
    auto slot = [&c](int64_t v) { return c.NewSlot(v); };
    auto add_alias = [&t](std::string alias) { t.back().alias = std::move(alias); };

    // Network.
    t.push_back(Int("port", &c.port, 6379, 0, 65535, true, "TCP port to listen on"));
    t.push_back(Bind());
    t.push_back(Bool("protected-mode", &c.protected_mode, true, true,
                     "refuse non-loopback clients when no password is set"));
    t.push_back(Int("tcp-backlog", &c.tcp_backlog, 511, 0, kIntMax, false, "listen() backlog"));
    t.push_back(Int("tcp-keepalive", &c.tcp_keepalive, 300, 0, kIntMax, true,
                    "TCP keepalive interval in seconds (0 = off)"));
    t.push_back(Int("timeout", &c.timeout, 0, 0, kIntMax, true,
                    "close clients idle for this many seconds (0 = never)"));
    t.push_back(Int("maxclients", &c.maxclients, 10000, 1, UINT32_MAX, true,
                    "maximum simultaneous clients"));
    {
      int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
      t.push_back(Int("threads", &c.threads, cores, 1, 1024, false,
                      "event-loop threads (Ember; default: the number of cores)"));
    }
    t.push_back(Int("event-loop-poll-us", &c.event_loop_poll_us, 20, 0, 1000, true,
                    "microseconds an event loop keeps polling for work before it sleeps, while "
                    "work keeps arriving that soon (Ember; 0 = never poll)"));
    t.push_back(Int("event-loop-slice-us", &c.event_loop_slice_us, 100, 0, 100000, false,
                    "time slice the event loops ask the kernel for (Linux 6.12+): a loop woken "
                    "by a request then preempts background work on its core at once (Ember; "
                    "0 = the kernel's default)"));
    // UDP (Ember): see README.md, "UDP", for why it is off by default.
    t.push_back(Int("udp-port", &c.udp_port, 0, 0, 65535, false,
                    "UDP port for one-datagram requests on the bind addresses (0 = off; may "
                    "equal port)"));
    t.push_back(Mem("udp-max-reply", &c.udp_max_reply, 1400, 128, 65507, true,
                    "largest UDP reply in bytes; a larger reply becomes an error saying to use "
                    "TCP (1400 fits one Ethernet frame without IP fragmentation)"));
    t.push_back(Bool("udp-allow-unauthenticated", &c.udp_allow_unauthenticated, false, true,
                     "with requirepass set, still serve UDP requests without a password "
                     "(UDP has no AUTH)"));

    // General.
    t.push_back(Int("databases", &c.databases, 16, 1, kIntMax, false,
                    "number of databases (SELECT 0..n-1)"));
    t.push_back(Enum("loglevel", &c.loglevel, kLogLevels, 2, true,
                     "log verbosity: debug, verbose, notice or warning"));
    t.push_back(
        Str("logfile", &Config::logfile_, "", false, "log file path (empty = standard output)"));
    t.push_back(Str("pidfile", &Config::pidfile_, "", false,
                    "file the process id is written to while the server runs (empty = none)"));
    t.push_back(Bool("daemonize", slot(0), false, false,
                     "Ember does not daemonize; only 'no' is accepted",
                     "daemonize yes is not supported: run ember-server under a supervisor"));
    t.push_back(Dir());
    t.push_back(Str("requirepass", &Config::requirepass_, "", true,
                    "password clients must AUTH with (empty = none)"));
    t.push_back(Enum("enable-debug-command", &c.enable_debug_command, kYesNoLocal, 2, false,
                     "DEBUG allowed: yes, no, or local (loopback clients only)"));
    t.push_back(Enum("enable-protected-configs", &c.enable_protected_configs, kYesNoLocal, 0, false,
                     "CONFIG SET of protected directives (dir, dbfilename): yes, no, local"));

    // Limits.
    t.push_back(Mem("client-query-buffer-limit", &c.client_query_buffer_limit, 1LL << 30,
                    1024 * 1024, kMax, true, "maximum query buffer of one client"));
    t.push_back(Mem("proto-max-bulk-len", &c.proto_max_bulk_len, 512LL << 20, 1024 * 1024, kMax,
                    true, "maximum size of one bulk string"));

    // Diagnostics.
    t.push_back(Int("slowlog-log-slower-than", &c.slowlog_log_slower_than, 10000, -1, kMax, true,
                    "microseconds above which commands are logged (-1 = off, 0 = all)"));
    t.push_back(Int("slowlog-max-len", &c.slowlog_max_len, 128, 0, LONG_MAX, true,
                    "entries kept in the slow log"));
    t.push_back(Int("latency-monitor-threshold", &c.latency_monitor_threshold, 0, 0, kMax, true,
                    "milliseconds above which latency events are kept (0 = off)"));
    t.push_back(Bool("latency-tracking", &c.latency_tracking, true, true,
                     "per-command latency histograms (LATENCY HISTOGRAM)"));

    // Background tasks.
    t.push_back(Int("hz", &c.hz, 10, 0, kIntMax, true,
                    "background task frequency (active expiry, timeouts); clamped to 1..500", 1,
                    500));
    t.push_back(Int("active-expire-effort", &c.active_expire_effort, 1, 1, 10, true,
                    "1..10: CPU the active expiry cycle may use to reclaim expired keys"));
    t.push_back(Bool("activerehashing", &c.activerehashing, true, true,
                     "finish the key tables' incremental resizes in the background (up to 0.5 ms "
                     "per cron period) where no writes come to advance them"));

    // Memory.
    t.push_back(Mem("maxmemory", &c.maxmemory, 0, 0, kMax, true,
                    "memory limit (0 = none; eviction is not implemented yet)"));
    t.push_back(Enum("maxmemory-policy", &c.maxmemory_policy_index, Config::MaxmemoryPolicies(), 7,
                     true, "eviction policy (decides whether OBJECT FREQ is available)"));
    t.push_back(Int("maxmemory-samples", slot(5), 5, 1, 64, true, "keys sampled per eviction"));
    t.push_back(Int("maxmemory-eviction-tenacity", slot(10), 10, 0, 100, true,
                    "eviction effort per command (0..100)"));
    t.push_back(
        Int("lfu-log-factor", slot(10), 10, 0, kIntMax, true, "LFU counter logarithm factor"));
    t.push_back(Int("lfu-decay-time", slot(1), 1, 0, kIntMax, true,
                    "minutes after which the LFU counter decays"));
    for (const char* n :
         {"lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
          "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush"}) {
      t.push_back(Bool(n, slot(0), false, true, "free values on the background thread"));
    }

    // Value encodings (thresholds for compact encodings).
    t.push_back(Int("hash-max-listpack-entries", slot(512), 512, 0, LONG_MAX, true,
                    "hashes up to this many fields use a listpack"));
    add_alias("hash-max-ziplist-entries");
    t.push_back(Int("hash-max-listpack-value", slot(64), 64, 0, LONG_MAX, true,
                    "hashes with values up to this size use a listpack"));
    add_alias("hash-max-ziplist-value");
    t.push_back(Int("set-max-intset-entries", slot(512), 512, 0, LONG_MAX, true,
                    "integer sets up to this size use an intset"));
    t.push_back(Int("zset-max-listpack-entries", slot(128), 128, 0, LONG_MAX, true,
                    "sorted sets up to this many members use a listpack"));
    add_alias("zset-max-ziplist-entries");
    t.push_back(Int("zset-max-listpack-value", slot(64), 64, 0, LONG_MAX, true,
                    "sorted sets with members up to this size use a listpack"));
    add_alias("zset-max-ziplist-value");
    t.push_back(Int("list-max-listpack-size", slot(-2), -2, INT_MIN, kIntMax, true,
                    "list node size: entries (> 0) or -1..-5 for 4..64 KB"));
    add_alias("list-max-ziplist-size");
    t.push_back(Int("list-compress-depth", slot(0), 0, 0, kIntMax, true,
                    "uncompressed list nodes kept at each end (0 = no compression)"));
    t.push_back(Mem("stream-node-max-bytes", slot(4096), 4096, 0, LONG_MAX, true,
                    "maximum bytes of one stream node"));
    t.push_back(Int("stream-node-max-entries", slot(100), 100, 0, kMax, true,
                    "maximum entries of one stream node"));
    t.push_back(Mem("hll-sparse-max-bytes", slot(3000), 3000, 0, LONG_MAX, true,
                    "HyperLogLog sparse representation limit"));

    t.push_back(NotifyEvents(c));

    // Persistence (not implemented yet: the settings are kept for when it lands).
    t.push_back(Save());
    t.push_back(Str("dbfilename", &Config::dbfilename_, "dump.rdb", true, "snapshot file name"));
    t.back().is_protected = true;
    t.push_back(Bool("rdbcompression", slot(1), true, true, "LZF-compress snapshot strings"));
    t.push_back(Bool("rdbchecksum", slot(1), true, false, "CRC64 at the end of snapshots"));
    t.push_back(Bool("stop-writes-on-bgsave-error", slot(1), true, true,
                     "refuse writes while the last snapshot failed"));
    t.push_back(Bool("rdb-del-sync-files", slot(0), false, true,
                     "delete snapshots made only for replication"));
    t.push_back(Bool("appendonly", &c.appendonly, true, true,
                     "log every write to the append-only file (appenddirname in dir)"));
    t.push_back(Str("appendfilename", &Config::appendfilename_, "appendonly.aof", false,
                    "base name of the append-only files"));
    t.push_back(Str("appenddirname", &Config::appenddirname_, "appendonlydir", false,
                    "directory of the append-only files"));
    t.push_back(Enum("appendfsync", &c.appendfsync, {"everysec", "always", "no"}, 0, true,
                     "fsync policy of the append-only file"));
    t.push_back(
        Bool("no-appendfsync-on-rewrite", slot(0), false, true, "skip fsync while a rewrite runs"));
    t.push_back(Int("auto-aof-rewrite-percentage", slot(100), 100, 0, kIntMax, true,
                    "growth (%) that triggers an AOF rewrite (0 = never)"));
    t.push_back(Mem("auto-aof-rewrite-min-size", slot(64LL << 20), 64LL << 20, 0, kMax, true,
                    "minimum AOF size before automatic rewrites"));
    t.push_back(Bool("aof-load-truncated", slot(1), true, true,
                     "load a truncated AOF instead of refusing to start"));
    t.push_back(
        Bool("aof-use-rdb-preamble", slot(1), true, true, "AOF rewrites start with a snapshot"));
    t.push_back(
        Bool("aof-timestamp-enabled", slot(0), false, true, "timestamp annotations in the AOF"));
  }
};

Config::Config() { DirectiveBuilder::Build(*this); }

std::string Config::requirepass() const {
  std::lock_guard lk(mu_);
  return requirepass_;
}
std::vector<std::string> Config::bind() const {
  std::lock_guard lk(mu_);
  return bind_;
}
std::string Config::logfile() const {
  std::lock_guard lk(mu_);
  return logfile_;
}
std::string Config::pidfile() const {
  std::lock_guard lk(mu_);
  return pidfile_;
}
std::string Config::dir() const {
  std::lock_guard lk(mu_);
  return dir_;
}
std::string Config::dbfilename() const {
  std::lock_guard lk(mu_);
  return dbfilename_;
}
std::string Config::appendfilename() const {
  std::lock_guard lk(mu_);
  return appendfilename_;
}
std::string Config::appenddirname() const {
  std::lock_guard lk(mu_);
  return appenddirname_;
}
std::string Config::maxmemory_policy() const {
  return MaxmemoryPolicies()[static_cast<size_t>(maxmemory_policy_index.load())];
}
std::string Config::config_file() const {
  std::lock_guard lk(mu_);
  return config_file_;
}
void Config::set_config_file(std::string path) {
  std::lock_guard lk(mu_);
  config_file_ = std::move(path);
}
std::vector<std::string> Config::save() const {
  std::lock_guard lk(mu_);
  return save_;
}

int64_t Config::GetInt(std::string_view name) const {
  const Directive* d = Find(name);
  if (d == nullptr) return 0;
  std::string v = d->get(*this);
  int64_t r = 0;
  switch (d->type) {
    case DirectiveType::kInt:
      ParseInt64(v, &r);
      return r;
    case DirectiveType::kMemory:
      ParseMemory(v, &r);
      return r;
    case DirectiveType::kBool:
      return v == "yes";
    default:
      return 0;
  }
}

const Directive* Config::Find(std::string_view name) const {
  for (const auto& d : directives_)
    if (EqualsIgnoreCase(d.name, name) || (!d.alias.empty() && EqualsIgnoreCase(d.alias, name)))
      return &d;
  return nullptr;
}

void Config::SetApplyHook(std::string_view name, std::function<std::string()> fn) {
  for (auto& d : directives_)
    if (d.name == name) d.apply = std::move(fn);
}

std::string Config::Set(std::string_view name, const std::vector<std::string>& args,
                        bool at_runtime) {
  const Directive* d = Find(name);
  if (d == nullptr) return "Bad directive or wrong number of arguments";
  if (at_runtime && !d->runtime_mutable) return "can't set immutable config";
  return d->set(*this, args);
}

std::string Config::SetFromCommand(const std::vector<std::pair<std::string, std::string>>& pairs,
                                   bool local_client) {
  std::lock_guard lk(set_mu_);
  // 1. Every name must exist, be settable and appear once. Like Redis 7.0, a directive and its
  // alias count as different names (the later one wins).
  std::vector<const Directive*> ds;
  std::vector<std::string> names;
  for (const auto& [name, value] : pairs) {
    const Directive* d = Find(name);
    if (d == nullptr)
      return "Unknown option or number of arguments for CONFIG SET - '" + name + "'";
    std::string prefix = "CONFIG SET failed (possibly related to argument '" + name + "') - ";
    if (!d->runtime_mutable) return prefix + "can't set immutable config";
    int64_t allow = enable_protected_configs.load();  // 0 no, 1 yes, 2 local
    if (d->is_protected && !(allow == 1 || (allow == 2 && local_client)))
      return prefix + "can't set protected config";
    std::string lower = Lower(name);
    if (std::find(names.begin(), names.end(), lower) != names.end())
      return prefix + "duplicate parameter";
    names.push_back(lower);
    ds.push_back(d);
  }
  // 2. Store the new values, remembering the old ones; any failure restores them all.
  std::vector<std::string> old;
  for (const Directive* d : ds) old.push_back(d->get(*this));
  save_seen_ = false;
  auto restore = [&](size_t upto) {
    for (size_t i = upto; i-- > 0;) ds[i]->set(*this, {old[i]});
  };
  for (size_t i = 0; i < ds.size(); ++i) {
    const std::string& value = pairs[i].second;
    std::string err = ds[i]->set(*this, {value});
    if (!err.empty()) {
      restore(i);
      return "CONFIG SET failed (possibly related to argument '" + pairs[i].first + "') - " + err;
    }
  }
  // 3. Side effects; if one fails, put the old values back and re-apply them.
  for (size_t i = 0; i < ds.size(); ++i) {
    if (!ds[i]->apply) continue;
    std::string err = ds[i]->apply();
    if (!err.empty()) {
      restore(ds.size());
      for (size_t j = 0; j <= i; ++j)
        if (ds[j]->apply) ds[j]->apply();
      return "CONFIG SET failed (possibly related to argument '" + pairs[i].first + "') - " + err;
    }
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> Config::GetMatching(
    const std::vector<std::string>& patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> seen;  // names already returned (a directive and its alias differ)
  auto emit = [&](const std::string& key, const Directive& d) {
    std::string lk = Lower(key);
    if (std::find(seen.begin(), seen.end(), lk) != seen.end()) return;
    seen.push_back(lk);
    out.emplace_back(key, d.get(*this));
  };
  for (const auto& p : patterns) {
    bool glob = p.find_first_of("*?[") != std::string::npos;
    if (!glob) {
      const Directive* d = Find(p);
      if (d) emit(p, *d);
      continue;
    }
    for (const auto& d : directives_) {
      if (GlobMatch(p, d.name, true)) emit(d.name, d);
      if (!d.alias.empty() && GlobMatch(p, d.alias, true)) emit(d.alias, d);
    }
  }
  return out;
}

std::string Config::LoadText(std::string_view text) {
  size_t line_no = 0;
  size_t pos = 0;
  save_seen_ = false;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    // Trimmed like Redis does before showing the line in an error.
    while (!line.empty() && strchr(" \t\r\n", line.back())) line.remove_suffix(1);
    while (!line.empty() && strchr(" \t\r\n", line.front())) line.remove_prefix(1);
    if (line.empty() || line[0] == '#') {
      if (nl >= text.size()) break;
      continue;
    }
    std::vector<std::string> words;
    std::string err;
    if (!resp::SplitInlineArgs(line, &words)) {
      err = "Unbalanced quotes in configuration line";
    } else if (!words.empty()) {
      std::string name = words[0];
      words.erase(words.begin());
      const Directive* d = Find(name);
      if (d == nullptr) {
        err = "Bad directive or wrong number of arguments";
      } else if (d->multi_word && words.empty()) {
        err = "wrong number of arguments";
      } else {
        err = d->set(*this, words);
        if (d->name == "save") save_seen_ = true;
      }
    }
    if (!err.empty()) {
      std::ostringstream o;
      o << "\n*** FATAL CONFIG FILE ERROR (Ember " << EMBER_VERSION << ") ***\n"
        << "Reading the configuration file, at line " << line_no << "\n"
        << ">>> '" << line << "'\n"
        << err;
      return o.str();
    }
    if (nl >= text.size()) break;
  }
  return "";
}

std::string Config::LoadArgs(int argc, char** argv) {
  int i = 1;
  std::string text;
  if (i < argc && argv[i][0] != '-') {
    std::ifstream in(argv[i]);
    if (!in)
      return std::string("Fatal error, can't open config file '") + argv[i] +
             "': " + strerror(errno);
    std::stringstream ss;
    ss << in.rdbuf();
    char buf[4096];
    std::string path = argv[i];
    if (path[0] != '/' && getcwd(buf, sizeof(buf))) path = std::string(buf) + "/" + path;
    set_config_file(path);
    text = ss.str();
    ++i;
  }
  // Options become config lines after the file's text, as Redis does: "--port 7000 --save 60 1"
  // -> 'port "7000"' and 'save "60" "1"', so an error names the same line number Redis would.
  std::string options;
  bool expect_value = false;  // right after "--name", the next word is its value whatever it is
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!expect_value && a.size() >= 2 && a.substr(0, 2) == "--") {
      if (!options.empty()) options += "\n";
      options += std::string(a.substr(2)) + " ";
      expect_value = true;
      // "--save" without a value (last, or followed by another option) means save "".
      if (EqualsIgnoreCase(a, "--save") &&
          (i + 1 == argc || std::string_view(argv[i + 1]).substr(0, 2) == "--")) {
        options += "\"\"";
        expect_value = false;
      }
    } else {
      options += QuoteConfigValue(a) + " ";
      expect_value = false;
    }
  }
  return LoadText(text + "\n" + options);
}

std::vector<std::string> Config::RewriteLines(const Directive& d) const {
  std::string v = d.get(*this);
  if (d.name == "save") {
    std::vector<std::string> words = save();
    if (words.empty()) return {"save \"\""};
    std::vector<std::string> lines;
    for (size_t i = 0; i + 1 < words.size(); i += 2)
      lines.push_back("save " + words[i] + " " + words[i + 1]);
    return lines;
  }
  if (d.name == "bind") return {"bind " + v};
  switch (d.type) {
    case DirectiveType::kMemory: {
      int64_t n = 0;
      ParseMemory(v, &n);
      return {d.name + " " + MemoryToConfig(n)};
    }
    case DirectiveType::kString:
    case DirectiveType::kSpecial:
      return {d.name + " " + QuoteConfigValue(v)};
    default:
      return {d.name + " " + v};
  }
}

std::string Config::Rewrite() const {
  static const char kMarker[] = "# Generated by CONFIG REWRITE";
  std::string path = config_file();
  if (path.empty()) return "The server is running without a config file";
  std::vector<std::string> lines;
  {
    std::ifstream in(path);  // a missing file is recreated
    std::string l;
    while (std::getline(in, l)) lines.push_back(l);
  }
  std::vector<bool> done(directives_.size(), false);
  std::vector<std::string> out;
  bool marker = false;  // appended lines go after the marker, written once
  for (const auto& line : lines) {
    if (line == kMarker) marker = true;
    std::vector<std::string> words;
    size_t first = line.find_first_not_of(" \t");
    const Directive* d = nullptr;
    if (first != std::string::npos && line[first] != '#' && resp::SplitInlineArgs(line, &words) &&
        !words.empty())
      d = Find(words[0]);
    if (d == nullptr) {
      out.push_back(line);  // comments, blank lines, directives we do not know
      continue;
    }
    size_t k = static_cast<size_t>(d - directives_.data());
    if (done[k]) continue;  // later duplicates are folded into the first occurrence
    done[k] = true;
    for (auto& x : RewriteLines(*d)) out.push_back(std::move(x));
  }
  for (size_t k = 0; k < directives_.size(); ++k) {
    const Directive& d = directives_[k];
    if (done[k]) continue;
    // dir is always written (the file then works from any working directory).
    if (d.get(*this) == d.default_value && d.name != "dir") continue;
    if (!marker) {
      if (!out.empty() && !out.back().empty()) out.push_back("");
      out.push_back(kMarker);
      marker = true;
    }
    for (auto& x : RewriteLines(d)) out.push_back(std::move(x));
  }
  std::string tmp = path + ".tmp-rewrite";
  FILE* f = fopen(tmp.c_str(), "w");
  if (f == nullptr) return std::string("Rewriting config file: ") + strerror(errno);
  bool ok = true;
  for (const auto& x : out) ok = ok && fputs(x.c_str(), f) >= 0 && fputc('\n', f) != EOF;
  ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
  int saved_errno = errno;
  fclose(f);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved_errno = errno;
    unlink(tmp.c_str());
    return std::string("Rewriting config file: ") + strerror(saved_errno);
  }
  return "";
}

std::string Config::HelpText() const {
  std::ostringstream o;
  o << "Usage: ember-server [/path/to/ember.conf] [--directive value ...]\n"
    << "       ember-server -v | --version\n"
    << "       ember-server -h | --help\n\n"
    << "Examples:\n"
    << "       ember-server --port 7777 --threads 4\n"
    << "       ember-server /etc/ember.conf --loglevel verbose\n\n"
    << "Directives (config file lines 'name value', or --name value; CONFIG GET/SET at run "
       "time):\n";
  for (const auto& d : directives_) {
    std::string def = d.default_value.empty() ? "\"\"" : d.default_value;
    std::string name = "--" + d.name;
    o << "  " << name;
    for (size_t i = name.size(); i < 32; ++i) o << ' ';
    o << " default " << def;
    if (!d.runtime_mutable) o << " (fixed at start-up)";
    if (d.is_protected) o << " (protected)";
    o << "\n      " << d.help;
    if (!d.alias.empty()) o << " (also accepted as " << d.alias << ")";
    o << "\n";
  }
  return o.str();
}

}  // namespace ember::server
