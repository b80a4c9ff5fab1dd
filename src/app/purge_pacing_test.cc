// ember-server's own madvise() (purge_pacing.cc): jemalloc's purging thread pauses after every
// 200 µs of calls in a row; every other thread gets the plain system call.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <thread>

namespace {

// Voluntary context switches of the calling thread so far (a sleep is one).
long VoluntarySwitches() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_nvcsw;
}

// On a new thread named `name`: madvise(MADV_DONTNEED) of one written page, over and over, for
// `ms` milliseconds. Returns that thread's voluntary context switches meanwhile.
long PurgeFor(const char* name, int ms) {
  long switches = -1;
  std::thread t([&] {
    prctl(PR_SET_NAME, name, 0, 0, 0);
    char* p = static_cast<char*>(
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(p, MAP_FAILED);
    const long before = VoluntarySwitches();
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      p[0] = 1;
      ASSERT_EQ(madvise(p, 4096, MADV_DONTNEED), 0);
      ASSERT_EQ(p[0], 0);  // the page really went back: a fresh zero page
    }
    switches = VoluntarySwitches() - before;
    munmap(p, 4096);
  });
  t.join();
  return switches;
}

TEST(PurgePacingTest, OnlyThePurgingThreadPauses) {
  // 20 ms of calls in a row: a 50 µs pause after each 200 µs of them (~80), fewer on a loaded
  // machine, never none.
  EXPECT_GE(PurgeFor("jemalloc_bg_thd", 20), 5);
  EXPECT_LE(PurgeFor("ember-loop-0", 20), 3);
}

TEST(PurgePacingTest, ErrorsPassThrough) {
  errno = 0;
  EXPECT_EQ(madvise(reinterpret_cast<void*>(1), 4096, MADV_DONTNEED), -1);  // not page-aligned
  EXPECT_EQ(errno, EINVAL);
}

}  // namespace
