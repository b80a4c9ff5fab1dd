// COMMAND and its subcommands: introspection of the command table (COUNT, LIST, INFO, DOCS,
// GETKEYS, GETKEYSANDFLAGS, HELP), in Redis 7.0's reply shapes.
//
// Everything is derived from the CommandSpecs: flags and ACL categories from the flag bits
// and the declared categories, one key spec from the legacy key positions, and the DOCS
// argument tree from the spec's syntax string (cmd/syntax.h). What a spec cannot express
// (per-argument `since`, history, command tips other than nondeterministic_output, precise
// key-spec access flags) is left out rather than invented.
#include <string>
#include <string_view>
#include <vector>

#include "base/strutil.h"
#include "cmd/syntax.h"
#include "server/server_commands.h"
#include "server/session.h"

namespace ember::server {

using cmd::ArgIs;
using cmd::ArgList;
using cmd::CommandContext;
using cmd::CommandSpec;
using cmd::CommandTable;

namespace {

struct FlagName {
  uint32_t flag;
  std::string_view name;
};

// In the order Redis 7.0 lists them. Ember-only bits (no-lock, no-udp) and the ones Redis
// does not report (sentinel, may_replicate, random: a tip since 7.0) are not shown.
constexpr FlagName kFlagNames[] = {
    {cmd::kWrite, "write"},
    {cmd::kReadOnly, "readonly"},
    {cmd::kDenyOom, "denyoom"},
    {cmd::kAdmin, "admin"},
    {cmd::kPubSub, "pubsub"},
    {cmd::kNoScript, "noscript"},
    {cmd::kBlocking, "blocking"},
    {cmd::kLoading, "loading"},
    {cmd::kStale, "stale"},
    {cmd::kSkipMonitor, "skip_monitor"},
    {cmd::kSkipSlowlog, "skip_slowlog"},
    {cmd::kFast, "fast"},
    {cmd::kNoAuth, "no_auth"},
    {cmd::kNoMandatoryKeys, "no_mandatory_keys"},
    {cmd::kNoMulti, "no_multi"},
    {cmd::kAllowBusy, "allow_busy"},
};

// Redis's ACL categories, in the order COMMAND INFO reports them.
constexpr std::string_view kCategories[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};

std::vector<std::string_view> FlagNames(const CommandSpec& spec) {
  std::vector<std::string_view> out;
  for (const auto& f : kFlagNames)
    if (spec.flags & f.flag) out.push_back(f.name);
  return out;
}

// The declared categories plus the ones Redis derives from the flags (write -> @write,
// readonly -> @read, admin -> @admin @dangerous, pubsub, fast, blocking, otherwise @slow).
std::vector<std::string> AclCategories(const CommandSpec& spec) {
  std::vector<std::string> declared;
  std::string_view s = spec.acl_categories;
  while (!s.empty()) {
    size_t sp = s.find(' ');
    std::string_view word = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    if (!word.empty() && word[0] == '@') word.remove_prefix(1);
    if (word.empty()) continue;
    std::string w(word);
    for (char& c : w) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    declared.push_back(std::move(w));
  }
  auto has = [&](std::string_view c) {
    for (const auto& d : declared)
      if (d == c) return true;
    return false;
  };
  auto add = [&](std::string_view c) {
    if (!has(c)) declared.emplace_back(c);
  };
  if (spec.flags & cmd::kWrite) add("write");
  if ((spec.flags & cmd::kReadOnly) && !has("scripting")) add("read");
  if (spec.flags & cmd::kAdmin) {
    add("admin");
    add("dangerous");
  }
  if (spec.flags & cmd::kPubSub) add("pubsub");
  if (spec.flags & cmd::kFast) add("fast");
  if (spec.flags & cmd::kBlocking) add("blocking");
  if (!(spec.flags & cmd::kFast) && !has("fast")) add("slow");

  std::vector<std::string> out;
  for (std::string_view c : kCategories)
    if (has(c)) out.emplace_back(c);
  for (const auto& d : declared) {
    bool known = false;
    for (std::string_view c : kCategories) known = known || c == d;
    if (!known) out.push_back(d);
  }
  return out;
}

bool HasKeys(const CommandSpec& spec) { return spec.keys.first > 0; }

// Access flags of the synthesised key spec (and GETKEYSANDFLAGS). Specs carry no per-key
// detail, so writes report the conservative RW + update and reads RO + access.
std::vector<std::string_view> KeySpecFlags(const CommandSpec& spec) {
  if (spec.flags & cmd::kWrite) return {"RW", "update"};
  if (spec.flags & cmd::kReadOnly) return {"RO", "access"};
  return {"RW", "access", "update"};
}

// "config|get" as well as "get", case-insensitively.
const CommandSpec* LookupFullName(const CommandTable& t, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return t.Find(name);
  const CommandSpec* parent = t.Find(name.substr(0, bar));
  std::string_view sub = name.substr(bar + 1);
  if (parent == nullptr || sub.find('|') != std::string_view::npos) return nullptr;
  return CommandTable::FindSub(*parent, sub);
}

// The command an argument vector runs (container plus subcommand), as GETKEYS resolves it.
const CommandSpec* LookupArgv(const CommandTable& t, ArgList argv) {
  const CommandSpec* spec = t.Find(argv[0]);
  if (spec == nullptr || spec->subcommands.empty() || argv.size() < 2) return spec;
  return CommandTable::FindSub(*spec, argv[1]);
}

void ReplyKeySpec(resp::ReplyWriter& w, const CommandSpec& spec) {
  w.MapHeader(3);
  w.Bulk("flags");
  auto flags = KeySpecFlags(spec);
  w.SetHeader(flags.size());
  for (auto f : flags) w.Simple(f);
  w.Bulk("begin_search");
  w.MapHeader(2);
  w.Bulk("type");
  w.Bulk("index");
  w.Bulk("spec");
  w.MapHeader(1);
  w.Bulk("index");
  w.Integer(spec.keys.first);
  w.Bulk("find_keys");
  w.MapHeader(2);
  w.Bulk("type");
  w.Bulk("range");
  w.Bulk("spec");
  w.MapHeader(3);
  w.Bulk("lastkey");
  w.Integer(spec.keys.last < 0 ? spec.keys.last : spec.keys.last - spec.keys.first);
  w.Bulk("keystep");
  w.Integer(spec.keys.step > 0 ? spec.keys.step : 1);
  w.Bulk("limit");
  w.Integer(0);
}

// COMMAND INFO's 10-element entry. Set vs array follows Redis 7.0 exactly, since RESP3
// clients see the difference: flags, categories, tips and key specs are sets, subcommands
// an array (an empty set when there are none).
void ReplyInfo(resp::ReplyWriter& w, const CommandSpec& spec) {
  w.ArrayHeader(10);
  w.Bulk(spec.name);
  w.Integer(spec.arity);
  auto flags = FlagNames(spec);
  w.SetHeader(flags.size());
  for (auto f : flags) w.Simple(f);
  w.Integer(spec.keys.first);
  w.Integer(spec.keys.last);
  w.Integer(spec.keys.step);
  auto cats = AclCategories(spec);
  w.SetHeader(cats.size());
  for (const auto& c : cats) w.Simple("@" + c);
  if (spec.flags & cmd::kRandom) {
    w.SetHeader(1);
    w.Bulk("nondeterministic_output");
  } else {
    w.SetHeader(0);
  }
  if (HasKeys(spec)) {
    w.SetHeader(1);
    ReplyKeySpec(w, spec);
  } else {
    w.SetHeader(0);
  }
  if (spec.subcommands.empty()) {
    w.SetHeader(0);
  } else {
    w.ArrayHeader(spec.subcommands.size());
    for (const auto& sub : spec.subcommands) ReplyInfo(w, sub);
  }
}

void ReplyArg(resp::ReplyWriter& w, const cmd::SyntaxArg& a, bool has_keys) {
  bool key_index = a.type == cmd::ArgType::kKey && has_keys;
  bool children = a.type == cmd::ArgType::kOneOf || a.type == cmd::ArgType::kBlock;
  std::vector<std::string_view> flags;
  if (a.optional) flags.push_back("optional");
  if (a.multiple) flags.push_back("multiple");
  if (a.multiple_token) flags.push_back("multiple_token");
  w.MapHeader(2 + key_index + !a.token.empty() + !flags.empty() + children);
  w.Bulk("name");
  w.Bulk(a.name);
  w.Bulk("type");
  w.Bulk(cmd::ArgTypeName(a.type));
  if (key_index) {
    w.Bulk("key_spec_index");
    w.Integer(0);
  }
  if (!a.token.empty()) {
    w.Bulk("token");
    w.Bulk(a.token);
  }
  if (!flags.empty()) {
    w.Bulk("flags");
    w.SetHeader(flags.size());
    for (auto f : flags) w.Simple(f);
  }
  if (children) {
    w.Bulk("arguments");
    w.ArrayHeader(a.args.size());
    for (const auto& c : a.args) ReplyArg(w, c, has_keys);
  }
}

// COMMAND DOCS's map for one command. A syntax string that does not parse yields no
// "arguments" (server_test checks that every registered syntax parses).
void ReplyDocs(resp::ReplyWriter& w, const CommandSpec& spec) {
  std::vector<cmd::SyntaxArg> args;
  if (!cmd::ParseSyntax(spec.syntax, &args, nullptr)) args.clear();
  w.MapHeader(4 + !args.empty() + !spec.subcommands.empty());
  w.Bulk("summary");
  w.Bulk(spec.summary);
  w.Bulk("since");
  w.Bulk(spec.since);
  w.Bulk("group");
  w.Bulk(spec.group);
  w.Bulk("complexity");
  w.Bulk(spec.complexity);
  if (!args.empty()) {
    w.Bulk("arguments");
    w.ArrayHeader(args.size());
    for (const auto& a : args) ReplyArg(w, a, HasKeys(spec));
  }
  if (!spec.subcommands.empty()) {
    w.Bulk("subcommands");
    w.MapHeader(spec.subcommands.size());
    for (const auto& sub : spec.subcommands) {
      w.Bulk(sub.name);
      ReplyDocs(w, sub);
    }
  }
}

const CommandTable& Table(CommandContext& ctx) { return ServerOf(ctx).commands(); }

// COMMAND with no subcommand: every top-level command.
void CommandAll(ArgList, CommandContext& ctx) {
  const auto& all = Table(ctx).all();
  ctx.reply->ArrayHeader(all.size());
  for (const CommandSpec* spec : all) ReplyInfo(*ctx.reply, *spec);
}

void CommandCount(ArgList, CommandContext& ctx) {
  ctx.reply->Integer(static_cast<int64_t>(Table(ctx).size()));
}

void CommandInfo(ArgList args, CommandContext& ctx) {
  if (args.size() == 2) return CommandAll(args, ctx);
  ctx.reply->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const CommandSpec* spec = LookupFullName(Table(ctx), args[i]);
    if (spec == nullptr) {
      ctx.reply->Null();
    } else {
      ReplyInfo(*ctx.reply, *spec);
    }
  }
}

void CommandDocs(ArgList args, CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (args.size() == 2) {
    specs = Table(ctx).all();
  } else {
    for (size_t i = 2; i < args.size(); ++i)
      if (const CommandSpec* spec = LookupFullName(Table(ctx), args[i])) specs.push_back(spec);
  }
  ctx.reply->MapHeader(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply->Bulk(spec->name);
    ReplyDocs(*ctx.reply, *spec);
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: names of commands
// and subcommands.
void CommandList(ArgList args, CommandContext& ctx) {
  enum { kAll, kModule, kAclCat, kPattern } filter = kAll;
  std::string_view value;
  if (args.size() == 5 && ArgIs(args[2], "filterby")) {
    value = args[4];
    if (ArgIs(args[3], "module")) {
      filter = kModule;
    } else if (ArgIs(args[3], "aclcat")) {
      filter = kAclCat;
    } else if (ArgIs(args[3], "pattern")) {
      filter = kPattern;
    } else {
      return ctx.Error("ERR syntax error");
    }
  } else if (args.size() != 2) {
    return ctx.Error("ERR syntax error");
  }
  std::vector<std::string_view> names;
  auto consider = [&](const CommandSpec& spec) {
    switch (filter) {
      case kAll:
        break;
      case kModule:
        return;  // Ember has no modules
      case kAclCat: {
        bool found = false;
        for (const auto& c : AclCategories(spec)) found = found || EqualsIgnoreCase(c, value);
        if (!found) return;
        break;
      }
      case kPattern:
        if (!GlobMatch(value, spec.name, true)) return;
        break;
    }
    names.push_back(spec.name);
  };
  for (const CommandSpec* spec : Table(ctx).all()) {
    consider(*spec);
    for (const auto& sub : spec->subcommands) consider(sub);
  }
  ctx.reply->ArrayHeader(names.size());
  for (auto n : names) ctx.reply->Bulk(n);
}

// GETKEYS and GETKEYSANDFLAGS: the keys of `args[2..]`, or false after replying an error.
bool KeysOf(ArgList args, CommandContext& ctx, const CommandSpec** spec_out,
            std::vector<std::string_view>* keys) {
  ArgList argv = args.subspan(2);
  const CommandSpec* spec = LookupArgv(Table(ctx), argv);
  if (spec == nullptr) {
    ctx.Error("ERR Invalid command specified");
    return false;
  }
  if (!HasKeys(*spec)) {
    ctx.Error("ERR The command has no key arguments");
    return false;
  }
  int argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
    ctx.Error("ERR Invalid number of arguments specified for command");
    return false;
  }
  *keys = spec->ExtractKeys(argv);
  if (keys->empty() && !(spec->flags & cmd::kNoMandatoryKeys)) {
    ctx.Error("ERR Invalid arguments specified for command");
    return false;
  }
  *spec_out = spec;
  return true;
}

void CommandGetKeys(ArgList args, CommandContext& ctx) {
  const CommandSpec* spec;
  std::vector<std::string_view> keys;
  if (!KeysOf(args, ctx, &spec, &keys)) return;
  ctx.reply->ArrayHeader(keys.size());
  for (auto k : keys) ctx.reply->Bulk(k);
}

void CommandGetKeysAndFlags(ArgList args, CommandContext& ctx) {
  const CommandSpec* spec;
  std::vector<std::string_view> keys;
  if (!KeysOf(args, ctx, &spec, &keys)) return;
  auto flags = KeySpecFlags(*spec);
  ctx.reply->ArrayHeader(keys.size());
  for (auto k : keys) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(k);
    ctx.reply->SetHeader(flags.size());
    for (auto f : flags) ctx.reply->Simple(f);
  }
}

void CommandHelp(ArgList, CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (std::string_view l : kLines) ctx.reply->Simple(l);
}

}  // namespace

void RegisterCommandCommands(cmd::CommandTable& t) {
  using namespace cmd;  // NOLINT
  auto sub = [](std::string name, int arity, std::string summary, std::string syntax,
                std::string since, std::string complexity, Handler handler) {
    return CommandSpec{.name = "command|" + std::move(name),
                       .arity = arity,
                       .flags = kLoading | kStale,
                       .summary = std::move(summary),
                       .syntax = std::move(syntax),
                       .group = "server",
                       .since = std::move(since),
                       .complexity = std::move(complexity),
                       .acl_categories = "@connection",
                       .handler = handler};
  };
  std::vector<CommandSpec> subs;
  subs.push_back(
      sub("count", 2, "Get total number of Redis commands", "", "2.8.13", "O(1)", CommandCount));
  subs.push_back(sub("list", -2, "Get an array of Redis command names",
                     "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]", "7.0.0",
                     "O(N) where N is the total number of Redis commands", CommandList));
  subs.push_back(sub("info", -2,
                     "Get array of specific Redis command details, or all when no argument is "
                     "given.",
                     "[command-name [command-name ...]]", "2.8.13",
                     "O(N) where N is the number of commands to look up", CommandInfo));
  subs.push_back(sub("docs", -2, "Get array of specific Redis command documentation",
                     "[command-name [command-name ...]]", "7.0.0",
                     "O(N) where N is the number of commands to look up", CommandDocs));
  subs.push_back(sub("getkeys", -4, "Extract keys given a full Redis command",
                     "command [arg [arg ...]]", "2.8.13",
                     "O(N) where N is the number of arguments to the command", CommandGetKeys));
  subs.push_back(
      sub("getkeysandflags", -4, "Extract keys and access flags given a full Redis command",
          "command [arg [arg ...]]", "7.0.0",
          "O(N) where N is the number of arguments to the command", CommandGetKeysAndFlags));
  subs.push_back(sub("help", 2, "Show helpful text about the different subcommands", "", "5.0.0",
                     "O(1)", CommandHelp));
  t.Add({.name = "command",
         .arity = -1,
         .flags = kLoading | kStale,
         .summary = "Get array of Redis command details",
         .syntax = "",
         .group = "server",
         .since = "2.8.13",
         .complexity = "O(N) where N is the total number of Redis commands",
         .acl_categories = "@connection",
         .handler = CommandAll,
         .subcommands = std::move(subs)});
}

}  // namespace ember::server
