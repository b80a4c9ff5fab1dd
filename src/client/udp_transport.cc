#include "client/udp_transport.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "client/connection.h"

namespace ember::client {

bool UdpTransport::Connect(std::string* error) {
  Close();
  // connect() on a datagram socket only fixes the peer: replies from others are ignored.
  fd_ = DialSocket(host_, port_, SOCK_DGRAM, error);
  return fd_ >= 0;
}

void UdpTransport::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool UdpTransport::Send(std::string_view bytes, std::string* error) {
  if (fd_ < 0) {
    *error = "not connected";
    return false;
  }
  ssize_t n = send(fd_, bytes.data(), bytes.size(), 0);
  if (n != static_cast<ssize_t>(bytes.size())) {
    *error = n < 0 ? std::strerror(errno) : "short datagram write";
    return false;
  }
  return true;
}

bool UdpTransport::Receive(Reply* reply, std::string* error) {
  if (fd_ < 0) {
    *error = "not connected";
    return false;
  }
  std::vector<char> buf(65536);
  pollfd p{fd_, POLLIN, 0};
  int r = poll(&p, 1, timeout_ms_);
  if (r <= 0) {
    *error = "no reply over UDP within " + std::to_string(timeout_ms_) +
             " ms (is the server's udp-port enabled?)";
    return false;
  }
  ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
  if (n < 0) {
    // ECONNREFUSED: an ICMP port unreachable came back for an earlier datagram.
    *error = errno == ECONNREFUSED ? "Connection refused (no UDP listener)" : std::strerror(errno);
    return false;
  }
  size_t used = 0;
  std::string_view data(buf.data(), static_cast<size_t>(n));
  if (ParseReply(data, reply, &used, error) != ReplyParseStatus::kOk || used != data.size()) {
    if (error->empty()) *error = "malformed reply datagram";
    return false;
  }
  return true;
}

}  // namespace ember::client
