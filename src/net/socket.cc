#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ember::net {

namespace {
std::string FormatAddr(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  return "?:0";
}
}  // namespace

int ListenTcp(const std::string& addr, int port, int backlog, bool reuse_port, std::string* err) {
  sockaddr_storage ss{};
  socklen_t len;
  int family;
  if (addr.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, addr == "*" ? "::" : addr.c_str(), &a->sin6_addr) != 1) {
      *err = "Invalid bind address '" + addr + "'";
      return -1;
    }
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, addr == "*" ? "0.0.0.0" : addr.c_str(), &a->sin_addr) != 1) {
      *err = "Invalid bind address '" + addr + "'";
      return -1;
    }
    len = sizeof(sockaddr_in);
    family = AF_INET;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) {
    *err = strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

int Accept(int listen_fd, std::string* peer) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  *peer = FormatAddr(ss);
  return fd;
}

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void SetKeepAlive(int fd, int interval_s) {
  if (interval_s <= 0) return;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  int idle = interval_s, intvl = interval_s / 3 > 0 ? interval_s / 3 : 1, cnt = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

std::string LocalAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
  return FormatAddr(ss);
}

Poller::Poller() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epfd_ < 0) throw std::runtime_error("epoll_create1 failed");
}

Poller::~Poller() { close(epfd_); }

static uint32_t ToEpoll(uint32_t ev) {
  uint32_t e = 0;
  if (ev & Poller::kRead) e |= EPOLLIN;
  if (ev & Poller::kWrite) e |= EPOLLOUT;
  if (ev & Poller::kExclusive) e |= EPOLLEXCLUSIVE;
  return e;
}

void Poller::Add(int fd, uint32_t events, uint64_t token) {
  epoll_event e{};
  e.events = ToEpoll(events);
  e.data.u64 = token;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &e);
}

void Poller::Modify(int fd, uint32_t events, uint64_t token) {
  epoll_event e{};
  e.events = ToEpoll(events);
  e.data.u64 = token;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &e);
}

void Poller::Remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

int Poller::Wait(Event* events, int max, int timeout_ms) {
  epoll_event evs[256];
  if (max > 256) max = 256;
  int n = epoll_wait(epfd_, evs, max, timeout_ms);
  if (n < 0) return 0;
  for (int i = 0; i < n; ++i) {
    events[i].token = evs[i].data.u64;
    events[i].readable = evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR);
    events[i].writable = evs[i].events & EPOLLOUT;
    events[i].error = evs[i].events & EPOLLERR;
  }
  return n;
}

Waker::Waker() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
Waker::~Waker() { close(fd_); }
void Waker::Wake() {
  uint64_t one = 1;
  ssize_t r = write(fd_, &one, sizeof(one));
  (void)r;
}
void Waker::Drain() {
  uint64_t v;
  ssize_t r = read(fd_, &v, sizeof(v));
  (void)r;
}

}  // namespace ember::net
