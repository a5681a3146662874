#pragma once
// Recognises a signed request seen before. A captured Slack click stays correctly signed for
// five minutes, and replaying it used to revert the answer a person had since changed and queue
// another message each time. Keys live for `window` (the signature window both ways), in a
// bounded table of 64-bit hashes.
#include <boost/unordered/unordered_flat_map.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>

#include "bot/domain/clock.hpp"

namespace smrel::service {

class replay_guard {
 public:
  replay_guard(std::chrono::seconds window, std::size_t max_entries) : window_(window), max_entries_(max_entries) {}

  /// True the first time `key` is seen within the window; false for a replay.
  bool first_sighting(std::string_view key, domain::time_point now);
  /// The request failed before it took effect: a repeat of it is no replay.
  void forget(std::string_view key);
  /// Keys seen before a restart (from storage), so a replay across a restart is caught too.
  void remember(std::string_view key, domain::time_point seen_at);

  std::size_t size() const;

 private:
  void expire(domain::time_point now);  // with mutex_ held

  std::chrono::seconds window_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  // Open addressing: up to a million keys under load, where a node per key (std::unordered_map)
  // cost a cache miss and an allocation per click.
  boost::unordered_flat_map<std::uint64_t, domain::time_point> seen_;  // key hash → when it was seen
  std::deque<std::pair<domain::time_point, std::uint64_t>> by_age_;  // oldest first
};

}  // namespace smrel::service
