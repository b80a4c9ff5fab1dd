// Access to the calling connection from server-side command handlers.
#pragma once

#include "cmd/context.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/worker.h"

namespace ember::server {

inline Connection& Session(cmd::CommandContext& ctx) {
  return *static_cast<Connection*>(ctx.session);
}
inline Server& ServerOf(cmd::CommandContext& ctx) { return *static_cast<Server*>(ctx.server); }

}  // namespace ember::server
