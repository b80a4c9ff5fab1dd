// ember-cli: a command-line client with redis-cli's habits (options, output formats,
// interactive prompt with history and hints). Everything that can be tested without a
// terminal lives in src/client/; this file wires it to argv, stdin, stdout and the terminal.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/embedded_transport.h"
#include "base/strutil.h"
#include "base/version.h"
#include "client/cli_options.h"
#include "client/command_help.h"
#include "client/connection.h"
#include "client/format.h"
#include "client/reply.h"
#include "client/session.h"
#include "client/udp_transport.h"
#include "resp/parser.h"

#ifdef EMBER_HAVE_LIBEDIT
#include <histedit.h>
#endif

namespace ember::client {
namespace {

using Clock = std::chrono::steady_clock;

void Write(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

void SleepSeconds(double s) {
  if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

std::string ReadAllStdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// One-shot mode: run the command (-r times), print each reply; exit 1 if a reply was an error
// or the server could not be reached.
int RunOneShot(Session& session, const CliOptions& opts, OutputMode mode) {
  std::vector<std::string> args = opts.command;
  if (opts.stdin_last_arg) args.push_back(ReadAllStdin());
  int status = 0;
  for (long i = 0; opts.repeat < 0 || i < opts.repeat; ++i) {
    Reply reply;
    std::string error;
    if (!session.Execute(args, &reply, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    Write(FormatReply(reply, mode));
    if (reply.type == ReplyType::kError) status = 1;
    if (opts.repeat < 0 || i + 1 < opts.repeat) SleepSeconds(opts.interval);
  }
  return status;
}

// Commands read from a non-terminal stdin, one per line (`ember-cli < commands.txt`).
int RunStdinLines(Session& session, OutputMode mode) {
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> args;
    if (!resp::SplitInlineArgs(line, &args)) {
      std::fprintf(stderr, "Invalid argument(s)\n");
      status = 1;
      continue;
    }
    if (args.empty()) continue;
    Reply reply;
    std::string error;
    if (!session.Execute(args, &reply, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    Write(FormatReply(reply, mode));
    if (reply.type == ReplyType::kError) status = 1;
  }
  return status;
}

// --pipe: stream stdin (RESP) to the server while counting replies; an ECHO with a random
// marker after the data tells when the last reply has arrived.
int RunPipe(Session& session) {
  std::string data = ReadAllStdin();
  std::mt19937_64 rng(std::random_device{}());
  char marker[41];
  std::snprintf(marker, sizeof marker, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  data += EncodeCommand({"ECHO", marker});
  Transport& t = session.transport();
  bool sent = false;
  std::string send_error;
  std::thread writer([&] { sent = t.Send(data, &send_error); });
  long replies = 0, errors = 0;
  int status = 0;
  while (true) {
    Reply reply;
    std::string error;
    if (!t.Receive(&reply, &error)) {
      std::fprintf(stderr, "Error reading from the server: %s\n", error.c_str());
      status = 1;
      break;
    }
    if (reply.type == ReplyType::kString && reply.str == marker) break;
    ++replies;
    if (reply.type == ReplyType::kError) {
      ++errors;
      Write(reply.str + "\n");
    }
  }
  writer.join();
  if (!sent && status == 0) {
    std::fprintf(stderr, "Error writing to the server: %s\n", send_error.c_str());
    status = 1;
  }
  if (status == 0) {
    Write("All data transferred. Waiting for the last reply...\n");
    Write("Last reply received from server.\n");
    Write("errors: " + std::to_string(errors) + ", replies: " + std::to_string(replies) + "\n");
  }
  return status == 0 && errors == 0 ? 0 : 1;
}

// --latency: PING in a loop; the line is redrawn on a terminal, printed once a second otherwise.
int RunLatency(Session& session, bool tty) {
  int64_t min = -1, max = 0, count = 0;
  double total = 0;
  auto last_print = Clock::now();
  while (true) {
    auto t0 = Clock::now();
    Reply reply;
    std::string error;
    if (!session.Execute({"PING"}, &reply, &error)) {
      std::fprintf(stderr, "\n%s\n", error.c_str());
      return 1;
    }
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    if (min < 0 || ms < min) min = ms;
    if (ms > max) max = ms;
    total += static_cast<double>(ms);
    ++count;
    char line[128];
    std::snprintf(line, sizeof line, "min: %lld, max: %lld, avg: %.2f (%lld samples)",
                  static_cast<long long>(min), static_cast<long long>(max), total / count,
                  static_cast<long long>(count));
    if (tty) {
      Write(std::string("\x1b[0G\x1b[2K") + line);
    } else if (Clock::now() - last_print >= std::chrono::seconds(1)) {
      Write(std::string(line) + "\n");
      last_print = Clock::now();
    }
    SleepSeconds(0.01);
  }
}

// The value of "field:" in an INFO text, or "".
std::string InfoField(const std::string& info, const std::string& field) {
  size_t pos = 0;
  while ((pos = info.find(field + ":", pos)) != std::string::npos) {
    if (pos == 0 || info[pos - 1] == '\n') {
      size_t start = pos + field.size() + 1;
      size_t end = info.find_first_of("\r\n", start);
      return info.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    pos += field.size();
  }
  return "";
}

int64_t TotalKeys(const std::string& info) {
  int64_t total = 0;
  for (size_t pos = 0; (pos = info.find("keys=", pos)) != std::string::npos; pos += 5)
    total += std::atoll(info.c_str() + pos + 5);
  return total;
}

// --stat: one line of server figures per interval, with a header every 20 lines.
int RunStat(Session& session, double interval) {
  int64_t last_requests = -1;
  for (long line = 0;; ++line) {
    Reply reply;
    std::string error;
    if (!session.Execute({"INFO"}, &reply, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    if (reply.type == ReplyType::kError) {
      std::fprintf(stderr, "ERROR: %s\n", reply.str.c_str());
      return 1;
    }
    const std::string& info = reply.str;
    if (line % 20 == 0) {
      Write("------- data ------ --------------------- load -------------------- - child -\n");
      Write("keys       mem      clients blocked requests            connections          \n");
    }
    int64_t requests = std::atoll(InfoField(info, "total_commands_processed").c_str());
    std::string req = std::to_string(requests);
    if (last_requests >= 0) req += " (+" + std::to_string(requests - last_requests) + ")";
    last_requests = requests;
    char buf[256];
    std::snprintf(
        buf, sizeof buf, "%-11lld%-9s%-8s%-8s%-20s%-21s\n", static_cast<long long>(TotalKeys(info)),
        InfoField(info, "used_memory_human").c_str(), InfoField(info, "connected_clients").c_str(),
        InfoField(info, "blocked_clients").c_str(), req.c_str(),
        InfoField(info, "total_connections_received").c_str());
    Write(buf);
    SleepSeconds(interval);
  }
}

// ---------------------------------------------------------------------------------------
// Interactive mode.

class LineReader {
 public:
  virtual ~LineReader() = default;
  // False on end of input (Ctrl-D).
  virtual bool ReadLine(const std::string& prompt, std::string* line) = 0;
  virtual void AddHistory(const std::string& line) = 0;
};

class PlainLineReader : public LineReader {
 public:
  bool ReadLine(const std::string& prompt, std::string* line) override {
    Write(prompt);
    return static_cast<bool>(std::getline(std::cin, *line));
  }
  void AddHistory(const std::string&) override {}
};

#ifdef EMBER_HAVE_LIBEDIT
// libedit with persistent history. Hints: libedit has no "ghost text" after the cursor, so the
// hint is its right-hand prompt, refreshed on every key that changes the line.
class EditLineReader : public LineReader {
 public:
  EditLineReader(const HelpTable* help, std::string history_path)
      : help_(help), history_path_(std::move(history_path)) {
    el_ = el_init("ember-cli", stdin, stdout, stderr);
    history_ = history_init();
    HistEvent ev;
    history(history_, &ev, H_SETSIZE, 1000);
    history(history_, &ev, H_SETUNIQUE, 1);
    if (!history_path_.empty()) history(history_, &ev, H_LOAD, history_path_.c_str());
    el_set(el_, EL_EDITOR, "emacs");
    el_set(el_, EL_SIGNAL, 1);
    el_set(el_, EL_CLIENTDATA, this);
    el_set(el_, EL_HIST, history, history_);
    el_set(el_, EL_PROMPT, &EditLineReader::PromptFn);
    el_set(el_, EL_RPROMPT, &EditLineReader::HintFn);
    el_wset(el_, EL_ADDFN, L"ember-insert", L"insert and refresh the hint",
            &EditLineReader::Insert);
    el_wset(el_, EL_ADDFN, L"ember-backspace", L"delete and refresh the hint",
            &EditLineReader::Backspace);
    for (int c = 0x20; c < 0x7f; ++c) {
      if (c == '-' || c == '^' || c == '\\') continue;  // special to el_set's bind parser
      char key[2] = {static_cast<char>(c), 0};
      el_set(el_, EL_BIND, key, "ember-insert", nullptr);
    }
    el_set(el_, EL_BIND, "^?", "ember-backspace", nullptr);
    // Ctrl-C at the prompt ends the session like redis-cli's (and leaves the parent shell
    // alone): it reaches us as a key instead of a signal while a line is being edited.
    el_set(el_, EL_SETTY, "-d", "-isig", nullptr);
    el_wset(el_, EL_ADDFN, L"ember-interrupt", L"end the session", &EditLineReader::Interrupt);
    el_set(el_, EL_BIND, "^C", "ember-interrupt", nullptr);
    el_set(el_, EL_BIND, "^H", "ember-backspace", nullptr);
    el_source(el_, nullptr);  // ~/.editrc, as every libedit program does
  }
  ~EditLineReader() override {
    el_end(el_);
    history_end(history_);
  }

  bool ReadLine(const std::string& prompt, std::string* line) override {
    prompt_ = prompt;
    int count = 0;
    const char* text = el_gets(el_, &count);
    if (text == nullptr || count <= 0) {
      Write("\n");  // Ctrl-D or Ctrl-C: leave the terminal on a fresh line
      return false;
    }
    line->assign(text, static_cast<size_t>(count));
    while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
    return true;
  }

  void AddHistory(const std::string& line) override {
    HistEvent ev;
    history(history_, &ev, H_ENTER, line.c_str());
    if (!history_path_.empty()) history(history_, &ev, H_SAVE, history_path_.c_str());
  }

 private:
  static EditLineReader* Self(EditLine* el) {
    void* p = nullptr;
    el_get(el, EL_CLIENTDATA, &p);
    return static_cast<EditLineReader*>(p);
  }
  static char* PromptFn(EditLine* el) { return Self(el)->prompt_.data(); }
  static char* HintFn(EditLine* el) {
    EditLineReader* self = Self(el);
    const LineInfo* li = el_line(el);
    std::string_view typed(li->buffer, static_cast<size_t>(li->lastchar - li->buffer));
    self->hint_ = self->help_->Hint(typed);
    // libedit drops a right prompt that does not fit: shorten it instead.
    int cols = 80;
    el_get(el, EL_GETTC, "co", &cols);
    const long room = static_cast<long>(cols) - static_cast<long>(self->prompt_.size()) -
                      static_cast<long>(typed.size()) - 3;
    if (static_cast<long>(self->hint_.size()) > room)
      self->hint_ = room > 3 ? self->hint_.substr(0, static_cast<size_t>(room - 3)) + "..." : "";
    return self->hint_.data();
  }
  static unsigned char Insert(EditLine* el, int ch) {
    char s[2] = {static_cast<char>(ch), 0};
    if (el_insertstr(el, s) != 0) return CC_ERROR;
    return CC_REDISPLAY;
  }
  static unsigned char Interrupt(EditLine*, int) { return CC_EOF; }
  static unsigned char Backspace(EditLine* el, int) {
    const LineInfo* li = el_line(el);
    if (li->cursor == li->buffer) return CC_ERROR;
    el_deletestr(el, 1);
    return CC_REDISPLAY;
  }

  const HelpTable* help_;
  std::string history_path_;
  EditLine* el_ = nullptr;
  History* history_ = nullptr;
  std::string prompt_;
  std::string hint_;
};
#endif

std::string HistoryPath() {
  if (const char* p = std::getenv("EMBER_CLI_HISTFILE")) return p;
  if (const char* home = std::getenv("HOME")) return std::string(home) + "/.ember_cli_history";
  return "";
}

// Loads the hints and HELP texts once the server answers COMMAND DOCS (it may first want
// AUTH); a server that never does is asked a bounded number of times.
void LoadHelp(Session& session, HelpTable* help, int* attempts) {
  if (!help->empty() || !session.connected() || *attempts >= 10) return;
  ++*attempts;
  Reply docs;
  std::string error;
  if (session.Execute({"COMMAND", "DOCS"}, &docs, &error) && docs.IsAggregate()) help->Load(docs);
}

bool IsAuthCommand(const std::vector<std::string>& args) {
  return !args.empty() && (EqualsIgnoreCase(args[0], "auth") ||
                           (EqualsIgnoreCase(args[0], "hello") && args.size() > 2));
}

int RunInteractive(Session& session, bool connected) {
  HelpTable help;
  int help_attempts = 0;
  if (connected) LoadHelp(session, &help, &help_attempts);
  std::unique_ptr<LineReader> reader;
#ifdef EMBER_HAVE_LIBEDIT
  if (isatty(STDIN_FILENO)) reader = std::make_unique<EditLineReader>(&help, HistoryPath());
#endif
  if (!reader) reader = std::make_unique<PlainLineReader>();
  std::string line;
  while (reader->ReadLine(session.Prompt(), &line)) {
    std::vector<std::string> args;
    if (!resp::SplitInlineArgs(line, &args)) {
      Write("Invalid argument(s)\n");
      continue;
    }
    if (args.empty()) continue;
    if (!IsAuthCommand(args)) reader->AddHistory(line);
    if (EqualsIgnoreCase(args[0], "quit") || EqualsIgnoreCase(args[0], "exit")) break;
    if (EqualsIgnoreCase(args[0], "clear") && args.size() == 1) {
      Write("\x1b[H\x1b[2J");
      continue;
    }
    if (EqualsIgnoreCase(args[0], "help")) {
      LoadHelp(session, &help, &help_attempts);
      Write(help.HelpText(std::vector<std::string>(args.begin() + 1, args.end()), EMBER_VERSION));
      continue;
    }
    // "3 INCR x" runs the command three times, as in redis-cli.
    long times = 1;
    int64_t n;
    if (args.size() > 1 && ParseInt64(args[0], &n) && n > 0) {
      times = static_cast<long>(n);
      args.erase(args.begin());
    }
    for (long i = 0; i < times; ++i) {
      Reply reply;
      std::string error;
      if (!session.Execute(args, &reply, &error)) {
        Write(error + "\n");
        break;
      }
      Write(FormatReply(reply, OutputMode::kTty));
    }
    LoadHelp(session, &help, &help_attempts);
  }
  return 0;
}

int Main(int argc, char** argv) {
  CliOptions opts;
  std::string error;
  if (!ParseCliOptions(std::vector<std::string>(argv + 1, argv + argc), &opts, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (opts.help) {
    Write(CliUsage());
    return 0;
  }
  if (opts.version) {
    Write("ember-cli " EMBER_VERSION " (redis-cli " EMBER_REDIS_COMPAT_VERSION " compatible)\n");
    return 0;
  }
  if (opts.password_on_command_line && !opts.no_auth_warning) {
    std::fprintf(stderr,
                 "Warning: Using a password with '-a' or '-u' option on the command line "
                 "interface may not be safe.\n");
  }
  const bool tty_out = isatty(STDOUT_FILENO);
  const OutputMode mode = opts.raw.value_or(!tty_out) ? OutputMode::kRaw : OutputMode::kTty;
  SessionSettings settings{opts.user, opts.password, opts.resp3, opts.db};
  std::unique_ptr<Transport> transport;
  if (opts.embedded) {
    transport = std::make_unique<EmbeddedTransport>(opts.dir);
  } else if (opts.udp) {
    // UDP requests carry no connection state: AUTH, SELECT and HELLO would be refused.
    if (opts.password || opts.db != 0 || opts.resp3 || opts.pipe) {
      std::fprintf(stderr, "--udp cannot be combined with -a/--user/--pass, -n, -3 or --pipe\n");
      return 1;
    }
    transport = std::make_unique<UdpTransport>(opts.host, opts.port);
  } else {
    transport = std::make_unique<TcpTransport>(opts.host, opts.port);
  }
  Session session(std::move(transport), settings);

  // Like redis-cli: push messages are shown on a terminal only.
  if (tty_out)
    session.set_push_handler([](const Reply& push) { Write(FormatReply(push, OutputMode::kTty)); });
  const bool interactive =
      opts.command.empty() && !opts.pipe && !opts.latency && !opts.stat && isatty(STDIN_FILENO);
  bool connected = session.Connect(&error);
  if (!connected) {
    std::fprintf(stderr, "%s\n", error.c_str());
    if (!interactive) return 1;
  }
  if (opts.pipe) return RunPipe(session);
  if (opts.latency) return RunLatency(session, tty_out);
  if (opts.stat) return RunStat(session, opts.interval_set ? opts.interval : 1.0);
  if (!opts.command.empty()) return RunOneShot(session, opts, mode);
  if (!interactive) return RunStdinLines(session, mode);
  return RunInteractive(session, connected);
}

}  // namespace
}  // namespace ember::client

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  return ember::client::Main(argc, argv);
}
