#include "base/thread.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

// The nice value of a thread (gettid()) or of the process (getpid()); 0 if unreadable.
int NiceOf(pid_t who) {
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(who));
  return errno == 0 ? nice : 0;
}

// Thread `tid` becomes SCHED_BATCH at `nice`; false (and nothing changed) if refused.
bool MakeBatch(pid_t tid, int nice) {
  sched_param param{};
  if (sched_setscheduler(tid, SCHED_BATCH, &param) != 0) return false;
  setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice);
  return true;
}

}  // namespace

void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

void SetBackgroundThread(int nice_delta) {
  const pid_t self = gettid();
  MakeBatch(self, NiceOf(self) + nice_delta);
}

int SetBackgroundThreadsNamed(const std::string& name, int nice_delta) {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  const int base = NiceOf(getpid());
  int changed = 0;
  while (dirent* d = readdir(dir)) {
    if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
    const pid_t tid = static_cast<pid_t>(atoi(d->d_name));
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", static_cast<int>(tid));
    FILE* f = fopen(path, "r");
    if (f == nullptr) continue;  // ended meanwhile
    char comm[32] = {};
    const bool read = fgets(comm, sizeof(comm), f) != nullptr;
    fclose(f);
    if (!read) continue;
    comm[strcspn(comm, "\n")] = '\0';
    if (name != comm || sched_getscheduler(tid) != SCHED_OTHER) continue;
    if (MakeBatch(tid, base + nice_delta)) ++changed;
  }
  closedir(dir);
  return changed;
}

bool SetTimeSlice(uint64_t ns) {
  int policy;
  sched_param param{};
  if (pthread_getschedparam(pthread_self(), &policy, &param) != 0 || policy != SCHED_OTHER)
    return false;  // real-time or batch: the operator chose; leave it
  SchedAttr attr{};
  attr.size = sizeof(attr);
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = NiceOf(gettid());
  attr.sched_runtime = ns;
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

uint64_t TimeSlice() {
  SchedAttr attr{};
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) != 0) return 0;
  return attr.sched_runtime;
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
