// The command registry: one CommandSpec per command (and per subcommand), driving dispatch,
// arity errors, key extraction for locking, COMMAND/COMMAND INFO/DOCS/GETKEYS and the CLI's
// hints. A family registers its commands with CommandTable::Add from its Register function.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ember {
class Database;
class LockSet;
}  // namespace ember

namespace ember::cmd {

using ArgList = std::span<const std::string_view>;  // args[0] is the command name

enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kFast = 1u << 2,
  kAdmin = 1u << 3,
  kNoScript = 1u << 4,
  kLoading = 1u << 5,
  kStale = 1u << 6,
  kNoAuth = 1u << 7,  // allowed before AUTH
  kDenyOom = 1u << 8,
  kPubSub = 1u << 9,
  kSkipSlowlog = 1u << 10,
  kNoMulti = 1u << 11,
  kBlocking = 1u << 12,
  kNoLock = 1u << 13,  // handler locks what it needs (whole-keyspace commands)
  kNoUdp = 1u << 14,   // needs connection state
  kRandom = 1u << 15,  // non-deterministic output (AOF rewrites it)
  kSkipMonitor = 1u << 16,
  kAllowBusy = 1u << 17,
  kSentinel = 1u << 18,
  kNoMandatoryKeys = 1u << 19,
  kMayReplicate = 1u << 20,
};

// Legacy key positions as COMMAND reports them: first, last (negative counts from the end),
// step. first == 0 means no keys.
struct KeyPositions {
  int first = 0;
  int last = 0;
  int step = 0;
};

struct CommandContext;
using Handler = void (*)(ArgList args, CommandContext& ctx);
// Keys of other databases, which key positions cannot name (MOVE and COPY ... DB n): calls
// `visit` with each key and its database. The dispatcher locks their partitions, and a
// snapshot in progress keeps those keys as they were (as for the command's own keys).
using KeyVisitor = const std::function<void(Database& db, std::string_view key)>&;
using OtherDbKeysFn = void (*)(ArgList args, CommandContext& ctx, KeyVisitor visit);

struct CommandSpec {
  std::string name;  // lowercase; "config|get" for subcommands
  int arity = 0;     // > 0 exact, < 0 minimum (counting the name)
  uint32_t flags = 0;
  KeyPositions keys;
  std::string summary;
  std::string syntax;  // arguments after the name, Redis docs notation
  std::string group;   // generic, string, connection, server, ...
  std::string since;
  std::string complexity;
  std::string acl_categories;  // "@keyspace @read @fast" style, without the flag-derived ones
  Handler handler = nullptr;
  OtherDbKeysFn other_db_keys = nullptr;
  std::vector<CommandSpec> subcommands;
  int id = -1;  // index into per-command statistics, assigned by the table

  bool is_write() const { return flags & kWrite; }
  // Keys of this invocation by key positions.
  std::vector<std::string_view> ExtractKeys(ArgList args) const;
  template <typename Fn>
  void ForEachKey(ArgList args, Fn&& fn) const {
    if (keys.first <= 0) return;
    int n = static_cast<int>(args.size());
    int last = keys.last < 0 ? n + keys.last : keys.last;
    int step = keys.step > 0 ? keys.step : 1;
    for (int i = keys.first; i <= last && i < n; i += step) fn(args[static_cast<size_t>(i)]);
  }
};

class CommandTable {
 public:
  void Add(CommandSpec spec);
  // Case-insensitive lookup of a top-level command; nullptr when unknown.
  const CommandSpec* Find(std::string_view name) const;
  // Subcommand of a container, case-insensitive; nullptr when unknown.
  static const CommandSpec* FindSub(const CommandSpec& parent, std::string_view sub);
  const std::vector<const CommandSpec*>& all() const { return ordered_; }
  // All commands and subcommands, by id.
  const std::vector<const CommandSpec*>& by_id() const { return by_id_; }
  size_t size() const { return ordered_.size(); }

 private:
  std::vector<std::unique_ptr<CommandSpec>> owned_;
  // Keys view the owned specs' names: lookups need no allocation.
  std::unordered_map<std::string_view, const CommandSpec*> map_;
  std::vector<const CommandSpec*> ordered_;
  std::vector<const CommandSpec*> by_id_;
};

// The exact Redis error strings for dispatch failures.
std::string UnknownCommandError(ArgList args);
std::string UnknownSubcommandError(std::string_view container, std::string_view sub);
std::string ArityError(std::string_view full_name);

}  // namespace ember::cmd
