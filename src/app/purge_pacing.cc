// Paces jemalloc's purging thread so that it never holds an event loop's core for long.
//
// jemalloc (ember-server's allocator, background_thread:true) returns freed pages to the
// system from its own thread ("jemalloc_bg_thd"), one madvise(MADV_DONTNEED) per free extent:
// after a 10M-key fill or a FLUSHALL ASYNC, hundreds of calls of one or two pages in a row,
// about 10 µs each in the kernel. On a core shared with an event loop that run lasted 2.5-4 ms
// (bench/latency_cliffs.py traced it as the slowest replies of those scenarios): once picked,
// the thread keeps the core until the next scheduler tick (4 ms at HZ=250), neither
// SCHED_BATCH nor SCHED_IDLE changed that (bench/data/jemalloc_idle_ab), and sched_yield()
// hands the core back only to a thread the scheduler finds eligible.
//
// So ember-server defines madvise() itself: the executable's definition takes precedence over
// libc's for jemalloc's calls. In the purging thread, after every kRunUs of calls in a row,
// it sleeps kPauseUs: the thread leaves the run queue and a waiting event loop runs. Other
// threads, and other callers, get the plain system call.
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "base/clock.h"

namespace {

constexpr int64_t kRunUs = 200;   // purging in a row before a pause
constexpr int64_t kPauseUs = 50;  // the pause
constexpr int64_t kGapUs = 1000;  // calls further apart than this start a new run

struct PurgerState {
  int is_purger = -1;  // -1: not known yet (the thread's name is read once)
  int64_t run_start_us = 0;
  int64_t last_end_us = 0;
};
thread_local PurgerState purger;

bool IsPurger() {
  if (purger.is_purger < 0) {
    char name[16] = {};
    prctl(PR_GET_NAME, name, 0, 0, 0);
    purger.is_purger = strcmp(name, "jemalloc_bg_thd") == 0 ? 1 : 0;
  }
  return purger.is_purger == 1;
}

}  // namespace

extern "C" int madvise(void* addr, size_t len, int advice) {
  const bool pace = IsPurger();
  if (pace) {
    const int64_t now = ember::MonotonicUs();
    if (now - purger.last_end_us > kGapUs) {
      purger.run_start_us = now;
    } else if (now - purger.run_start_us >= kRunUs) {
      const timespec pause{0, kPauseUs * 1000};
      nanosleep(&pause, nullptr);
      purger.run_start_us = ember::MonotonicUs();
    }
  }
  const long r = syscall(SYS_madvise, addr, len, advice);  // -1 and errno on failure
  if (pace) purger.last_end_us = ember::MonotonicUs();
  return static_cast<int>(r);
}
