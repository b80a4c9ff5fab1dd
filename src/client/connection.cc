#include "client/connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ember::client {

int DialSocket(const std::string& host, int port, int socktype, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    *error = gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  int last_errno = 0;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
    } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      last_errno = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) *error = std::strerror(last_errno);
  return fd;
}

bool TcpTransport::Connect(std::string* error) {
  Close();
  fd_ = DialSocket(host_, port_, SOCK_STREAM, error);
  if (fd_ < 0) return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

void TcpTransport::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  in_.clear();
}

bool TcpTransport::Send(std::string_view bytes, std::string* error) {
  if (fd_ < 0) {
    *error = "not connected";
    return false;
  }
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = std::strerror(errno);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool TcpTransport::Receive(Reply* reply, std::string* error) {
  if (fd_ < 0) {
    *error = "not connected";
    return false;
  }
  while (true) {
    if (!in_.empty()) {
      size_t used = 0;
      switch (ParseReply(in_, reply, &used, error)) {
        case ReplyParseStatus::kOk:
          in_.erase(0, used);
          return true;
        case ReplyParseStatus::kError:
          Close();
          return false;
        case ReplyParseStatus::kIncomplete:
          break;
      }
    }
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n == 0 ? "Server closed the connection" : std::strerror(errno);
      Close();
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    // Parsing restarts at the reply's first byte, so drain what has already arrived before
    // trying again: a big reply is then parsed a few times instead of once per 16 KB.
    while ((n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) > 0) in_.append(buf, n);
  }
}

}  // namespace ember::client
