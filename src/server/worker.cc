#include "server/worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/clock.h"
#include "base/thread.h"
#include "server/aof.h"
#include "server/log.h"

namespace ember::server {

namespace {
constexpr uint64_t kWakerToken = 1ULL << 62;
constexpr uint64_t kListenerToken = 1ULL << 61;
constexpr uint64_t kUdpToken = 1ULL << 60;
// 16 KB per read, as Redis: a client streaming a huge pipeline gets through ~400 small
// commands before the others on this thread are served again (64 KB starved them).
constexpr size_t kReadChunk = 16 * 1024;
// Read at most this much into a connection's own buffer per wake-up (huge bulk uploads).
constexpr size_t kMaxDirectRead = 4 * 1024 * 1024;
// WaitForEvents polls only after iterations that ran at most this many requests.
constexpr uint64_t kPollMaxRequests = 16;

// A spin-wait hint to the core (lets a sibling hyper-thread run, saves power).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

bool IsLoopback(const std::string& peer) {
  return peer.rfind("127.", 0) == 0 || peer.rfind("::1:", 0) == 0 ||
         peer.rfind("::ffff:127.", 0) == 0;
}

const char kProtectedModeError[] =
    "-DENIED Ember is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Ember you may adopt "
    "one of the following solutions: 1) Disable protected mode with 'CONFIG SET protected-mode "
    "no' from the loopback interface. 2) Set a password with 'CONFIG SET requirepass <password>'"
    ". 3) Start the server with '--protected-mode no'.\r\n";
}  // namespace

Worker::Worker(Server* server, int index)
    : server_(server), index_(index), lookup_(server->commands()), rbuf_(new char[kReadChunk]) {
  ack_signal_ = std::make_shared<AckSignal>();
  ack_signal_->waker = &waker_;
  cmd_stats = std::vector<CommandStat>(server->commands().by_id().size());
  limits_.max_bulk_len = server->config().proto_max_bulk_len.load();
  may_poll_ = server->config().threads.load() <
              static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
}

Worker::~Worker() {
  {
    std::lock_guard lk(ack_signal_->mu);  // an fsync may still end after this worker
    ack_signal_->waker = nullptr;
  }
  RunMailbox();  // adopts connections handed over but not yet taken, so they are closed below
  for (auto& [id, c] : conns_) {
    server_->UnregisterClient(c.get());
    close(c->fd);
  }
  for (int fd : udp_fds_) close(fd);
}

void Worker::SetListeners(std::shared_ptr<ListenerSet> set) {
  listeners_ = std::move(set);
  for (size_t i = 0; i < listeners_->fds.size(); ++i)
    poller_.Add(listeners_->fds[i], net::Poller::kRead | net::Poller::kExclusive,
                kListenerToken + i);
}

void Worker::Start() {
  poller_.Add(waker_.fd(), net::Poller::kRead, kWakerToken);
  thread_ = std::thread([this] { Loop(); });
}

void Worker::Stop() {
  stop_.store(true);
  waker_.Wake();
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Post(std::function<void()> fn) {
  {
    std::lock_guard lk(mailbox_mu_);
    mailbox_.push_back(std::move(fn));
  }
  waker_.Wake();
}

void Worker::ReplaceListeners(std::shared_ptr<ListenerSet> set) {
  Post([this, set = std::move(set)] {
    if (listeners_)
      for (int fd : listeners_->fds) poller_.Remove(fd);
    SetListeners(set);
  });
}

void Worker::RunMailbox() {
  std::vector<std::function<void()>> jobs;
  {
    std::lock_guard lk(mailbox_mu_);
    jobs.swap(mailbox_);
  }
  for (auto& j : jobs) j();
}

void Worker::Loop() {
  SetThreadName("ember-loop-" + std::to_string(index_));
  if (int64_t slice_us = server_->config().event_loop_slice_us.load(); slice_us > 0)
    SetTimeSlice(static_cast<uint64_t>(slice_us) * 1000);
  net::Poller::Event events[256];
  while (!stop_.load(std::memory_order_relaxed)) {
    int64_t woke_us;  // MonotonicUs() when the wait returned
    int n = WaitForEvents(events, 256, &woke_us);
    const uint64_t ran_before = commands_processed.Get();
    // One wall-clock read per iteration serves the idle timestamps and the cron check, and
    // with the wake-up time it lets commands derive the wall clock from monotonic readings.
    const int64_t now_us = server_->clock().NowUs();
    loop_now_ms_ = now_us / 1000;
    if (server_->system_clock()) wall_minus_mono_us_ = now_us - woke_us;
    for (int i = 0; i < n; ++i) {
      uint64_t t = events[i].token;
      if (t == kWakerToken) {
        waker_.Drain();
        RunMailbox();
        continue;
      }
      if (t >= kListenerToken && t < kWakerToken) {
        // The listeners may have been replaced earlier in this batch.
        if (listeners_ && t - kListenerToken < listeners_->fds.size())
          OnAccept(listeners_->fds[t - kListenerToken]);
        continue;
      }
      if (t >= kUdpToken && t < kListenerToken) {
        OnUdpReadable(udp_fds_[t - kUdpToken]);
        continue;
      }
      auto it = conns_.find(t);
      if (it == conns_.end()) continue;
      Connection& c = *it->second;
      // Output drained: FlushOrDefer resumes requests parked by backpressure (at the end of
      // the iteration, with everything else CompleteAofWaits sends).
      if (events[i].writable && !c.aof_waiting) FlushOrDefer(c);
      if (events[i].readable) OnReadable(c);
    }
    if (!durable_groups_.empty()) CompleteDurableGroups();
    if (!aof_waiters_.empty()) CompleteAofWaits();
    // Many requests in one iteration (pipelines, bulk loads): a wake-up is rare per request
    // there, and polling would only make this thread look CPU-bound to the scheduler, which
    // then lets other threads on its core (the allocator's purging, the cron) delay it.
    if (commands_processed.Get() - ran_before > kPollMaxRequests) poll_us_ = 0;
    int64_t now = loop_now_ms_;
    int64_t period = 1000 / std::max<int64_t>(1, server_->config().hz.load());
    if (now - last_cron_ms_ >= period) {
      last_cron_ms_ = now;
      Cron(now);
    }
    closed_.clear();  // nothing of this iteration refers to them any more
  }
}

int Worker::WaitForEvents(net::Poller::Event* events, int max, int64_t* woke_us) {
  // Not while replies wait for an fsync (appendfsync always): the loop's next work is then
  // mostly the end of that fsync, hundreds of µs away, and polling would only split the
  // requests meanwhile into more, smaller AOF hand-offs.
  const int64_t limit_us =
      durable_groups_.empty() && may_poll_
          ? server_->config().event_loop_poll_us.load(std::memory_order_relaxed)
          : 0;
  if (poll_us_ > limit_us) poll_us_ = limit_us;
  if (poll_us_ > 0) {
    const int64_t deadline = MonotonicUs() + poll_us_;
    while (true) {
      const int n = poller_.Wait(events, max, 0);
      *woke_us = MonotonicUs();
      if (n > 0) return n;
      if (*woke_us >= deadline) break;
      // About a microsecond between polls: fewer system calls, the same reaction time.
      for (int i = 0; i < 32; ++i) CpuRelax();
    }
    poll_us_ = 0;  // nothing came: a lightly loaded loop stops polling at once
  }
  const int64_t slept_from = limit_us > 0 ? MonotonicUs() : 0;
  const int n = poller_.Wait(events, max, 100);
  *woke_us = MonotonicUs();
  // Work came within the polling time: polling would have spared this sleep and the
  // wake-up, whose cost falls on the client that sends the request as much as on us.
  if (n > 0 && limit_us > 0 && *woke_us - slept_from <= limit_us) poll_us_ = limit_us;
  return n;
}

void Worker::OnAccept(int lfd) {
  for (int k = 0; k < 64; ++k) {
    std::string peer;
    uint64_t id;
    int fd;
    {
      std::lock_guard lk(server_->accept_mu());
      fd = net::Accept(lfd, &peer);
      if (fd < 0) return;
      id = server_->NextClientId();
    }
    if (static_cast<int64_t>(server_->client_count()) >= server_->config().maxclients.load()) {
      static const char kMsg[] = "-ERR max number of clients reached\r\n";
      ssize_t r = write(fd, kMsg, sizeof(kMsg) - 1);
      (void)r;
      close(fd);
      server_->rejected_connections.fetch_add(1);
      continue;
    }
    if (server_->config().protected_mode.load() && server_->config().requirepass().empty() &&
        !IsLoopback(peer)) {
      ssize_t r = write(fd, kProtectedModeError, sizeof(kProtectedModeError) - 1);
      (void)r;
      close(fd);
      server_->rejected_connections.fetch_add(1);
      continue;
    }
    // The connection is created and registered here, so CLIENT LIST and CLIENT KILL see it
    // from the moment it is accepted; the target worker then takes ownership.
    Worker& target = server_->NextWorker();
    net::SetNoDelay(fd);
    net::SetKeepAlive(fd, static_cast<int>(server_->config().tcp_keepalive.load()));
    auto conn = std::make_unique<Connection>(id, fd, std::move(peer), net::LocalAddress(fd),
                                             &target, &target.limits_, server_->clock().NowMs());
    conn->authenticated = server_->config().requirepass().empty();
    server_->RegisterClient(conn.get());
    server_->total_connections.fetch_add(1);
    if (&target == this) {
      Adopt(std::move(conn));
    } else {
      Connection* raw = conn.release();  // owned by the posted job, run by ~Worker at the latest
      target.Post([t = &target, raw] { t->Adopt(std::unique_ptr<Connection>(raw)); });
    }
  }
}

void Worker::AddUdpSocket(int fd) {
  poller_.Add(fd, net::Poller::kRead, kUdpToken + udp_fds_.size());
  udp_fds_.push_back(fd);
}

void Worker::Adopt(std::unique_ptr<Connection> conn) {
  uint64_t id = conn->id;
  poller_.Add(conn->fd, net::Poller::kRead, id);
  conns_[id] = std::move(conn);
}

void Worker::OnReadable(Connection& c) {
  if (c.kill_requested.load()) {
    Close(c);
    return;
  }
  ssize_t n;
  bool scratch = c.in.empty() && !c.parser.InProgress();
  if (scratch) {
    n = read(c.fd, rbuf_.get(), kReadChunk);
  } else {
    size_t want = kReadChunk;
    size_t need = c.parser.MinBytes();
    if (need > c.in.size()) want = std::min(std::max(want, need - c.in.size()), kMaxDirectRead);
    size_t old = c.in.size();
    if (c.in.capacity() < old + want) c.in.reserve(std::max(old + want, need));
    c.in.resize(old + want);
    n = read(c.fd, c.in.data() + old, want);
    c.in.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
  }
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    Close(c);
    return;
  }
  if (n < 0) return;
  net_input.Add(static_cast<uint64_t>(n));
  reads_processed.Add();
  c.last_interaction_ms.store(loop_now_ms_, std::memory_order_relaxed);
  ProcessInput(c, scratch, static_cast<size_t>(n));
  if (c.closed) return;
  if (static_cast<int64_t>(c.in.size()) > server_->config().client_query_buffer_limit.load()) {
    LogWarning("Closing client that reached max query buffer length: id=" + std::to_string(c.id));
    Close(c);
    return;
  }
  FlushOrDefer(c);
}

void Worker::FlushOrDefer(Connection& c, bool now) {
  while (true) {
    // Replies go out at the end of the event-loop iteration (after one AOF wait for all of
    // them, when some are writes), as Redis's beforeSleep does: the client then gets them in
    // a burst and handles more per wake-up, which is what bounds throughput at pipeline 1.
    if (!now || c.aof_ticket != 0) {
      if (!c.aof_waiting) {
        c.aof_waiting = true;
        aof_waiters_.push_back(c.id);
      }
      return;
    }
    Flush(c);
    if (c.closed) return;
    if (!c.parked || c.want_write || c.close_after_reply) return;
    c.parked = false;
    ProcessInput(c, false, 0);
    if (c.closed) return;
  }
}

void Worker::CompleteAofWaits() {
  while (!aof_waiters_.empty()) {
    std::vector<uint64_t> ids;
    ids.swap(aof_waiters_);
    uint64_t max_ticket = 0;
    for (uint64_t id : ids) {
      auto it = conns_.find(id);
      if (it != conns_.end()) max_ticket = std::max(max_ticket, it->second->aof_ticket);
    }
    // Under appendfsync always no reply goes out before the writes it may show are durable,
    // including other clients' writes still on their way to disk.
    max_ticket = std::max(max_ticket, server_->aof().VisibleTicket());
    const AofService::AckState state =
        max_ticket == 0
            ? AofService::AckState::kAcked
            : server_->aof().WaitAsync(max_ticket, [s = ack_signal_](bool) { s->Fire(); });
    if (state == AofService::AckState::kPending) {
      for (uint64_t id : ids) {
        auto it = conns_.find(id);
        if (it == conns_.end()) continue;
        Connection& c = *it->second;
        c.awaiting_fsync = true;
        if (c.want_write) {  // nothing may be sent before the fsync: stop polling for it
          c.want_write = false;
          poller_.Modify(c.fd, net::Poller::kRead, c.id);
        }
      }
      durable_groups_.push_back({max_ticket, std::move(ids)});
      continue;
    }
    // The iteration's one write (everysec, no) is done.
    SendAcknowledged(ids, state == AofService::AckState::kAcked ? max_ticket : 0);
  }
}

void Worker::CompleteDurableGroups() {
  const uint64_t fired = ack_signal_->fired.load(std::memory_order_acquire);
  while (durable_done_ < fired && !durable_groups_.empty()) {
    DurableGroup g = std::move(durable_groups_.front());
    durable_groups_.pop_front();
    ++durable_done_;
    SendAcknowledged(g.ids, server_->aof().Wait(g.ticket) ? g.ticket : 0);  // answers at once
  }
}

void Worker::SendAcknowledged(const std::vector<uint64_t>& ids, uint64_t acked) {
  for (uint64_t id : ids) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    Connection& c = *it->second;
    c.aof_waiting = false;
    c.awaiting_fsync = false;
    server_->AwaitPersistence(c, acked);  // or rewrites unacknowledged replies (MISCONF)
    FlushOrDefer(c, /*now=*/true);
  }
}

void Worker::AckSignal::Fire() {
  fired.fetch_add(1, std::memory_order_release);
  std::lock_guard lk(mu);
  if (waker != nullptr) waker->Wake();
}

void Worker::ProcessInput(Connection& c, bool from_scratch, size_t n) {
  std::string_view data = from_scratch ? std::string_view(rbuf_.get(), n) : std::string_view(c.in);
  // Set up by the first request of the read when more follow (so a lone request costs
  // nothing), then advanced before each of the others.
  bool prefetch_started = !c.authenticated;
  size_t off = 0;
  Server::DispatchClock clock{0, wall_minus_mono_us_};
  while (off < data.size() && !c.close_after_reply) {
    // Backpressure: a client that does not read its replies stops being served; so does one
    // whose replies wait for an fsync (resumed by FlushOrDefer once they are sent).
    if (c.out.size() - c.out_pos > (64u << 20) || c.awaiting_fsync) {
      c.parked = true;
      break;
    }
    if (!c.parser.InProgress()) c.parser.set_limits(c.authenticated ? &limits_ : &unauth_limits_);
    resp::ParseStatus st = c.parser.Parse(data.substr(off));
    if (st == resp::ParseStatus::kIncomplete) break;
    if (st == resp::ParseStatus::kError) {
      c.writer.Error(std::string("ERR ") + std::string(c.parser.error()));
      server_->CountErrorReply("ERR Protocol error");
      c.close_after_reply = true;
      off = data.size();
      break;
    }
    const auto& args = c.parser.args();
    off += c.parser.consumed();
    if (!args.empty()) {
      if (prefetch_started) {
        prefetcher_.Advance();
      } else {
        prefetch_started = true;
        if (off < data.size())
          prefetcher_.Start(server_->keyspace().db(c.db.load(std::memory_order_relaxed)), lookup_,
                            data.substr(off));
      }
      server_->Dispatch(c, cmd::ArgList(args.data(), args.size()), *this, &clock);
      if (c.kill_requested.load(std::memory_order_relaxed)) c.close_after_reply = true;
    }
  }
  prefetcher_.Clear();  // its keys view `data`
  if (from_scratch) {
    if (off < data.size()) c.in.assign(data.data() + off, data.size() - off);
  } else if (off > 0) {
    c.in.erase(0, off);
  }
  c.qbuf.store(c.in.size(), std::memory_order_relaxed);
  c.qbuf_free.store(c.in.capacity() - c.in.size(), std::memory_order_relaxed);
}

void Worker::Flush(Connection& c) {
  if (c.out_pos < c.out.size()) writes_processed.Add();
  while (c.out_pos < c.out.size()) {
    ssize_t n = write(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (!c.want_write) {
          c.want_write = true;
          poller_.Modify(c.fd, net::Poller::kRead | net::Poller::kWrite, c.id);
        }
        c.omem.store(c.out.size() - c.out_pos, std::memory_order_relaxed);
        return;
      }
      Close(c);
      return;
    }
    net_output.Add(static_cast<uint64_t>(n));
    c.out_pos += static_cast<size_t>(n);
  }
  if (c.out.size() > c.rbp.load(std::memory_order_relaxed))
    c.rbp.store(c.out.size(), std::memory_order_relaxed);
  c.out.clear();
  c.out_pos = 0;
  if (c.out.capacity() > (1u << 20)) std::string().swap(c.out);
  c.omem.store(0, std::memory_order_relaxed);
  c.rbs.store(c.out.capacity(), std::memory_order_relaxed);
  if (c.want_write) {
    c.want_write = false;
    poller_.Modify(c.fd, net::Poller::kRead, c.id);
  }
  if (c.close_after_reply) Close(c);
}

void Worker::Close(Connection& c) {
  if (c.closed) return;
  server_->UnregisterClient(&c);
  poller_.Remove(c.fd);
  close(c.fd);
  c.closed = true;
  auto it = conns_.find(c.id);
  closed_.push_back(std::move(it->second));  // callers up the stack may still look at c
  conns_.erase(it);
}

void Worker::Cron(int64_t now_ms) {
  limits_.max_bulk_len = server_->config().proto_max_bulk_len.load();
  int64_t timeout = server_->config().timeout.load();
  std::vector<Connection*> victims;
  for (auto& [id, c] : conns_) {
    if (c->kill_requested.load()) {
      victims.push_back(c.get());
    } else if (timeout > 0 &&
               now_ms - c->last_interaction_ms.load(std::memory_order_relaxed) > timeout * 1000) {
      victims.push_back(c.get());
    } else if (c->in.empty() && c->in.capacity() > 0 && !c->parser.InProgress()) {
      std::string().swap(c->in);  // idle clients keep no query buffer
      c->qbuf_free.store(0, std::memory_order_relaxed);
    }
  }
  for (Connection* c : victims) Close(*c);
}

}  // namespace ember::server
