// The UDP side of a worker: each datagram holds exactly one request and gets at most one
// reply datagram. Requests run through Server::Dispatch like TCP ones, in a per-worker
// session that never keeps state between datagrams.
#include <algorithm>
#include <string>

#include "server/aof.h"
#include "server/worker.h"

namespace ember::server {

namespace {
// Datagrams read per recvmmsg call, and calls per wake-up: a flood of datagrams cannot keep
// this thread from its TCP clients (epoll is level-triggered and wakes us again).
constexpr size_t kUdpBatch = 16;
constexpr int kUdpRoundsPerWake = 4;

// Where one datagram's reply sits in the session's output buffer.
struct ReplySpan {
  size_t datagram;
  size_t start;
  size_t len;
};
}  // namespace

void Worker::UdpError(std::string_view msg) {
  udp_conn_->writer.Error(msg);
  server_->CountErrorReply(msg);
}

void Worker::OnUdpReadable(int fd) {
  if (!udp_batch_) {
    udp_batch_ = std::make_unique<net::UdpBatch>(kUdpBatch);
    udp_conn_ =
        std::make_unique<Connection>(0, -1, "udp", "udp", this, &limits_, server_->clock().NowMs());
  }
  Config& cfg = server_->config();
  bool no_password = cfg.requirepass().empty();
  udp_needs_auth_ = !no_password && !cfg.udp_allow_unauthenticated.load();
  udp_loopback_only_ = no_password && cfg.protected_mode.load();
  Connection& c = *udp_conn_;
  ReplySpan spans[kUdpBatch];
  for (int round = 0; round < kUdpRoundsPerWake; ++round) {
    size_t n = udp_batch_->Receive(fd);
    if (n == 0) return;
    c.out.clear();
    size_t replies = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t start = c.out.size();
      HandleDatagram(udp_batch_->data(i), udp_batch_->truncated(i), udp_batch_->peer(i));
      if (c.out.size() > start) {
        spans[replies++] = {i, start, c.out.size() - start};
        udp_requests.Add();
      } else {
        udp_dropped.Add();
      }
    }
    // Replies to writes wait for the AOF; those it could not persist become MISCONF errors.
    std::string misconf;
    if (c.aof_ticket != 0 && !server_->aof().Wait(c.aof_ticket))
      misconf = "-" + server_->aof().MisconfError() + "\r\n";
    c.aof_ticket = 0;
    // c.out no longer changes: the queued views stay valid until Send().
    size_t next_unacked = 0;
    for (size_t k = 0; k < replies; ++k) {
      std::string_view reply = std::string_view(c.out).substr(spans[k].start, spans[k].len);
      while (next_unacked < c.unacked.size() && c.unacked[next_unacked].first < spans[k].start)
        ++next_unacked;
      if (!misconf.empty() && next_unacked < c.unacked.size() &&
          c.unacked[next_unacked].first == spans[k].start)
        reply = misconf;
      udp_batch_->QueueReply(spans[k].datagram, reply);
    }
    c.unacked.clear();
    net_output.Add(udp_batch_->Send(fd));
    if (c.out.capacity() > (1u << 20)) std::string().swap(c.out);
    if (n < kUdpBatch) return;
  }
}

void Worker::HandleDatagram(std::string_view data, bool truncated, const net::UdpPeer& peer) {
  net_input.Add(data.size());
  reads_processed.Add();
  // Protected mode (no password): like TCP, only loopback senders are served. Others get no
  // reply at all, so a spoofed source cannot turn us into a reflector.
  if (udp_loopback_only_ && !peer.IsLoopback()) return;
  if (data.empty()) return;  // nothing to answer; a reply would only amplify
  Connection& c = *udp_conn_;
  if (truncated) {
    UdpError("ERR Protocol error: datagram larger than " +
             std::to_string(net::UdpBatch::kMaxDatagram) + " bytes");
    return;
  }
  // Inline text need not end with a newline in a datagram (printf PING | nc -u ...).
  std::string owned;
  if (data[0] != '*' && data.back() != '\n') {
    owned.reserve(data.size() + 2);
    owned.append(data).append("\r\n");
    data = owned;
  }
  c.parser.Reset();
  c.authenticated = !udp_needs_auth_;
  c.parser.set_limits(c.authenticated ? &limits_ : &unauth_limits_);
  resp::ParseStatus st = c.parser.Parse(data);
  if (st == resp::ParseStatus::kError) {
    UdpError("ERR " + std::string(c.parser.error()));
    return;
  }
  if (st == resp::ParseStatus::kIncomplete) {
    UdpError("ERR Protocol error: incomplete request in datagram");
    return;
  }
  if (c.parser.consumed() != data.size()) {
    UdpError("ERR Protocol error: more than one request in datagram");
    return;
  }
  const auto& args = c.parser.args();
  if (args.empty()) return;
  // Nothing a previous datagram did may leak into this one (the refused commands are the only
  // ones that change these, but the session must be stateless whatever they become).
  c.db.store(0, std::memory_order_relaxed);
  c.resp.store(2, std::memory_order_relaxed);
  c.writer.set_resp3(false);
  c.reply_mode = ReplyMode::kOn;
  c.close_after_reply = false;
  size_t start = c.out.size();
  server_->Dispatch(c, cmd::ArgList(args.data(), args.size()), *this);
  size_t len = c.out.size() - start;
  size_t max = static_cast<size_t>(server_->config().udp_max_reply.load());
  if (len > max) {
    // Never a truncated value: the whole reply is replaced. The command has run.
    c.out.resize(start);
    UdpError("ERR reply too large for UDP (" + std::to_string(len) + " bytes > udp-max-reply " +
             std::to_string(max) + "); use TCP");
  }
}

}  // namespace ember::server
