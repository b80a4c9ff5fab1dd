// Registration entry points of the command families. Each family file ends with its table.
#pragma once

#include "cmd/command.h"

namespace ember::families {

void RegisterStringFamily(cmd::CommandTable& table);
void RegisterKeysFamily(cmd::CommandTable& table);
void RegisterExpireFamily(cmd::CommandTable& table);

}  // namespace ember::families
