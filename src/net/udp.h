// UDP sockets and batched datagram I/O (recvmmsg / sendmmsg). No protocol knowledge lives here.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ember::net {

// Opens a non-blocking UDP socket bound to addr:port ("*" = every IPv4 address; an address
// with ':' is IPv6, bound IPV6_V6ONLY). With reuse_port, SO_REUSEPORT: several sockets (one
// per event-loop thread) share the port and the kernel spreads datagrams over them by the
// sender's address. Returns the fd, or -1 with *err.
int BindUdp(const std::string& addr, int port, bool reuse_port, std::string* err);

// The sender of a datagram, as the kernel reported it.
struct UdpPeer {
  sockaddr_storage addr;
  socklen_t len;
  bool IsLoopback() const;
  std::string ToString() const;  // "ip:port"
};

// Receives datagrams from a socket in batches and sends one reply per datagram. Owned and
// used by one thread. Views returned by data() stay valid until the next Receive().
class UdpBatch {
 public:
  // Larger than any UDP payload (65507 bytes over IPv4, 65527 over IPv6), so a datagram that
  // does not fit is impossible in practice; truncated() still reports one.
  static constexpr size_t kMaxDatagram = 65536;

  explicit UdpBatch(size_t batch_size);
  ~UdpBatch();
  UdpBatch(const UdpBatch&) = delete;
  UdpBatch& operator=(const UdpBatch&) = delete;

  // Reads up to batch_size pending datagrams from fd without blocking; returns how many
  // (0 when none is pending or on error). Clears the queued replies.
  size_t Receive(int fd);
  std::string_view data(size_t i) const;
  bool truncated(size_t i) const;  // the datagram was longer than kMaxDatagram
  const UdpPeer& peer(size_t i) const { return peers_[i]; }

  // Queues `bytes` as the reply to datagram i; the bytes must stay valid until Send().
  void QueueReply(size_t i, std::string_view bytes);
  // Sends the queued replies to their datagrams' senders. Replies the kernel does not take
  // (full socket buffer, unreachable sender) are dropped, as UDP allows. Returns the bytes
  // sent.
  size_t Send(int fd);

 private:
  struct Slots;
  size_t batch_size_;
  std::unique_ptr<char[]> buf_;
  std::vector<UdpPeer> peers_;
  std::unique_ptr<Slots> slots_;
  size_t received_ = 0;
  size_t queued_ = 0;
};

}  // namespace ember::net
