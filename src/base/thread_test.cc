#include "base/thread.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace ember {
namespace {

// Runs fn on a fresh thread, so that scheduling changes do not outlive the test.
template <typename Fn>
void OnThread(Fn fn) {
  std::thread t(fn);
  t.join();
}

TEST(ThreadTest, NameIsSetAndCutTo15Characters) {
  OnThread([] {
    char name[32] = {};
    SetThreadName("ember-test");
    ASSERT_EQ(pthread_getname_np(pthread_self(), name, sizeof(name)), 0);
    EXPECT_EQ(std::string(name), "ember-test");
    SetThreadName("ember-a-very-long-thread-name");
    ASSERT_EQ(pthread_getname_np(pthread_self(), name, sizeof(name)), 0);
    EXPECT_EQ(std::string(name), "ember-a-very-lo");
  });
}

TEST(ThreadTest, BackgroundThreadIsBatchAndLowerPriority) {
  OnThread([] {
    errno = 0;
    const int before = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    ASSERT_EQ(errno, 0);
    SetBackgroundThread(3);
    EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
    EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), std::min(before + 3, 19));
  });
  // Only that thread changed.
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

TEST(ThreadTest, TimeSliceIsWhatTheKernelKeepsWhereSupported) {
  OnThread([] {
    const bool supported = SetTimeSlice(200'000);
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
    // Linux 6.12+ keeps a normal thread's custom slice and reports it as sched_runtime.
    if (supported) {
      EXPECT_EQ(TimeSlice(), 200'000u);
    }
  });
  OnThread([] {
    // A batch thread's policy is left alone.
    SetBackgroundThread(0);
    EXPECT_FALSE(SetTimeSlice(200'000));
    EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
  });
}

TEST(ThreadTest, OtherThreadsBecomeBackgroundByName) {
  std::mutex mu;
  std::condition_variable cv;
  bool named = false, done = false;
  pid_t tid = 0;
  std::thread t([&] {
    SetThreadName("ember-t-other");
    std::unique_lock lk(mu);
    tid = gettid();
    named = true;
    cv.notify_all();
    cv.wait(lk, [&] { return done; });
  });
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return named; });
  }
  errno = 0;
  const int before = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  ASSERT_EQ(errno, 0);
  EXPECT_EQ(SetBackgroundThreadsNamed("ember-t-nobody", 2), 0);
  EXPECT_EQ(sched_getscheduler(tid), SCHED_OTHER);
  EXPECT_EQ(SetBackgroundThreadsNamed("ember-t-other", 2), 1);
  EXPECT_EQ(sched_getscheduler(tid), SCHED_BATCH);
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(tid)), std::min(before + 2, 19));
  EXPECT_EQ(SetBackgroundThreadsNamed("ember-t-other", 2), 0);  // already done
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);                // this thread is not
  {
    std::lock_guard lk(mu);
    done = true;
  }
  cv.notify_all();
  t.join();
}

TEST(ThreadTest, YieldPointYieldsOncePerPeriod) {
  YieldPoint never(1'000'000'000);  // a period no test reaches
  for (int i = 0; i < 10'000; ++i) never.Step();
  never.Check();
  EXPECT_EQ(never.yields(), 0u);

  YieldPoint always(0);
  for (int i = 0; i < 255; ++i) always.Step();
  EXPECT_EQ(always.yields(), 0u);  // the clock is read every 256 steps
  always.Step();
  EXPECT_EQ(always.yields(), 1u);
  for (int i = 0; i < 256 * 3; ++i) always.Step();
  EXPECT_EQ(always.yields(), 4u);
  always.Check();
  EXPECT_EQ(always.yields(), 5u);

  // A period far above any preemption between two lines on a loaded CI machine (with 1 ms,
  // one such preemption would have made an early yield).
  YieldPoint soon(200'000);  // 200 ms
  soon.Check();
  EXPECT_EQ(soon.yields(), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(210));
  soon.Check();
  EXPECT_EQ(soon.yields(), 1u);
  soon.Check();
  EXPECT_EQ(soon.yields(), 1u);  // the period starts again at the yield
}

}  // namespace
}  // namespace ember
