// Generic key commands: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY, ...
#include "cmd/context.h"
#include "families/families.h"

namespace ember::families {

void RegisterKeysFamily(cmd::CommandTable&) {}

}  // namespace ember::families
