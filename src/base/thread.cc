#include "base/thread.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.h"

namespace ember {

namespace {

// The kernel's struct sched_attr (SCHED_ATTR_SIZE_VER1); glibc before 2.41 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56);

int ThreadNice() {
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  return errno == 0 ? nice : 0;
}

}  // namespace

void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

void SetBackgroundThread(int nice_delta) {
  const int nice = ThreadNice();
  sched_param param{};
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);  // keeps the nice value
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice + nice_delta);
}

bool SetTimeSlice(uint64_t ns) {
  int policy;
  sched_param param{};
  if (pthread_getschedparam(pthread_self(), &policy, &param) != 0 || policy != SCHED_OTHER)
    return false;  // real-time or batch: the operator chose; leave it
  SchedAttr attr{};
  attr.size = sizeof(attr);
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = ThreadNice();
  attr.sched_runtime = ns;
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

YieldPoint::YieldPoint(int64_t period_us) : period_us_(period_us), last_us_(MonotonicUs()) {}

void YieldPoint::Check() {
  const int64_t now = MonotonicUs();
  if (now - last_us_ < period_us_) return;
  sched_yield();
  ++yields_;
  last_us_ = MonotonicUs();
}

}  // namespace ember
