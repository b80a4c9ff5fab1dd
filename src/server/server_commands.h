// Commands that need the server's own state (connections, config, statistics).
#pragma once

#include "cmd/command.h"

namespace ember::server {

void RegisterConnectionCommands(cmd::CommandTable& table);  // conn_commands.cc
void RegisterAdminCommands(cmd::CommandTable& table);       // admin_commands.cc
void RegisterCommandCommands(cmd::CommandTable& table);     // command_commands.cc

}  // namespace ember::server
