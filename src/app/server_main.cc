// ember-server: parses configuration, starts the server, waits for SHUTDOWN or a signal.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/thread.h"
#include "base/version.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

// jemalloc (ember-server's allocator: CMakeLists.txt) reads this at start-up. Its background
// thread returns freed pages to the OS, so an event loop never does (Redis configures its
// jemalloc the same way). Unused under other allocators.
extern "C" {
__attribute__((used)) const char* malloc_conf = "background_thread:true";
}

int main(int argc, char** argv) {
  using ember::server::Config;
  // Like redis-server, only the first argument may ask for the version or the usage.
  if (argc >= 2) {
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v")) {
      printf("Ember server v=%s redis_version=%s malloc=%s bits=%d\n", EMBER_VERSION,
             EMBER_REDIS_COMPAT_VERSION, ember::server::AllocatorName().c_str(),
             static_cast<int>(sizeof(void*) * 8));
      return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
      Config c;
      std::cout << c.HelpText();
      return 0;
    }
  }
  auto config = std::make_unique<Config>();
  std::string err = config->LoadArgs(argc, argv);
  if (!err.empty()) {
    fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  ember::server::LogInit(config->logfile(), config->loglevel.load());

  // Signals are taken synchronously by this thread; workers never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ember::server::Server server(std::move(config));
  err = server.LoadDataAtStartup();
  if (!err.empty()) {
    ember::server::LogWarning(err);
    return 1;
  }
  err = server.Start();
  if (!err.empty()) {
    ember::server::LogWarning(err);
    return 1;
  }
  // pidfile: written once listening, removed on a clean exit.
  std::string pidfile = server.config().pidfile();
  if (!pidfile.empty()) {
    FILE* f = fopen(pidfile.c_str(), "w");
    if (f) {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
    } else {
      ember::server::LogWarning("Failed to write PID file " + pidfile + ": " + strerror(errno));
      pidfile.clear();
    }
  }
  ember::server::LogNotice(std::string("Ember ") + EMBER_VERSION +
                           " ready to accept connections tcp on port " +
                           std::to_string(server.config().port.load()) + " (" +
                           std::to_string(server.workers().size()) + " threads)");

  std::thread signal_thread([&server, set] {
    ember::SetThreadName("ember-signal");
    int sig = 0;
    while (!server.shutting_down()) {
      timespec ts{0, 200'000'000};
      siginfo_t info;
      sig = sigtimedwait(&set, &info, &ts);
      if (sig == SIGTERM || sig == SIGINT) {
        ember::server::LogWarning(sig == SIGTERM ? "Received SIGTERM scheduling shutdown..."
                                                 : "Received SIGINT scheduling shutdown...");
        // Like Redis: with save points configured, the final snapshot must succeed first.
        if (!server.config().save().empty()) {
          server.StopBackgroundSave();
          ember::server::LogNotice("Saving the final RDB snapshot before exiting.");
          if (!server.SaveSnapshot().empty()) {
            ember::server::LogWarning(
                "Errors trying to shut down the server. Check the logs for more information.");
            continue;
          }
        }
        server.RequestShutdown();
      }
    }
  });
  server.Wait();
  signal_thread.join();
  if (!pidfile.empty()) unlink(pidfile.c_str());
  ember::server::LogNotice("Ember is now ready to exit, bye bye...");
  return 0;
}
