#include "families/families.h"
#include "server/server.h"
#include "server/server_commands.h"

namespace ember::server {

void RegisterAllCommands(cmd::CommandTable& table) {
  families::RegisterStringFamily(table);
  families::RegisterKeysFamily(table);
  families::RegisterExpireFamily(table);
  RegisterConnectionCommands(table);
  RegisterAdminCommands(table);
  RegisterCommandCommands(table);
}

}  // namespace ember::server
