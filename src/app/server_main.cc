// ember-server: parses configuration, starts the server, waits for SHUTDOWN or a signal.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include "base/version.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using ember::server::Config;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-v")) {
      printf("Ember server v=%s (Redis %s compatible) bits=64\n", EMBER_VERSION,
             EMBER_REDIS_COMPAT_VERSION);
      return 0;
    }
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
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
  err = server.Start();
  if (!err.empty()) {
    ember::server::LogWarning(err);
    return 1;
  }
  ember::server::LogNotice(std::string("Ember ") + EMBER_VERSION + " ready to accept connections tcp on port " +
                           std::to_string(server.config().port.load()) + " (" +
                           std::to_string(server.workers().size()) + " threads)");

  std::thread signal_thread([&server, set] {
    int sig = 0;
    while (!server.shutting_down()) {
      timespec ts{0, 200'000'000};
      siginfo_t info;
      sig = sigtimedwait(&set, &info, &ts);
      if (sig == SIGTERM || sig == SIGINT) {
        ember::server::LogWarning(sig == SIGTERM ? "Received SIGTERM scheduling shutdown..."
                                                 : "Received SIGINT scheduling shutdown...");
        server.RequestShutdown();
      }
    }
  });
  server.Wait();
  signal_thread.join();
  ember::server::LogNotice("Ember is now ready to exit, bye bye...");
  return 0;
}
