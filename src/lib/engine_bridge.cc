#include "lib/engine_bridge.h"

#include <memory>

#include "server/config.h"
#include "server/local_client.h"
#include "server/log.h"
#include "server/server.h"

namespace ember::lib {

struct Engine {
  std::unique_ptr<server::Server> server;
};

struct Client {
  server::LocalClient local;
  explicit Client(server::Server& s) : local(s) {}
};

Engine* OpenEngine(const std::vector<std::pair<std::string, std::string>>& directives,
                   bool load_snapshot, std::string* error) {
  auto config = std::make_unique<server::Config>();
  // The library keeps data in memory unless asked: no AOF and no save schedule by default
  // (pass appendonly yes / save and dir); snapshots load when a dir is given.
  config->Set("appendonly", {"no"}, /*at_runtime=*/false);
  config->Set("save", {""}, /*at_runtime=*/false);  // no fork of the host process unless asked
  for (const auto& [name, value] : directives) {
    std::string err = config->Set(name, {value}, /*at_runtime=*/false);
    if (!err.empty()) {
      *error = "'" + name + "': " + err;
      return nullptr;
    }
  }
  server::LogSetLevel(static_cast<int>(config->loglevel.load()));  // logs go to stdout
  auto engine = std::make_unique<Engine>();
  engine->server = std::make_unique<server::Server>(std::move(config));
  bool load = load_snapshot || engine->server->config().appendonly.load() != 0;
  std::string err = load ? engine->server->LoadDataAtStartup() : std::string();
  if (err.empty()) err = engine->server->Start();
  if (!err.empty()) {
    *error = err;
    return nullptr;
  }
  return engine.release();
}

void CloseEngine(Engine* engine) {
  engine->server->RequestShutdown();
  delete engine;
}

Client* NewClient(Engine* engine) { return new Client(*engine->server); }
void FreeClient(Client* client) { delete client; }

std::string ClientExecute(Client* client, const std::vector<std::string>& argv) {
  return client->local.Execute(argv);
}

bool ClientClosed(const Client* client) { return client->local.closed(); }

}  // namespace ember::lib
