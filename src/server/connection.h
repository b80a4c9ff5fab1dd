// One client connection. Owned and mutated by its worker thread only; the fields other
// threads read for CLIENT LIST / INFO are atomics or guarded by info_mu.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "resp/parser.h"
#include "resp/reply_writer.h"

namespace ember::server {

class Worker;

// CLIENT REPLY state. kSkipNext: SKIP ran, so the next command's reply is dropped; that
// command runs as kSkipThis (see Server::Dispatch).
enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkipThis };

class Connection {
 public:
  Connection(uint64_t id, int fd, std::string addr, std::string laddr, Worker* worker,
             const resp::ParserLimits* limits, int64_t now_ms)
      : id(id),
        fd(fd),
        addr(std::move(addr)),
        laddr(std::move(laddr)),
        worker(worker),
        parser(limits),
        writer(&out),
        created_ms(now_ms),
        last_interaction_ms(now_ms) {}

  const uint64_t id;
  const int fd;
  const std::string addr;
  const std::string laddr;
  Worker* const worker;

  std::string in;   // bytes of a request not yet complete
  std::string out;  // replies not yet written
  size_t out_pos = 0;
  resp::RequestParser parser;
  resp::ReplyWriter writer;

  bool authenticated = false;
  bool close_after_reply = false;
  bool want_write = false;
  bool parked = false;  // stopped parsing because too many replies are pending
  bool closed = false;  // Worker::Close ran; the object lives until the loop iteration ends
  ReplyMode reply_mode = ReplyMode::kOn;
  // Writes whose replies wait for the AOF (see Server::AwaitPersistence): the highest ticket
  // and where each reply sits in `out`.
  uint64_t aof_ticket = 0;
  std::vector<std::pair<size_t, size_t>> unacked;
  bool aof_waiting = false;  // queued in its worker's aof_waiters_ or durable groups
  // In a durable group (appendfsync always): no further command runs until its replies are
  // out, so they are never held back by later writes (input stays buffered meanwhile).
  bool awaiting_fsync = false;

  // Read by other threads (CLIENT LIST, INFO clients).
  std::atomic<int> db{0};
  std::atomic<int> resp{2};
  std::atomic<int64_t> created_ms;
  std::atomic<int64_t> last_interaction_ms;
  std::atomic<int> last_cmd_id{-1};
  std::atomic<size_t> qbuf{0};
  std::atomic<size_t> qbuf_free{0};  // capacity of `in` beyond qbuf
  std::atomic<size_t> omem{0};
  std::atomic<size_t> rbs{0};  // capacity of `out` after the last flush
  std::atomic<size_t> rbp{0};  // most reply bytes ever pending at a flush
  std::atomic<bool> kill_requested{false};
  std::atomic<bool> no_evict{false};  // CLIENT NO-EVICT
  std::atomic<bool> no_touch{false};  // CLIENT NO-TOUCH

  std::string name() const {
    std::lock_guard lk(info_mu);
    return name_;
  }
  void set_name(std::string n) {
    std::lock_guard lk(info_mu);
    name_ = std::move(n);
  }
  std::string lib_name() const {
    std::lock_guard lk(info_mu);
    return lib_name_;
  }
  std::string lib_ver() const {
    std::lock_guard lk(info_mu);
    return lib_ver_;
  }
  void set_lib(std::string* n, std::string* v) {
    std::lock_guard lk(info_mu);
    if (n) lib_name_ = *n;
    if (v) lib_ver_ = *v;
  }

 private:
  mutable std::mutex info_mu;
  std::string name_, lib_name_, lib_ver_;
};

}  // namespace ember::server
