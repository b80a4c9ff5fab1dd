// An in-process client of a Server: commands run through the same dispatcher as network
// clients (one implementation per command), without a socket. Used by the CLI's embedded mode
// and by libember. One LocalClient is used by one thread at a time; many LocalClients may run
// concurrently against one Server.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/command.h"
#include "server/connection.h"
#include "server/server.h"

namespace ember::server {

class LocalClient {
 public:
  // The server must be started (Start()) and outlive the client.
  explicit LocalClient(Server& server);
  ~LocalClient();
  LocalClient(const LocalClient&) = delete;
  LocalClient& operator=(const LocalClient&) = delete;

  // Runs one command; returns its reply as RESP bytes (RESP2 unless HELLO 3 was sent).
  std::string Execute(cmd::ArgList args);
  std::string Execute(const std::vector<std::string>& args);
  // Runs every complete request in `bytes` (RESP or inline, pipelined) and returns the
  // concatenated replies; an incomplete tail is kept for the next call.
  std::string Feed(std::string_view bytes);
  // True after QUIT (or a protocol error): the caller should stop.
  bool closed() const { return conn_->close_after_reply; }

 private:
  Server& server_;
  resp::ParserLimits limits_;
  std::unique_ptr<Connection> conn_;
  std::string pending_;
};

}  // namespace ember::server
