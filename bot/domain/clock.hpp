#pragma once
// Time as an injected dependency: product code never reads the wall clock directly, so tests can
// move time (pulse windows, timestamp checks, retries) without sleeping.
#include <atomic>
#include <chrono>

namespace smrel::domain {

using time_point = std::chrono::system_clock::time_point;

class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const = 0;
};

class system_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

/// A clock that only moves when told to; safe to read from several threads.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start) : now_(start.time_since_epoch().count()) {}
  time_point now() const override { return time_point{time_point::duration{now_.load()}}; }
  void set(time_point at) { now_ = at.time_since_epoch().count(); }
  void advance(std::chrono::nanoseconds by) {
    now_ += std::chrono::duration_cast<time_point::duration>(by).count();
  }

 private:
  std::atomic<time_point::rep> now_;
};

}  // namespace smrel::domain
