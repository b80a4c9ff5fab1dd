// Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PERSIST, ...
#include "cmd/context.h"
#include "families/families.h"

namespace ember::families {

void RegisterExpireFamily(cmd::CommandTable&) {}

}  // namespace ember::families
