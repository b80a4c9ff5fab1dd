// ember-cli's command line, with redis-cli's option names and defaults. Pure parsing: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ember::client {

struct CliOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::optional<std::string> user;
  std::optional<std::string> password;
  bool no_auth_warning = false;
  bool password_on_command_line = false;  // -a or -u carried one: warn like redis-cli
  int db = 0;
  bool resp3 = false;
  // Output style: unset means raw when stdout is not a terminal, human form when it is.
  std::optional<bool> raw;
  long repeat = 1;      // -r: -1 repeats forever
  double interval = 0;  // -i: seconds between repeats (and --stat samples)
  bool interval_set = false;
  bool stdin_last_arg = false;  // -x
  bool pipe = false;
  bool latency = false;
  bool stat = false;
  bool udp = false;
  bool embedded = false;  // --embedded: run the engine in-process, no server
  std::string dir;  // --dir with --embedded: data directory (snapshot loaded and saved)  // --udp:
                    // talk to the server's UDP port (stateless, one datagram each)
  bool help = false;
  bool version = false;
  std::vector<std::string> command;  // what is left: a one-shot command
};

// Parses argv (without argv[0]). On error returns false with a message for stderr.
bool ParseCliOptions(const std::vector<std::string>& args, CliOptions* opts, std::string* error);

// Applies redis://[[user]:password@]host[:port][/db] (also rediss:// is refused).
bool ApplyUri(const std::string& uri, CliOptions* opts, std::string* error);

// The --help text.
std::string CliUsage();

}  // namespace ember::client
