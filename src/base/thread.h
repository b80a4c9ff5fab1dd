#pragma once

#include <cstdint>
#include <string>

namespace ember {

// Names the calling thread for ps/top -H, perf and /proc/PID/task/*/comm ("ember-loop-0",
// "ember-cron"...). Linux keeps 15 characters; longer names are cut.
void SetThreadName(const std::string& name);

// Makes the calling thread background work that must not delay the event loops when they
// share a core with it: `nice_delta` steps below the process's priority, and SCHED_BATCH, so
// that waking up does not preempt a running event loop. (A thread that slept with unused CPU
// share is otherwise let to displace the running one for up to a scheduler tick, 4 ms at
// HZ=250.) Best effort: a refusal leaves the thread as it was.
void SetBackgroundThread(int nice_delta);

// The same for threads of this process that others started and named `name` (jemalloc's
// purging threads, "jemalloc_bg_thd"): each one not yet SCHED_BATCH becomes so, `nice_delta`
// below the process. Returns how many changed. Cheap enough to call every second: one
// /proc/self/task listing.
int SetBackgroundThreadsNamed(const std::string& name, int nice_delta);

// Asks for a short time slice for the calling thread (Linux 6.12+ lets a normal thread choose
// its slice, 0.1-100 ms): a woken event loop whose slice is shorter than the running thread's
// preempts it at once instead of waiting for that thread's slice to end. Returns false where
// the kernel does not support it; nothing changes then.
bool SetTimeSlice(uint64_t ns);
// The calling thread's time slice as the kernel reports it (sched_getattr's sched_runtime: the
// slice SetTimeSlice set, on Linux 6.12+); 0 if it cannot be read.
uint64_t TimeSlice();

// Lets a long background job (lazy freeing, a snapshot's walk) give its core away about every
// `period_us` of work. The job calls Step() between small units of work; every 256 steps the
// clock is read, and once period_us have passed since the last yield, sched_yield() lets an
// event loop woken meanwhile on the same core run now: without it the loop waits for the next
// scheduler tick, up to 4 ms at HZ=250. It costs a system call per period when nobody waits.
class YieldPoint {
 public:
  explicit YieldPoint(int64_t period_us = 100);
  void Step() {
    if (++steps_ % 256 == 0) Check();
  }
  // Reads the clock now (after a unit of work too large for Step's count), maybe yields.
  void Check();
  uint64_t yields() const { return yields_; }

 private:
  int64_t period_us_;
  int64_t last_us_;
  uint64_t steps_ = 0;
  uint64_t yields_ = 0;
};

}  // namespace ember
