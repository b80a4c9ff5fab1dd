#include "cmd/command.h"

#include <cctype>

#include "base/strutil.h"
#include "cmd/context.h"

namespace ember::cmd {

namespace {
std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}
}  // namespace

bool ArgIs(std::string_view arg, std::string_view word) { return EqualsIgnoreCase(arg, word); }

std::vector<std::string_view> CommandSpec::ExtractKeys(ArgList args) const {
  std::vector<std::string_view> out;
  ForEachKey(args, [&](std::string_view k) { out.push_back(k); });
  return out;
}

void CommandTable::Add(CommandSpec spec) {
  auto p = std::make_unique<CommandSpec>(std::move(spec));
  p->id = static_cast<int>(by_id_.size());
  by_id_.push_back(p.get());
  for (auto& sub : p->subcommands) {
    sub.id = static_cast<int>(by_id_.size());
    by_id_.push_back(&sub);
  }
  ordered_.push_back(p.get());
  map_[std::string_view(p->name)] = p.get();
  owned_.push_back(std::move(p));
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  char buf[64];
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i)
    buf[i] = static_cast<char>(tolower(static_cast<unsigned char>(name[i])));
  auto it = map_.find(std::string_view(buf, name.size()));
  return it == map_.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::FindSub(const CommandSpec& parent, std::string_view sub) {
  std::string full = parent.name + "|" + Lower(sub);
  for (const auto& s : parent.subcommands)
    if (s.name == full) return &s;
  return nullptr;
}

namespace {
// Redis formats these messages with printf's %s, which stops at the first NUL byte.
std::string_view UpToNul(std::string_view s) { return s.substr(0, s.find('\0')); }
}  // namespace

std::string UnknownCommandError(ArgList args) {
  std::string a;
  for (size_t i = 1; i < args.size() && a.size() < 128; ++i) {
    size_t room = 128 - a.size();
    a += "'";
    a.append(UpToNul(args[i]).substr(0, room));
    a += "' ";
  }
  std::string name(UpToNul(args[0]).substr(0, 128));
  return "ERR unknown command '" + name + "', with args beginning with: " + a;
}

std::string UnknownSubcommandError(std::string_view container, std::string_view sub) {
  std::string up(container);
  for (char& c : up) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return "ERR unknown subcommand '" + std::string(UpToNul(sub).substr(0, 128)) + "'. Try " + up +
         " HELP.";
}

std::string ArityError(std::string_view full_name) {
  return "ERR wrong number of arguments for '" + std::string(full_name) + "' command";
}

}  // namespace ember::cmd
