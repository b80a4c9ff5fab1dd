// Time source. Production code uses SystemClock; tests inject ManualClock and advance it
// instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace ember {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch (TTLs are absolute wall-clock times).
  virtual int64_t NowMs() const = 0;
  // Wall-clock microseconds since the Unix epoch.
  virtual int64_t NowUs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowUs() const override;
  static const SystemClock& Instance();
};

// Thread-safe manual clock for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : us_(start_ms * 1000) {}
  int64_t NowMs() const override { return us_.load() / 1000; }
  int64_t NowUs() const override { return us_.load(); }
  void AdvanceMs(int64_t ms) { us_ += ms * 1000; }
  void SetMs(int64_t ms) { us_ = ms * 1000; }

 private:
  std::atomic<int64_t> us_;
};

// Monotonic microseconds, for durations (latency, slowlog, cron).
int64_t MonotonicUs();

}  // namespace ember
