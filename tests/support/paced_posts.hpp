#pragma once
// Slack's chat.postMessage as a token bucket, for a fake Slack: "about N a second, with short
// bursts" taken literally, 429 with Retry-After above it. One instance per app: every replica of
// smrel posts into the same bucket, as at Slack.
#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/fake_slack.hpp"

namespace smrel::testing {

class paced_posts {
 public:
  static constexpr double posts_per_second = 5.0;
  static constexpr double burst = 5.0;
  // Calls leave our sender evenly spaced but arrive with some scheduling noise between them: a
  // turn is taken, then the call is made, and on two busy cores (the sanitizers, other tests, a
  // second CI job) one call can be held up a few hundred milliseconds and arrive just before the
  // next. The bucket forgives that much early arrival (400 ms: two posts), no more; a sender
  // going even 1.5× the rate runs out of that within seconds.
  static constexpr std::chrono::milliseconds default_arrival_noise{400};
  explicit paced_posts(std::chrono::milliseconds arrival_noise = default_arrival_noise)
      : arrival_noise_(arrival_noise) {}

  /// The least time `posts` take: the first `burst` at once, the rest at the refill rate.
  static std::chrono::duration<double> least_time(int posts) {
    return std::chrono::duration<double>{(posts - burst) / posts_per_second};
  }

  fake_slack::scripted answer(const fake_slack::call& c) {
    using namespace std::chrono;
    std::lock_guard lock(mutex_);
    const auto now = steady_clock::now();
    if (!started_) {
      started_ = true;
      tokens_ = burst;
    } else {
      tokens_ = std::min(burst, tokens_ + duration<double>(now - refilled_).count() * posts_per_second);
    }
    refilled_ = now;
    const double forgiven = duration<double>(arrival_noise_).count() * posts_per_second;
    if (tokens_ + forgiven < 1.0) {
      ++limited_;
      return {429, R"({"ok":false,"error":"ratelimited"})", "1"};
    }
    tokens_ -= 1.0;
    const auto channel = nlohmann::json::parse(c.body).value("channel", "");
    ++posts_[channel];
    if (sent_ == 0) first_ = now;
    last_ = now;
    return {200,
            nlohmann::json{{"ok", true}, {"channel", channel}, {"ts", "1764400000." + std::to_string(100000 + sent_++)}}.dump(),
            ""};
  }

  int limited() const {
    std::lock_guard lock(mutex_);
    return limited_;
  }
  /// Posts per channel.
  std::map<std::string, int> posts() const {
    std::lock_guard lock(mutex_);
    return posts_;
  }
  /// From the first post to the last.
  std::chrono::duration<double> span() const {
    std::lock_guard lock(mutex_);
    return last_ - first_;
  }

 private:
  const std::chrono::milliseconds arrival_noise_;
  mutable std::mutex mutex_;
  bool started_ = false;
  double tokens_ = 0.0;
  std::chrono::steady_clock::time_point refilled_;
  std::chrono::steady_clock::time_point first_;
  std::chrono::steady_clock::time_point last_;
  int limited_ = 0;
  int sent_ = 0;
  std::map<std::string, int> posts_;
};

}  // namespace smrel::testing
