// Server commands: INFO, CONFIG, COMMAND, TIME, SHUTDOWN, LASTSAVE, SLOWLOG, LATENCY, DEBUG.
#include "server/server_commands.h"
#include "server/session.h"

namespace ember::server {

void RegisterAdminCommands(cmd::CommandTable&) {}

}  // namespace ember::server
