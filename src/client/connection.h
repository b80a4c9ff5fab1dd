// A blocking TCP connection to a RESP server: the CLI's default Transport.
#pragma once

#include <string>
#include <string_view>

#include "client/transport.h"

namespace ember::client {

// Resolves host:port and connects a socket of `socktype` (SOCK_STREAM, SOCK_DGRAM) to the
// first address that accepts. Returns the fd, or -1 with *error set.
int DialSocket(const std::string& host, int port, int socktype, std::string* error);

class TcpTransport : public Transport {
 public:
  TcpTransport(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~TcpTransport() override { Close(); }
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  bool Connect(std::string* error) override;
  bool IsConnected() const override { return fd_ >= 0; }
  void Close() override;
  bool Send(std::string_view bytes, std::string* error) override;
  bool Receive(Reply* reply, std::string* error) override;
  std::string Name() const override { return host_ + ":" + std::to_string(port_); }

 private:
  std::string host_;
  int port_;
  int fd_ = -1;
  std::string in_;  // received bytes not yet parsed into a reply
};

}  // namespace ember::client
