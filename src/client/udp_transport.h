// The CLI's --udp transport: each command is one datagram to the server's UDP port and each
// reply is one datagram back. Stateless, like the server side: no AUTH, SELECT or HELLO.
#pragma once

#include <string>
#include <string_view>

#include "client/transport.h"

namespace ember::client {

class UdpTransport : public Transport {
 public:
  UdpTransport(std::string host, int port, int timeout_ms = 2000)
      : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}
  ~UdpTransport() override { Close(); }
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  // Creates the socket and fixes the peer address; nothing is sent.
  bool Connect(std::string* error) override;
  bool IsConnected() const override { return fd_ >= 0; }
  void Close() override;
  // `bytes` must hold exactly one command: it becomes one datagram.
  bool Send(std::string_view bytes, std::string* error) override;
  // Waits up to the timeout for one reply datagram.
  bool Receive(Reply* reply, std::string* error) override;
  std::string Name() const override { return host_ + ":" + std::to_string(port_) + " (udp)"; }

 private:
  std::string host_;
  int port_;
  int timeout_ms_;
  int fd_ = -1;
};

}  // namespace ember::client
