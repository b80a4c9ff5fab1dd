#include "net/udp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ember::net {

namespace {
// Fills ss from a bind address ("*", IPv4 or IPv6 literal); false if it is not one.
bool ParseBindAddress(const std::string& addr, int port, sockaddr_storage* ss, socklen_t* len) {
  *ss = sockaddr_storage{};
  if (addr.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(sockaddr_in6);
    return inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(ss);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  *len = sizeof(sockaddr_in);
  return inet_pton(AF_INET, addr == "*" ? "0.0.0.0" : addr.c_str(), &a->sin_addr) == 1;
}
}  // namespace

int BindUdp(const std::string& addr, int port, bool reuse_port, std::string* err) {
  sockaddr_storage ss;
  socklen_t len;
  if (!ParseBindAddress(addr, port, &ss, &len)) {
    *err = "Invalid bind address '" + addr + "'";
    return -1;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = strerror(errno);
    return -1;
  }
  int one = 1;
  if (reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    *err = strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

bool UdpPeer::IsLoopback() const {
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

std::string UdpPeer::ToString() const {
  char host[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(a->sin6_port));
  }
  return "?:0";
}

struct UdpBatch::Slots {
  std::vector<mmsghdr> in;
  std::vector<iovec> in_iov;
  std::vector<mmsghdr> out;
  std::vector<iovec> out_iov;
};

UdpBatch::UdpBatch(size_t batch_size)
    : batch_size_(batch_size),
      buf_(new char[batch_size * kMaxDatagram]),
      peers_(batch_size),
      slots_(std::make_unique<Slots>()) {
  slots_->in.resize(batch_size);
  slots_->in_iov.resize(batch_size);
  slots_->out.resize(batch_size);
  slots_->out_iov.resize(batch_size);
}

UdpBatch::~UdpBatch() = default;

size_t UdpBatch::Receive(int fd) {
  received_ = 0;
  queued_ = 0;
  for (size_t i = 0; i < batch_size_; ++i) {
    slots_->in_iov[i] = {buf_.get() + i * kMaxDatagram, kMaxDatagram};
    msghdr& h = slots_->in[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &peers_[i].addr;
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &slots_->in_iov[i];
    h.msg_iovlen = 1;
    slots_->in[i].msg_len = 0;
  }
  int n;
  do {
    n = recvmmsg(fd, slots_->in.data(), static_cast<unsigned>(batch_size_), MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  received_ = static_cast<size_t>(n);
  for (size_t i = 0; i < received_; ++i) peers_[i].len = slots_->in[i].msg_hdr.msg_namelen;
  return received_;
}

std::string_view UdpBatch::data(size_t i) const {
  size_t n = std::min<size_t>(slots_->in[i].msg_len, kMaxDatagram);
  return std::string_view(buf_.get() + i * kMaxDatagram, n);
}

bool UdpBatch::truncated(size_t i) const { return slots_->in[i].msg_hdr.msg_flags & MSG_TRUNC; }

void UdpBatch::QueueReply(size_t i, std::string_view bytes) {
  slots_->out_iov[queued_] = {const_cast<char*>(bytes.data()), bytes.size()};
  msghdr& h = slots_->out[queued_].msg_hdr;
  h = msghdr{};
  h.msg_name = &peers_[i].addr;
  h.msg_namelen = peers_[i].len;
  h.msg_iov = &slots_->out_iov[queued_];
  h.msg_iovlen = 1;
  ++queued_;
}

size_t UdpBatch::Send(int fd) {
  size_t sent_bytes = 0;
  size_t done = 0;
  while (done < queued_) {
    int n = sendmmsg(fd, slots_->out.data() + done, static_cast<unsigned>(queued_ - done),
                     MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      // The first remaining reply failed (no buffer space, unreachable peer...): drop it and
      // carry on with the others.
      ++done;
      continue;
    }
    for (int k = 0; k < n; ++k) sent_bytes += slots_->out[done + static_cast<size_t>(k)].msg_len;
    done += static_cast<size_t>(n);
  }
  queued_ = 0;
  return sent_bytes;
}

}  // namespace ember::net
