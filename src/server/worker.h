// One event-loop thread: its connections and their commands. All workers watch the same
// listening sockets (EPOLLEXCLUSIVE); whoever wakes accepts under the server's accept lock,
// which assigns client ids in connection order, and hands the connection to the next worker
// in round-robin order.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cmd/context.h"
#include "net/socket.h"
#include "net/udp.h"
#include "server/connection.h"
#include "server/key_prefetcher.h"
#include "server/server.h"

namespace ember::server {

// Case-insensitive lookup of top-level commands whose names fit in 16 bytes: the name is
// folded into two words and found in an open-addressing table, with no hashing of bytes,
// no per-byte tolower() and no copy (CommandTable::Find's unordered_map costs several times
// more per request). Built once from the server's table, which never changes afterwards.
class CommandLookup {
 public:
  explicit CommandLookup(const cmd::CommandTable& table);
  // nullptr when unknown here (also for names over 16 bytes): ask cmd::Resolve.
  const cmd::CommandSpec* Find(std::string_view name) const;

 private:
  struct Slot {
    uint64_t w0 = 0, w1 = 0;
    size_t len = 0;
    const cmd::CommandSpec* spec = nullptr;
  };
  size_t Index(uint64_t w0, uint64_t w1, size_t len) const;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

class Worker {
 public:
  Worker(Server* server, int index);
  ~Worker();

  // Watches `set` for new connections (before Start()).
  void SetListeners(std::shared_ptr<ListenerSet> set);
  void Start();
  void Stop();
  void Join();
  // Runs fn on this worker's thread soon.
  void Post(std::function<void()> fn);
  // Stops watching the current listeners and watches `set` instead (runs on this thread).
  void ReplaceListeners(std::shared_ptr<ListenerSet> set);
  // Takes over an accepted, registered connection (runs on this thread).
  void Adopt(std::unique_ptr<Connection> conn);
  // Serves one-datagram requests arriving on this UDP socket, which the worker then owns
  // (before Start(); see worker_udp.cc).
  void AddUdpSocket(int fd);
  // Whether c is this worker's UDP request context: Dispatch refuses commands that need
  // connection state there.
  bool IsUdp(const Connection& c) const { return &c == udp_conn_.get(); }

  int index() const { return index_; }
  Server& server() { return *server_; }
  const CommandLookup& lookup() const { return lookup_; }

  // Statistics (written by this thread only).
  std::vector<CommandStat> cmd_stats;
  Counter commands_processed, net_input, net_output;
  Counter reads_processed, writes_processed;  // reads and flushes that moved bytes
  cmd::ThreadCounters counters;               // keyspace hits/misses (read racily by INFO)
  Counter keyspace_hits, keyspace_misses;
  std::vector<std::string_view> arg_scratch;
  Counter udp_requests, udp_dropped;  // datagrams answered / dropped without a reply

 private:
  void Loop();
  // epoll_wait for the loop. A thread that sleeps as soon as it runs out of work is woken for
  // every request at pipeline 1: the wake-up (an inter-processor interrupt, the scheduler)
  // costs more CPU than the request, and most of it is paid by the client's send. So while
  // work keeps arriving within event-loop-poll-us of the loop running dry, the loop polls
  // for up to that long before sleeping; the first poll that finds nothing turns polling off
  // until a sleep again ends that soon, so an idle or lightly loaded server never polls. Nor
  // does one whose iterations run many requests each (kPollMaxRequests in worker.cc), nor
  // one with as many event loops as the machine has cores: polling then takes the CPU that
  // local clients and the server's other threads need (--threads 2 on 2 cores: SET P1 0.82x
  // of Redis's req/s with polling).
  // *woke_us: MonotonicUs() when the wait returned.
  int WaitForEvents(net::Poller::Event* events, int max, int64_t* woke_us);
  void OnAccept(int lfd);
  void OnReadable(Connection& c);
  void ProcessInput(Connection& c, bool from_scratch, size_t n);
  void Flush(Connection& c);
  // Queues c so that CompleteAofWaits sends its replies at the end of the event-loop
  // iteration (after the AOF has the writes among them); with now, sends them and resumes
  // parked input, unless replies wait for the AOF.
  void FlushOrDefer(Connection& c, bool now = false);
  // One AOF wait (write, or fsync under always) for every write the iteration ran, then the
  // queued connections get their replies (MISCONF errors for writes that were not persisted).
  void CompleteAofWaits();
  // Sends the replies of connections whose writes the AOF has answered for: `acked` is the
  // group's ticket, which covers every write of its connections, when it was acknowledged,
  // 0 when it failed (the replies of unacknowledged writes become MISCONF errors).
  void SendAcknowledged(const std::vector<uint64_t>& ids, uint64_t acked);
  // Sends the replies of the groups whose fsync has ended (appendfsync always).
  void CompleteDurableGroups();
  void Close(Connection& c);
  void Cron(int64_t now_ms);
  void RunMailbox();
  void OnUdpReadable(int fd);
  // Runs the request in one datagram; appends its reply (if any) to udp_conn_->out.
  void HandleDatagram(std::string_view data, bool truncated, const net::UdpPeer& peer);
  void UdpError(std::string_view msg);

  Server* server_;
  int index_;
  CommandLookup lookup_;
  KeyPrefetcher prefetcher_;  // for the requests of the read being processed
  net::Poller poller_;
  net::Waker waker_;
  std::shared_ptr<ListenerSet> listeners_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  // Closed this event-loop iteration: freed at its end, so code that handled them can test
  // Connection::closed instead of looking the id up again.
  std::vector<std::unique_ptr<Connection>> closed_;
  int64_t loop_now_ms_ = 0;            // the clock when this iteration's events arrived
  int64_t wall_minus_mono_us_ = 0;     // see Server::DispatchClock (0 outside Loop)
  int64_t poll_us_ = 0;                // WaitForEvents' polling time, 0 = off
  bool may_poll_ = true;               // fewer event loops than cores (see WaitForEvents)
  std::vector<uint64_t> aof_waiters_;  // ids of connections whose replies wait for the AOF
  // appendfsync always: the loop does not block while an fsync runs. Each group is the
  // connections of one iteration, waiting for one ticket; the AOF's background thread fires
  // the signal when a group's fsync ends (groups end in order), and the loop, woken by the
  // waker, sends their replies. Meanwhile other clients are served, and their writes share
  // the next fsync: the disk never idles while the loop works, nor the loop while it syncs.
  struct AckSignal {
    std::mutex mu;
    net::Waker* waker = nullptr;  // null once the worker is gone
    std::atomic<uint64_t> fired{0};
    void Fire();
  };
  std::shared_ptr<AckSignal> ack_signal_;
  struct DurableGroup {
    uint64_t ticket;
    std::vector<uint64_t> ids;
  };
  std::deque<DurableGroup> durable_groups_;
  uint64_t durable_done_ = 0;  // groups completed; the signal fired ack_signal_->fired times
  std::unique_ptr<char[]> rbuf_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mailbox_mu_;
  std::vector<std::function<void()>> mailbox_;
  int64_t last_cron_ms_ = 0;
  std::vector<int> udp_fds_;
  std::unique_ptr<net::UdpBatch> udp_batch_;
  // The stateless session every datagram runs in: db 0, RESP2, never registered as a client.
  std::unique_ptr<Connection> udp_conn_;
  bool udp_needs_auth_ = false;  // refreshed per batch from requirepass / udp-allow-unauthenticated
  bool udp_loopback_only_ = false;  // protected mode without a password
  // Request limits of this thread's connections, refreshed from the config by Cron().
  resp::ParserLimits limits_;
  resp::ParserLimits unauth_limits_{
      .max_bulk_len = 16384,
      .max_multibulk_len = 10,
      .max_inline_len = 64 * 1024,
      .multibulk_error = "Protocol error: unauthenticated multibulk length",
      .bulk_error = "Protocol error: unauthenticated bulk length"};
};

}  // namespace ember::server
