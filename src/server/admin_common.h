// Helpers shared by the server-side admin command files (admin_commands.cc,
// config_commands.cc).
#pragma once

#include <initializer_list>
#include <string_view>

#include "cmd/context.h"
#include "server/connection.h"

namespace ember::server {

// Redis's HELP reply: "<NAME> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the
// given lines, then "HELP" / "    Prints this help.", each a simple string.
void ReplyHelp(cmd::CommandContext& ctx, std::string_view name,
               std::initializer_list<std::string_view> lines);

// Whether the client connects from the loopback interface (enable-debug-command local,
// enable-protected-configs local).
bool IsLocalClient(const Connection& c);

// Registers CONFIG (config_commands.cc); called by RegisterAdminCommands.
void RegisterConfigCommands(cmd::CommandTable& table);

}  // namespace ember::server
