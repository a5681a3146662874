#pragma once
// Token buckets keyed by route (a method, a channel), plus pauses set by 429 Retry-After.
// Time is an argument, so tests move it by hand. Not thread-safe: one sender owns it.
#include <chrono>
#include <map>
#include <string>

namespace smrel::service {

class rate_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct rule {
    double per_second = 1.0;
    double burst = 1.0;
  };

  /// Buckets whose key starts with `prefix` follow `r` (the longest matching prefix wins).
  void set_rule(std::string prefix, rule r);
  const rule& rule_for(const std::string& key) const;

  /// When a call charged to every key in `keys` may go. If that is no later than `latest`, the
  /// turn is taken (reserved, when it is still ahead): the next caller's turn comes after it.
  template <class Keys>
  time_point acquire(const Keys& keys, time_point now, time_point latest) {
    if (++acquired_ % forget_every == 0) forget_idle(now);
    time_point ready = now;
    for (const auto& key : keys) ready = std::max(ready, ready_at(key, now));
    if (ready <= latest) {
      for (const auto& key : keys) take(key, now);
    }
    return ready;
  }
  template <class Keys>
  time_point acquire(const Keys& keys, time_point now) {
    return acquire(keys, now, now);
  }

  /// Nothing under `key` goes before `until` (Slack's Retry-After).
  void pause(const std::string& key, time_point until);

  /// Drops buckets that are full again and not paused: a fresh one is the same, and keys per
  /// conversation would otherwise pile up for the life of the process. Called every few thousand
  /// acquisitions.
  void forget_idle(time_point now);
  std::size_t size() const { return buckets_.size(); }

 private:
  struct bucket {
    double tokens = 0.0;
    time_point updated;
    time_point paused_until;
    bool initialised = false;
  };
  bucket& refill(const std::string& key, time_point now);
  time_point ready_at(const std::string& key, time_point now);
  void take(const std::string& key, time_point now);

  std::map<std::string, rule> rules_;
  std::map<std::string, bucket> buckets_;
  rule default_rule_{1.0, 1.0};
  static constexpr std::size_t forget_every = 4096;
  std::size_t acquired_ = 0;
};

}  // namespace smrel::service
