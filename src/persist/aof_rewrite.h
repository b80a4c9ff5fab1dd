// The RESP form of an AOF base (aof-use-rdb-preamble no): the commands that recreate an
// entry. The base itself is written by persist::BackgroundSnapshot.
#pragma once

#include <cstdint>
#include <string>

#include "store/database.h"

namespace ember::persist {

// The RESP command(s) that recreate entry `e` (appended to *out). Each value type brings its
// own case here, as it brings its own RDB encoder.
void AppendEntryCommands(const Entry& e, std::string* out);

}  // namespace ember::persist
