#include "client/cli_options.h"

#include <cstdlib>

#include "base/strutil.h"

namespace ember::client {

namespace {

bool ParseIntArg(const std::string& s, long lo, long hi, long* out) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < lo || v > hi) return false;
  *out = static_cast<long>(v);
  return true;
}

// Percent-decoding of the user and password parts of a URI.
std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      char* end = nullptr;
      long v = std::strtol(hex, &end, 16);
      if (end == hex + 2) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

bool ApplyUri(const std::string& uri, CliOptions* opts, std::string* error) {
  const std::string scheme = "redis://";
  if (uri.compare(0, scheme.size(), scheme) != 0) {
    *error = "Invalid URI scheme (only redis:// is supported)";
    return false;
  }
  std::string rest = uri.substr(scheme.size());
  if (size_t at = rest.rfind('@'); at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (size_t colon = cred.find(':'); colon != std::string::npos) {
      if (colon > 0) opts->user = PercentDecode(cred.substr(0, colon));
      opts->password = PercentDecode(cred.substr(colon + 1));
    } else {
      opts->password = PercentDecode(cred);
    }
    opts->password_on_command_line = true;
  }
  std::string hostport = rest;
  if (size_t slash = rest.find('/'); slash != std::string::npos) {
    hostport = rest.substr(0, slash);
    std::string db = rest.substr(slash + 1);
    long v;
    if (!db.empty()) {
      if (!ParseIntArg(db, 0, 1 << 30, &v)) {
        *error = "Invalid database number in URI: " + db;
        return false;
      }
      opts->db = static_cast<int>(v);
    }
  }
  std::string host = hostport;
  if (size_t colon = hostport.rfind(':'); colon != std::string::npos) {
    long port;
    if (!ParseIntArg(hostport.substr(colon + 1), 1, 65535, &port)) {
      *error = "Invalid port in URI: " + hostport.substr(colon + 1);
      return false;
    }
    opts->port = static_cast<int>(port);
    host = hostport.substr(0, colon);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (!host.empty()) opts->host = host;
  return true;
}

bool ParseCliOptions(const std::vector<std::string>& args, CliOptions* opts, std::string* error) {
  size_t i = 0;
  auto value = [&](const std::string& name, std::string* out) {
    if (i + 1 >= args.size()) {
      *error = "Unrecognized option or bad number of args for: '" + name + "'";
      return false;
    }
    *out = args[++i];
    return true;
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.empty() || a[0] != '-' || a == "-") break;  // the command starts here
    std::string v;
    long n;
    if (a == "-h" && value(a, &v)) {
      opts->host = v;
    } else if (a == "-p" && value(a, &v)) {
      if (!ParseIntArg(v, 0, 65535, &n)) {
        *error = "Invalid port: " + v;
        return false;
      }
      opts->port = static_cast<int>(n);
    } else if ((a == "-a" || a == "--pass") && value(a, &v)) {
      opts->password = v;
      opts->password_on_command_line = true;
    } else if (a == "--user" && value(a, &v)) {
      opts->user = v;
    } else if (a == "--no-auth-warning") {
      opts->no_auth_warning = true;
    } else if (a == "-n" && value(a, &v)) {
      if (!ParseIntArg(v, 0, 1 << 30, &n)) {
        *error = "Invalid database number: " + v;
        return false;
      }
      opts->db = static_cast<int>(n);
    } else if (a == "-u" && value(a, &v)) {
      if (!ApplyUri(v, opts, error)) return false;
    } else if (a == "-3") {
      opts->resp3 = true;
    } else if (a == "-2") {
      opts->resp3 = false;
    } else if (a == "--raw") {
      opts->raw = true;
    } else if (a == "--no-raw") {
      opts->raw = false;
    } else if (a == "-r" && value(a, &v)) {
      if (!ParseIntArg(v, -1, 1L << 62, &n)) {
        *error = "Invalid repeat count: " + v;
        return false;
      }
      opts->repeat = n;
    } else if (a == "-i" && value(a, &v)) {
      double d;
      if (!ParseDouble(v, &d) || d < 0) {
        *error = "Invalid interval: " + v;
        return false;
      }
      opts->interval = d;
      opts->interval_set = true;
    } else if (a == "-x") {
      opts->stdin_last_arg = true;
    } else if (a == "--pipe") {
      opts->pipe = true;
    } else if (a == "--latency") {
      opts->latency = true;
    } else if (a == "--stat") {
      opts->stat = true;
    } else if (a == "--udp") {
      opts->udp = true;
    } else if (a == "--embedded") {
      opts->embedded = true;
    } else if (a == "--dir" && value(a, &v)) {
      opts->dir = v;
    } else if (a == "--help") {
      opts->help = true;
    } else if (a == "-v" || a == "--version") {
      opts->version = true;
    } else {
      if (error->empty()) *error = "Unrecognized option or bad number of args for: '" + a + "'";
      return false;
    }
  }
  opts->command.assign(args.begin() + static_cast<long>(i), args.end());
  return true;
}

std::string CliUsage() {
  return "Usage: ember-cli [OPTIONS] [cmd [arg [arg ...]]]\n"
         "  -h <hostname>      Server hostname (default: 127.0.0.1).\n"
         "  -p <port>          Server port (default: 6379).\n"
         "  -a <password>      Password to use when connecting to the server.\n"
         "  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.\n"
         "  --pass <password>  Alias of -a for consistency with the new --user option.\n"
         "  --no-auth-warning  Don't show warning message when using password on command\n"
         "                     line interface.\n"
         "  -u <uri>           Server URI: redis://user:password@host:port/dbnum\n"
         "  -n <db>            Database number.\n"
         "  -3                 Start session in RESP3 protocol mode.\n"
         "  -r <repeat>        Execute specified command N times (-1: forever).\n"
         "  -i <interval>      When -r is used, waits <interval> seconds per command.\n"
         "                     Sub-second times like -i 0.1 are possible.\n"
         "  -x                 Read last argument from STDIN.\n"
         "  --raw              Use raw formatting for replies (default when STDOUT is\n"
         "                     not a tty).\n"
         "  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
         "  --embedded         Run the engine in this process: no server, no socket.\n"
         "  --dir <path>       With --embedded: data directory; its dump.rdb is loaded at\n"
         "                     start and saved at exit (ember-server can then use it).\n"
         "  --udp              Send each command as one datagram to the server's UDP port\n"
         "                     (-p; the server needs --udp-port). Stateless: no -a, -n, -3.\n"
         "  --pipe             Transfer raw Redis protocol from stdin to server.\n"
         "  --latency          Enter a special mode continuously sampling latency.\n"
         "  --stat             Print rolling stats about server: mem, clients, ...\n"
         "  --help             Output this help and exit.\n"
         "  --version          Output version and exit.\n"
         "\n"
         "Examples:\n"
         "  ember-cli SET key value\n"
         "  cat /etc/passwd | ember-cli -x SET mypasswd\n"
         "  ember-cli -r 100 LPUSH mylist x\n"
         "  ember-cli -r 100 -i 1 INFO | grep used_memory_human:\n"
         "  ember-cli -u redis://user:secret@127.0.0.1:6379/0 PING\n"
         "\n"
         "When no command is given, ember-cli starts in interactive mode.\n"
         "Type \"help\" in interactive mode for information on available commands.\n";
}

}  // namespace ember::client
