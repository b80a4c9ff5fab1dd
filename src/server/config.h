// Configuration: one declarative table of directives read by the config file, the command
// line (--name value), CONFIG GET/SET/REWRITE and --help.
//
// Values live in atomics (numbers, booleans, enums) or behind a mutex (strings) so any thread
// may read them while CONFIG SET changes them. The table itself is built by the constructor
// and only its apply hooks are added afterwards (before any thread but the creator runs).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember::server {

class Config;

enum class DirectiveType : uint8_t {
  kInt,     // decimal integer within bounds
  kMemory,  // bytes with Redis's units (1k = 1000, 1kb = 1024, ...)
  kBool,    // yes / no
  kEnum,    // one word out of a fixed list
  kString,  // any string
  kSpecial  // own parser (bind, save, dir, notify-keyspace-events)
};

struct Directive {
  std::string name;
  std::string alias;  // the pre-7.0 name still accepted (hash-max-ziplist-entries), or ""
  DirectiveType type = DirectiveType::kSpecial;
  std::string default_value;  // as CONFIG GET prints it
  std::string help;
  bool runtime_mutable = true;  // CONFIG SET allowed at all
  bool is_protected = false;    // CONFIG SET only with enable-protected-configs
  bool multi_word = false;      // value is a list of words (bind, save)
  // Parses and stores args (one word, or several for multi_word directives); returns "" or
  // Redis's error text for the value.
  std::function<std::string(Config&, const std::vector<std::string>& args)> set;
  std::function<std::string(const Config&)> get;
  // Runs after CONFIG SET stored a new value (rebinding, log level, fd limits); returns "" or
  // an error, in which case CONFIG SET restores the previous values.
  std::function<std::string()> apply;
};

class Config {
 public:
  Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // Numeric settings read on hot paths.
  std::atomic<int64_t> port{6379};
  std::atomic<int64_t> threads{1};                // the constructor sets the number of cores
  std::atomic<int64_t> event_loop_poll_us{20};    // Worker::Loop's polling before it sleeps
  std::atomic<int64_t> event_loop_slice_us{100};  // the loops' scheduler time slice, 0 = default
  std::atomic<int64_t> databases{16};
  std::atomic<int64_t> maxclients{10000};
  std::atomic<int64_t> timeout{0};
  std::atomic<int64_t> tcp_keepalive{300};
  std::atomic<int64_t> tcp_backlog{511};
  std::atomic<int64_t> client_query_buffer_limit{1LL << 30};
  std::atomic<int64_t> proto_max_bulk_len{512LL << 20};
  std::atomic<int64_t> slowlog_log_slower_than{10000};
  std::atomic<int64_t> slowlog_max_len{128};
  std::atomic<int64_t> latency_monitor_threshold{0};
  std::atomic<int64_t> latency_tracking{1};
  std::atomic<int64_t> hz{10};
  std::atomic<int64_t> active_expire_effort{1};
  std::atomic<int64_t> activerehashing{1};
  std::atomic<int64_t> maxmemory{0};
  std::atomic<int64_t> maxmemory_policy_index{7};  // index into MaxmemoryPolicies()
  std::atomic<int64_t> protected_mode{1};
  std::atomic<int64_t> loglevel{2};                  // 0 debug, 1 verbose, 2 notice, 3 warning
  std::atomic<int64_t> enable_debug_command{2};      // 0 no, 1 yes, 2 local
  std::atomic<int64_t> enable_protected_configs{0};  // 0 no, 1 yes, 2 local
  std::atomic<int64_t> notify_keyspace_events{0};    // NotifyFlags bits
  // UDP (README.md, "UDP"): port (0 = off), largest reply in bytes, and whether UDP requests
  // are served without requirepass.
  std::atomic<int64_t> udp_port{0};
  std::atomic<int64_t> udp_max_reply{1400};
  std::atomic<int64_t> udp_allow_unauthenticated{0};
  // Append-only file: on/off and appendfsync (0 everysec, 1 always, 2 no).
  std::atomic<int64_t> appendonly{1};
  std::atomic<int64_t> appendfsync{0};

  std::string requirepass() const;
  std::vector<std::string> bind() const;
  std::string logfile() const;
  std::string pidfile() const;
  std::string dir() const;
  std::string dbfilename() const;
  std::string appendfilename() const;
  std::string appenddirname() const;
  std::string maxmemory_policy() const;
  std::string config_file() const;
  void set_config_file(std::string path);
  std::vector<std::string> save() const;

  // Value of any integer, memory or boolean (0/1) directive by name; 0 when unknown. For
  // settings without a named field above (encoding thresholds and the like).
  int64_t GetInt(std::string_view name) const;

  const Directive* Find(std::string_view name) const;  // by name or alias, any case
  const std::vector<Directive>& directives() const { return directives_; }
  // Installs the side effect of a runtime change of `name` (see Directive::apply).
  void SetApplyHook(std::string_view name, std::function<std::string()> fn);

  // Applies one directive as a config file line would; returns "" or the error message.
  std::string Set(std::string_view name, const std::vector<std::string>& args, bool at_runtime);

  // CONFIG SET name value [name value ...]: all or nothing. Returns "" or the error reply
  // without its "ERR " prefix, exactly as Redis words it. local_client: the caller connects
  // over loopback (enable-protected-configs local).
  std::string SetFromCommand(const std::vector<std::pair<std::string, std::string>>& pairs,
                             bool local_client = false);

  // CONFIG GET: (name, value) for every directive matching one of the glob patterns, each
  // directive once. A pattern without glob characters is echoed as the client typed it.
  std::vector<std::pair<std::string, std::string>> GetMatching(
      const std::vector<std::string>& patterns) const;

  // Loads configuration text (file contents followed by command-line options); returns ""
  // or the fatal error report naming the line and directive, shaped like Redis's.
  std::string LoadText(std::string_view text);
  // Parses argv after the program name: optional config path first, then --name value...
  std::string LoadArgs(int argc, char** argv);
  // Rewrites the config file with the current values (CONFIG REWRITE): lines of the file
  // keep their place, changed values replace them, other non-default values are appended.
  std::string Rewrite() const;
  std::string HelpText() const;

  static const std::vector<std::string>& MaxmemoryPolicies();

 private:
  friend struct DirectiveBuilder;
  std::atomic<int64_t>* NewSlot(int64_t v);
  // Formats a directive's value as config file line(s) for CONFIG REWRITE.
  std::vector<std::string> RewriteLines(const Directive& d) const;

  mutable std::mutex mu_;  // guards the strings below
  std::string requirepass_;
  std::vector<std::string> bind_{"127.0.0.1", "-::1"};
  std::string logfile_;
  std::string pidfile_;
  std::string dir_;
  std::string config_file_;
  std::vector<std::string> save_{"3600", "1", "300", "100", "60", "10000"};  // Redis's default
  std::string dbfilename_ = "dump.rdb";
  std::string appendfilename_ = "appendonly.aof";
  std::string appenddirname_ = "appendonlydir";
  bool save_seen_ = false;  // within one LoadText: the first "save" line replaces the list

  std::mutex set_mu_;                       // serialises CONFIG SET (backup, set, apply, restore)
  std::deque<std::atomic<int64_t>> slots_;  // storage of directives without a named field
  std::vector<Directive> directives_;
};

// Redis's memory units: digits (leading zeros allowed, empty means 0) then b, k (1000),
// kb (1024), m, mb, g, gb in any case. No sign.
bool ParseMemory(std::string_view s, int64_t* out);

// Keyspace notification classes (notify-keyspace-events).
enum NotifyFlags : int64_t {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyModule = 1 << 12,   // d
  kNotifyNew = 1 << 13,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};
// Parses "KEA"-style class letters; false on an unknown letter.
bool ParseNotifyFlags(std::string_view s, int64_t* out);
// Canonical form as CONFIG GET prints it (Redis 7.0 never prints 'n').
std::string NotifyFlagsToString(int64_t flags);

// Config-file quoting: the string in double quotes with \n, \r, \t, \a, \b, \\, \" and
// \xHH escapes, as redis-server prints values back.
std::string QuoteConfigValue(std::string_view s);

}  // namespace ember::server
