// The CLI's --embedded transport: an engine in this process, no server and no socket. With a
// data directory the engine loads the snapshot found there at start and saves one when the
// transport closes, so ember-server can later be started on the same directory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "client/transport.h"

namespace ember::server {
class Server;
class LocalClient;
}  // namespace ember::server

namespace ember::client {

class EmbeddedTransport : public Transport {
 public:
  explicit EmbeddedTransport(std::string dir);
  ~EmbeddedTransport() override;
  EmbeddedTransport(const EmbeddedTransport&) = delete;
  EmbeddedTransport& operator=(const EmbeddedTransport&) = delete;

  // Starts the engine (once; later calls only check it is still running).
  bool Connect(std::string* error) override;
  bool IsConnected() const override;
  void Close() override;
  bool Send(std::string_view bytes, std::string* error) override;
  bool Receive(Reply* reply, std::string* error) override;
  std::string Name() const override { return "embedded"; }

 private:
  std::string dir_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<server::LocalClient> client_;
  std::string replies_;  // reply bytes not yet handed out
};

}  // namespace ember::client
