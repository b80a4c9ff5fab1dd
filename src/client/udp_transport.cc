#include "client/udp_transport.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ember::client {

bool UdpTransport::Connect(std::string* error) {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_);
  if (int rc = getaddrinfo(host_.c_str(), port.c_str(), &hints, &res); rc != 0) {
    *error = gai_strerror(rc);
    return false;
  }
  int last_errno = 0;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    // connect() on a datagram socket only fixes the peer: replies from others are ignored.
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd_ = fd;
      break;
    }
    last_errno = errno;
    close(fd);
  }
  freeaddrinfo(res);
  if (fd_ < 0) {
    *error = std::strerror(last_errno);
    return false;
  }
  return true;
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
