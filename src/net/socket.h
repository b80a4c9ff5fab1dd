// Thin helpers over BSD sockets and epoll. No protocol knowledge lives here.
#pragma once

#include <cstdint>
#include <string>

namespace ember::net {

// Opens a non-blocking listening TCP socket on addr:port with SO_REUSEADDR and, when
// reuse_port, SO_REUSEPORT (one listener per event-loop thread). Returns fd or -1 with *err.
int ListenTcp(const std::string& addr, int port, int backlog, bool reuse_port, std::string* err);
// Accepts one connection (non-blocking, close-on-exec); -1 when none is pending.
int Accept(int listen_fd, std::string* peer);
void SetNoDelay(int fd);
void SetKeepAlive(int fd, int interval_s);
// "ip:port" of the local end of fd.
std::string LocalAddress(int fd);

// epoll wrapper owned by one thread.
class Poller {
 public:
  Poller();
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;
  enum : uint32_t {
    kRead = 1,
    kWrite = 2,
    kExclusive = 4
  };  // kExclusive: EPOLLEXCLUSIVE (Add only)
  void Add(int fd, uint32_t events, uint64_t token);
  void Modify(int fd, uint32_t events, uint64_t token);
  void Remove(int fd);
  struct Event {
    uint64_t token;
    bool readable;
    bool writable;
    bool error;
  };
  // Waits up to timeout_ms; fills events, returns the count.
  int Wait(Event* events, int max, int timeout_ms);

 private:
  int epfd_;
};

// eventfd used to wake a Poller from another thread.
class Waker {
 public:
  Waker();
  ~Waker();
  int fd() const { return fd_; }
  void Wake();
  void Drain();

 private:
  int fd_;
};

}  // namespace ember::net
