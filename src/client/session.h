// A CLI session on top of a Transport: authenticates, selects the protocol and database after
// every (re)connect, remembers SELECT/AUTH/HELLO done by the user so a reconnect restores
// them, and retries a command once when the server went away (e.g. it restarted).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/reply.h"
#include "client/transport.h"

namespace ember::client {

struct SessionSettings {
  std::optional<std::string> user;
  std::optional<std::string> password;
  bool resp3 = false;
  int db = 0;
};

class Session {
 public:
  Session(std::unique_ptr<Transport> transport, SessionSettings settings)
      : transport_(std::move(transport)), settings_(std::move(settings)) {}

  // Connects and sends AUTH / HELLO 3 / SELECT as configured. On failure, *error holds a
  // message in redis-cli's words ("Could not connect to Redis at h:p: Connection refused",
  // "AUTH failed: ...").
  bool Connect(std::string* error);
  bool connected() const { return transport_->IsConnected(); }
  // Runs one command; reconnects first when needed and retries once after a lost connection.
  // False only when no reply could be had (then *error says why).
  bool Execute(const std::vector<std::string>& args, Reply* reply, std::string* error);

  // Called with each RESP3 push message that arrives while a command waits for its reply.
  void set_push_handler(std::function<void(const Reply&)> h) { on_push_ = std::move(h); }

  int db() const { return settings_.db; }
  bool resp3() const { return settings_.resp3; }
  Transport& transport() { return *transport_; }
  // "127.0.0.1:6379> ", "127.0.0.1:6379[1]> " or "not connected> ".
  std::string Prompt() const;

 private:
  void Remember(const std::vector<std::string>& args, const Reply& reply);

  std::unique_ptr<Transport> transport_;
  SessionSettings settings_;
  std::function<void(const Reply&)> on_push_;
};

}  // namespace ember::client
