// Configuration: one declarative table of directives read by the config file, the command
// line (--name value), CONFIG GET/SET/REWRITE and --help.
//
// Values live in atomics (numbers) or behind a mutex (strings) so any thread may read them
// while CONFIG SET changes them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ember::server {

class Config;

struct Directive {
  std::string name;
  std::string default_value;
  std::string help;
  bool runtime_mutable = true;
  // Parses and stores args (one or more words); returns an error text on failure.
  std::function<std::string(Config&, const std::vector<std::string>& args)> set;
  std::function<std::string(const Config&)> get;
};

class Config {
 public:
  Config();

  // Numeric settings read on hot paths.
  std::atomic<int64_t> port{6379};
  std::atomic<int64_t> threads{0};
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
  std::atomic<int64_t> hz{10};
  std::atomic<int64_t> maxmemory{0};
  std::atomic<bool> protected_mode{true};
  std::atomic<int> loglevel{2};  // 0 debug, 1 verbose, 2 notice, 3 warning, 4 nothing

  std::string requirepass() const;
  std::vector<std::string> bind() const;
  std::string logfile() const;
  std::string dir() const;
  std::string maxmemory_policy() const;
  std::string config_file() const;
  void set_config_file(std::string path);

  // Applies `name args...`; returns "" or the error message.
  std::string Set(std::string_view name, const std::vector<std::string>& args, bool at_runtime);
  const Directive* Find(std::string_view name) const;
  const std::vector<Directive>& directives() const { return directives_; }

  // Loads a config file's text; returns "" or an error naming the line and directive.
  std::string LoadText(std::string_view text, std::string_view origin);
  // Parses argv after the program name: optional config path first, then --name value...
  std::string LoadArgs(int argc, char** argv);
  // Rewrites the config file with the current values (CONFIG REWRITE).
  std::string Rewrite() const;
  std::string HelpText() const;

 private:
  friend struct DirectiveBuilder;
  mutable std::mutex mu_;  // guards the strings below
  std::string requirepass_;
  std::vector<std::string> bind_{"127.0.0.1", "-::1"};
  std::string logfile_;
  std::string dir_;
  std::string maxmemory_policy_ = "noeviction";
  std::string config_file_;
  std::vector<std::string> save_;
  std::string appendonly_ = "no";
  std::string dbfilename_ = "dump.rdb";
  std::vector<Directive> directives_;
};

// Redis's memory units: 1k = 1000, 1kb = 1024, m/mb, g/gb; plain bytes otherwise.
bool ParseMemory(std::string_view s, int64_t* out);

}  // namespace ember::server
