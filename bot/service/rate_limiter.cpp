#include "bot/service/rate_limiter.hpp"

#include <algorithm>

namespace smrel::service {

void rate_limiter::set_rule(std::string prefix, rule r) { rules_[std::move(prefix)] = r; }

const rate_limiter::rule& rate_limiter::rule_for(const std::string& key) const {
  const rule* best = &default_rule_;
  std::size_t best_length = 0;
  for (const auto& [prefix, r] : rules_) {
    if (key.starts_with(prefix) && prefix.size() >= best_length) {
      best = &r;
      best_length = prefix.size();
    }
  }
  return *best;
}

rate_limiter::bucket& rate_limiter::refill(const std::string& key, time_point now) {
  auto& b = buckets_[key];
  const auto& r = rule_for(key);
  if (!b.initialised) {
    b = {r.burst, now, {}, true};
    return b;
  }
  if (now > b.updated) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(r.burst, b.tokens + elapsed * r.per_second);
    b.updated = now;
  }
  return b;
}

rate_limiter::time_point rate_limiter::ready_at(const std::string& key, time_point now) {
  auto& b = refill(key, now);
  time_point ready = now;
  if (b.tokens < 1.0) {
    const double wait = (1.0 - b.tokens) / rule_for(key).per_second;
    ready = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(wait));
  }
  return std::max(ready, b.paused_until);
}

void rate_limiter::take(const std::string& key, time_point now) {
  auto& b = refill(key, now);
  b.tokens -= 1.0;
}

void rate_limiter::forget_idle(time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const auto& [key, b] = entry;
    if (b.paused_until > now) return false;
    const auto& r = rule_for(key);
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    return b.tokens + std::max(0.0, elapsed) * r.per_second >= r.burst;
  });
}

void rate_limiter::pause(const std::string& key, time_point until) {
  auto& b = buckets_[key];
  if (!b.initialised) b = {rule_for(key).burst, until, {}, true};
  b.paused_until = std::max(b.paused_until, until);
}

}  // namespace smrel::service
