#include "server/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace ember::server {

namespace {
std::mutex g_mu;
FILE* g_out = nullptr;
std::atomic<int> g_level{2};

void Write(int level, char mark, const std::string& msg) {
  if (level < g_level.load()) return;
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  char ts[64];
  size_t n = strftime(ts, sizeof(ts), "%d %b %Y %H:%M:%S", &t);
  snprintf(ts + n, sizeof(ts) - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  std::lock_guard lk(g_mu);
  FILE* out = g_out ? g_out : stdout;
  fprintf(out, "%d:M %s %c %s\n", static_cast<int>(getpid()), ts, mark, msg.c_str());
  fflush(out);
}
}  // namespace

void LogInit(const std::string& path, int level) {
  g_level.store(level);
  if (!path.empty()) {
    FILE* f = fopen(path.c_str(), "a");
    if (f) g_out = f;
  }
}
void LogSetLevel(int level) { g_level.store(level); }
void LogDebug(const std::string& msg) { Write(0, '.', msg); }
void LogNotice(const std::string& msg) { Write(2, '*', msg); }
void LogWarning(const std::string& msg) { Write(3, '#', msg); }

}  // namespace ember::server
