#include "server/config.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/strutil.h"
#include "resp/parser.h"

namespace ember::server {

bool ParseMemory(std::string_view s, int64_t* out) {
  size_t i = 0;
  while (i < s.size() && (isdigit(static_cast<unsigned char>(s[i])) || (i == 0 && s[i] == '-')))
    ++i;
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
  int64_t v;
  if (!ParseInt64(num, &v)) return false;
  if (v != 0 && (v > INT64_MAX / mul || v < INT64_MIN / mul)) return false;
  *out = v * mul;
  return true;
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

Directive IntDirective(std::string name, std::atomic<int64_t> Config::*field, int64_t def,
                       int64_t lo, int64_t hi, bool mut, std::string help) {
  Directive d;
  d.name = std::move(name);
  d.default_value = std::to_string(def);
  d.help = std::move(help);
  d.runtime_mutable = mut;
  d.set = [field, lo, hi](Config& c, const std::vector<std::string>& a) -> std::string {
    if (a.size() != 1) return "wrong number of arguments";
    int64_t v;
    if (!ParseInt64(a[0], &v)) return "argument couldn't be parsed into an integer";
    if (v < lo || v > hi)
      return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
             " inclusive";
    (c.*field).store(v);
    return "";
  };
  d.get = [field](const Config& c) { return std::to_string((c.*field).load()); };
  return d;
}

Directive MemDirective(std::string name, std::atomic<int64_t> Config::*field, std::string def,
                       int64_t lo, int64_t hi, bool mut, std::string help) {
  Directive d;
  d.name = std::move(name);
  d.default_value = def;
  d.help = std::move(help);
  d.runtime_mutable = mut;
  d.set = [field, lo, hi](Config& c, const std::vector<std::string>& a) -> std::string {
    if (a.size() != 1) return "wrong number of arguments";
    int64_t v;
    if (!ParseMemory(a[0], &v)) return "argument must be a memory value";
    if (v < lo || v > hi)
      return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
             " inclusive";
    (c.*field).store(v);
    return "";
  };
  d.get = [field](const Config& c) { return std::to_string((c.*field).load()); };
  return d;
}

Directive BoolDirective(std::string name, std::atomic<bool> Config::*field, bool def, bool mut,
                        std::string help) {
  Directive d;
  d.name = std::move(name);
  d.default_value = def ? "yes" : "no";
  d.help = std::move(help);
  d.runtime_mutable = mut;
  d.set = [field](Config& c, const std::vector<std::string>& a) -> std::string {
    if (a.size() != 1) return "wrong number of arguments";
    if (EqualsIgnoreCase(a[0], "yes")) {
      (c.*field).store(true);
    } else if (EqualsIgnoreCase(a[0], "no")) {
      (c.*field).store(false);
    } else {
      return "argument must be 'yes' or 'no'";
    }
    return "";
  };
  d.get = [field](const Config& c) { return (c.*field).load() ? "yes" : "no"; };
  return d;
}

}  // namespace

// Builds the directive table; it needs access to Config's private strings.
struct DirectiveBuilder {
  static Directive Str(std::string name, std::string Config::*field, std::string def, bool mut,
                       std::string help, std::function<std::string(const std::string&)> check =
                                             nullptr) {
    Directive d;
    d.name = std::move(name);
    d.default_value = def;
    d.help = std::move(help);
    d.runtime_mutable = mut;
    d.set = [field, check](Config& c, const std::vector<std::string>& a) -> std::string {
      if (a.size() != 1) return "wrong number of arguments";
      if (check) {
        std::string err = check(a[0]);
        if (!err.empty()) return err;
      }
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

  static void Build(Config& c) {
    auto& t = c.directives_;
    const int64_t kMax = INT64_MAX;
    t.push_back(IntDirective("port", &Config::port, 6379, 0, 65535, false, "TCP port to listen on"));
    {
      Directive d;
      d.name = "bind";
      d.default_value = "127.0.0.1 -::1";
      d.help = "addresses to listen on; a leading '-' makes an address optional";
      d.runtime_mutable = false;
      d.set = [](Config& c, const std::vector<std::string>& a) -> std::string {
        if (a.empty()) return "wrong number of arguments";
        std::vector<std::string> words;
        for (const auto& x : a) {
          std::istringstream is(x);
          std::string w;
          while (is >> w) words.push_back(w);
        }
        std::lock_guard lk(c.mu_);
        c.bind_ = words;
        return "";
      };
      d.get = [](const Config& c) {
        std::lock_guard lk(c.mu_);
        return Join(c.bind_);
      };
      t.push_back(std::move(d));
    }
    t.push_back(BoolDirective("protected-mode", &Config::protected_mode, true, true,
                              "refuse non-loopback clients when no password is set"));
    t.push_back(IntDirective("threads", &Config::threads, 0, 0, 1024, false,
                             "event-loop threads (0 = number of cores)"));
    t.push_back(IntDirective("databases", &Config::databases, 16, 1, 1 << 20, false,
                             "number of databases (SELECT 0..n-1)"));
    t.push_back(Str("requirepass", &Config::requirepass_, "", true,
                    "password clients must AUTH with (empty = none)"));
    t.push_back(IntDirective("maxclients", &Config::maxclients, 10000, 1, kMax, true,
                             "maximum simultaneous clients"));
    t.push_back(IntDirective("timeout", &Config::timeout, 0, 0, INT32_MAX, true,
                             "close clients idle for this many seconds (0 = never)"));
    t.push_back(IntDirective("tcp-keepalive", &Config::tcp_keepalive, 300, 0, INT32_MAX, true,
                             "TCP keepalive interval in seconds (0 = off)"));
    t.push_back(IntDirective("tcp-backlog", &Config::tcp_backlog, 511, 0, INT32_MAX, false,
                             "listen() backlog"));
    {
      Directive d;
      d.name = "loglevel";
      d.default_value = "notice";
      d.help = "debug, verbose, notice, warning or nothing";
      d.set = [](Config& c, const std::vector<std::string>& a) -> std::string {
        static const char* kLevels[] = {"debug", "verbose", "notice", "warning", "nothing"};
        if (a.size() != 1) return "wrong number of arguments";
        for (int i = 0; i < 5; ++i) {
          if (EqualsIgnoreCase(a[0], kLevels[i])) {
            c.loglevel.store(i);
            return "";
          }
        }
        return "argument(s) must be one of the following: debug, verbose, notice, warning, "
               "nothing";
      };
      d.get = [](const Config& c) {
        static const char* kLevels[] = {"debug", "verbose", "notice", "warning", "nothing"};
        return std::string(kLevels[c.loglevel.load()]);
      };
      t.push_back(std::move(d));
    }
    t.push_back(Str("logfile", &Config::logfile_, "", false,
                    "log file path (empty = standard output)"));
    {
      Directive d;
      d.name = "dir";
      d.default_value = "";
      d.help = "working directory for data files (default: the current directory)";
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
      t.push_back(std::move(d));
    }
    t.push_back(MemDirective("client-query-buffer-limit", &Config::client_query_buffer_limit,
                             "1073741824", 1024 * 1024, kMax, true,
                             "maximum query buffer of one client"));
    t.push_back(MemDirective("proto-max-bulk-len", &Config::proto_max_bulk_len, "536870912",
                             1024 * 1024, kMax, true, "maximum size of one bulk string"));
    t.push_back(IntDirective("slowlog-log-slower-than", &Config::slowlog_log_slower_than, 10000,
                             -1, kMax, true, "microseconds above which commands are logged"));
    t.push_back(IntDirective("slowlog-max-len", &Config::slowlog_max_len, 128, 0, LONG_MAX, true,
                             "entries kept in the slow log"));
    t.push_back(IntDirective("latency-monitor-threshold", &Config::latency_monitor_threshold, 0,
                             0, kMax, true, "milliseconds above which latency events are kept"));
    t.push_back(IntDirective("hz", &Config::hz, 10, 1, 500, true,
                             "background task frequency (active expiry, timeouts)"));
    t.push_back(MemDirective("maxmemory", &Config::maxmemory, "0", 0, kMax, true,
                             "memory limit (0 = none; eviction is not implemented yet)"));
    t.push_back(Str("maxmemory-policy", &Config::maxmemory_policy_, "noeviction", true,
                    "eviction policy (decides whether OBJECT FREQ is available)",
                    [](const std::string& v) -> std::string {
                      static const char* kPolicies[] = {
                          "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                          "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"};
                      for (const char* p : kPolicies)
                        if (EqualsIgnoreCase(v, p)) return "";
                      return "argument(s) must be one of the following: volatile-lru, "
                             "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
                             "allkeys-lfu, allkeys-random, noeviction";
                    }));
    {
      Directive d;
      d.name = "save";
      d.default_value = "";
      d.help = "snapshot schedule: pairs of <seconds> <changes> (persistence: upcoming)";
      d.set = [](Config& c, const std::vector<std::string>& a) -> std::string {
        std::vector<std::string> words;
        for (const auto& x : a) {
          std::istringstream is(x);
          std::string w;
          while (is >> w) words.push_back(w);
        }
        if (words.size() % 2 != 0) return "Invalid save parameters";
        for (const auto& w : words) {
          int64_t v;
          if (!ParseInt64(w, &v) || v < 0) return "Invalid save parameters";
        }
        std::lock_guard lk(c.mu_);
        c.save_ = words;
        return "";
      };
      d.get = [](const Config& c) {
        std::lock_guard lk(c.mu_);
        return Join(c.save_);
      };
      t.push_back(std::move(d));
    }
    t.push_back(Str("appendonly", &Config::appendonly_, "no", true,
                    "append-only file (persistence: upcoming)",
                    [](const std::string& v) -> std::string {
                      if (EqualsIgnoreCase(v, "yes") || EqualsIgnoreCase(v, "no")) return "";
                      return "argument must be 'yes' or 'no'";
                    }));
    t.push_back(Str("dbfilename", &Config::dbfilename_, "dump.rdb", true,
                    "snapshot file name (persistence: upcoming)"));
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
std::string Config::dir() const {
  std::lock_guard lk(mu_);
  return dir_;
}
std::string Config::maxmemory_policy() const {
  std::lock_guard lk(mu_);
  return maxmemory_policy_;
}
std::string Config::config_file() const {
  std::lock_guard lk(mu_);
  return config_file_;
}
void Config::set_config_file(std::string path) {
  std::lock_guard lk(mu_);
  config_file_ = std::move(path);
}

const Directive* Config::Find(std::string_view name) const {
  for (const auto& d : directives_)
    if (EqualsIgnoreCase(d.name, name)) return &d;
  return nullptr;
}

std::string Config::Set(std::string_view name, const std::vector<std::string>& args,
                        bool at_runtime) {
  const Directive* d = Find(name);
  if (d == nullptr) return "Bad directive or wrong number of arguments";
  if (at_runtime && !d->runtime_mutable) return "can't set immutable config";
  return d->set(*this, args);
}

std::string Config::LoadText(std::string_view text, std::string_view origin) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
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
      if (Find(name) == nullptr) {
        err = "Bad directive or wrong number of arguments";
      } else {
        err = Set(name, words, false);
      }
    }
    if (!err.empty()) {
      std::ostringstream o;
      o << "\n*** FATAL CONFIG FILE ERROR (Ember) ***\n"
        << "Reading the configuration " << origin << ", at line " << line_no << "\n"
        << ">>> '" << line << "'\n"
        << err << "\n";
      return o.str();
    }
    if (nl >= text.size()) break;
  }
  return "";
}

std::string Config::LoadArgs(int argc, char** argv) {
  int i = 1;
  std::string text;
  if (i < argc && strncmp(argv[i], "--", 2) != 0) {
    std::ifstream in(argv[i]);
    if (!in) return std::string("Fatal error, can't open config file '") + argv[i] + "': " +
                    strerror(errno);
    std::stringstream ss;
    ss << in.rdbuf();
    char buf[4096];
    std::string path = argv[i];
    if (path[0] != '/' && getcwd(buf, sizeof(buf))) path = std::string(buf) + "/" + path;
    set_config_file(path);
    std::string err = LoadText(ss.str(), "file");
    if (!err.empty()) return err;
    ++i;
  }
  // Command-line options become config lines: "--port 7000 --save 60 1" -> "port 7000\nsave 60 1".
  std::string line;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.size() > 2 && a.substr(0, 2) == "--") {
      if (!line.empty()) text += line + "\n";
      line = std::string(a.substr(2));
    } else {
      if (line.empty()) return std::string("Invalid option '") + argv[i] + "'";
      // Quote each value so spaces survive the line split.
      std::string q = "\"";
      for (char ch : a) {
        if (ch == '"' || ch == '\\') q += '\\';
        q += ch;
      }
      q += "\"";
      line += " " + q;
    }
  }
  if (!line.empty()) text += line + "\n";
  return LoadText(text, "command line");
}

std::string Config::Rewrite() const {
  std::string path = config_file();
  if (path.empty()) return "The server is running without a config file";
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  std::vector<bool> done(directives_.size(), false);
  std::vector<std::string> out;
  for (const auto& line : lines) {
    std::vector<std::string> words;
    if (!line.empty() && line[0] != '#' && resp::SplitInlineArgs(line, &words) && !words.empty()) {
      for (size_t k = 0; k < directives_.size(); ++k) {
        if (EqualsIgnoreCase(directives_[k].name, words[0])) {
          if (!done[k]) out.push_back(directives_[k].name + " \"" + directives_[k].get(*this) +
                                      "\"");
          done[k] = true;
          goto next;
        }
      }
    }
    out.push_back(line);
  next:;
  }
  for (size_t k = 0; k < directives_.size(); ++k) {
    if (done[k]) continue;
    std::string v = directives_[k].get(*this);
    if (v == directives_[k].default_value) continue;
    if (directives_[k].name == "dir") continue;
    out.push_back(directives_[k].name + " \"" + v + "\"");
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream o(tmp, std::ios::trunc);
    if (!o) return std::string("Rewriting config file: ") + strerror(errno);
    for (const auto& x : out) o << x << "\n";
    o.flush();
    if (!o) return std::string("Rewriting config file: ") + strerror(errno);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0)
    return std::string("Rewriting config file: ") + strerror(errno);
  return "";
}

std::string Config::HelpText() const {
  std::ostringstream o;
  o << "Usage: ember-server [/path/to/ember.conf] [--directive value ...]\n"
    << "       ember-server --version | -v\n"
    << "       ember-server --help | -h\n\n"
    << "Directives (config file lines 'name value', or --name value):\n";
  for (const auto& d : directives_) {
    std::string def = d.default_value.empty() ? "\"\"" : d.default_value;
    o << "  " << d.name;
    for (size_t i = d.name.size(); i < 28; ++i) o << ' ';
    o << "default " << def << (d.runtime_mutable ? "" : " (immutable)") << "\n      " << d.help
      << "\n";
  }
  return o.str();
}

}  // namespace ember::server
