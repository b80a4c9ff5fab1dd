// Redis-style log lines ("pid:M 22 Nov 2026 10:00:00.000 * message") to stdout or logfile.
#pragma once

#include <string>

namespace ember::server {

void LogInit(const std::string& path, int level);
void LogSetLevel(int level);
void LogDebug(const std::string& msg);
void LogNotice(const std::string& msg);
void LogWarning(const std::string& msg);

}  // namespace ember::server
