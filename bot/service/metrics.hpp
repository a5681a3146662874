#pragma once
// Counters and a latency histogram in Prometheus text format (/metrics). Cheap to update from
// many threads: routes are fixed at start-up, so their counters are plain atomics.
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace smrel::service {

class metrics {
 public:
  explicit metrics(std::vector<std::string> routes = {});
  /// Names the routes (the last collects everything unknown); once, before the first request.
  void set_routes(std::vector<std::string> routes);

  /// `route` is an index into the constructor's list; out-of-range counts as the last ("other").
  void observe_request(std::size_t route, int status, std::chrono::steady_clock::duration latency);
  void answers_stored(std::size_t count) { answers_stored_ += count; }
  void delivery(std::string_view outcome);  // "sent", "skipped", "retry", "rate_limited", "held", "dead"
  void refused(std::string_view reason);    // requests refused before routing
  /// A background loop (outbox, scheduler, pruning, an I/O thread) caught a failure and went on.
  void background_failure(std::string_view loop);
  /// Something went wrong unattended that admins must act on, and they were told (or would be,
  /// had they been named): "digest_undelivered", …
  void admin_alert(std::string_view about);

  std::string render(std::size_t outbox_depth) const;

 private:
  static constexpr std::array<double, 12> bucket_bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  static constexpr std::size_t status_classes = 6;  // 1xx … 5xx, and anything else
  struct route_stats {
    std::array<std::atomic<std::uint64_t>, status_classes> by_class{};
    std::array<std::atomic<std::uint64_t>, bucket_bounds.size() + 1> buckets{};
    std::atomic<std::uint64_t> latency_micros{0};
  };

  std::vector<std::string> routes_;
  std::vector<route_stats> stats_;
  std::atomic<std::uint64_t> answers_stored_{0};
  mutable std::mutex labelled_mutex_;
  std::map<std::string, std::uint64_t, std::less<>> deliveries_;
  std::map<std::string, std::uint64_t, std::less<>> refusals_;
  std::map<std::string, std::uint64_t, std::less<>> background_failures_;
  // Seeded with every kind at 0, so an alert rule can watch a series that exists before the first.
  std::map<std::string, std::uint64_t, std::less<>> admin_alerts_{
      {"credentials_refused", 0}, {"digest_undelivered", 0}, {"direct_messages_off", 0}};
};

}  // namespace smrel::service
