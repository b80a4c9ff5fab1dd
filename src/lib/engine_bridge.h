// The seam between libember's public types and the engine. The public header declares
// ember::Database, which would clash with the keyspace's internal ember::Database, so the two
// never meet in one translation unit: this header is all ember.cc sees of the engine.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ember::lib {

struct Engine;
struct Client;

// Starts an engine with the given directives (no network); null and *error on failure.
Engine* OpenEngine(const std::vector<std::pair<std::string, std::string>>& directives,
                   bool load_snapshot, std::string* error);
void CloseEngine(Engine* engine);

Client* NewClient(Engine* engine);
void FreeClient(Client* client);
// Runs one command; returns the RESP reply bytes.
std::string ClientExecute(Client* client, const std::vector<std::string>& argv);
bool ClientClosed(const Client* client);

}  // namespace ember::lib
