#pragma once
// Keeps refusal logs readable under attack: a slow-client run once wrote 11,584 flushed lines.
// Each kind of line gets a token bucket; a line over budget is counted instead of written, and
// the next line that is written says how many were dropped. Metrics still count every refusal.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace smrel::service {

class log_throttle {
 public:
  using clock_point = std::chrono::steady_clock::time_point;

  /// `per_second` lines of each kind on average, bursts of up to `burst`.
  log_throttle(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  /// nullopt: drop this line. Otherwise write it, noting the returned number of lines of this
  /// kind dropped since the last one written.
  std::optional<std::uint64_t> admit(std::string_view kind, clock_point now);

 private:
  struct bucket {
    double tokens = 0;
    clock_point refilled;
    std::uint64_t dropped = 0;
  };
  double per_second_;
  double burst_;
  std::mutex mutex_;
  std::map<std::string, bucket, std::less<>> buckets_;  // kinds are a small fixed set of reasons
};

}  // namespace smrel::service
