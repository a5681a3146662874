#include "bot/service/replay_guard.hpp"

#include <functional>
#include <string>

namespace smrel::service {
namespace {

// Hashes instead of keys: a collision (about n / 2^64) would refuse one real click, a price far
// below keeping every key's text for ten minutes of peak load.
std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

}  // namespace

bool replay_guard::first_sighting(std::string_view key, domain::time_point now) {
  const auto h = hash_of(key);
  std::lock_guard lock(mutex_);
  expire(now);
  if (!seen_.try_emplace(h, now).second) return false;
  by_age_.emplace_back(now, h);
  return true;
}

void replay_guard::forget(std::string_view key) {
  std::lock_guard lock(mutex_);
  seen_.erase(hash_of(key));  // its by_age_ entry no longer matches and expires harmlessly
}

void replay_guard::remember(std::string_view key, domain::time_point seen_at) {
  const auto h = hash_of(key);
  std::lock_guard lock(mutex_);
  if (seen_.try_emplace(h, seen_at).second) by_age_.emplace_back(seen_at, h);
}

std::size_t replay_guard::size() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}

void replay_guard::expire(domain::time_point now) {
  // Past the bound the oldest keys go first, even inside the window: memory stays bounded, and
  // only a replay of a click among the oldest could then slip through.
  while (!by_age_.empty() && (by_age_.front().first + window_ <= now || by_age_.size() > max_entries_)) {
    const auto& [at, h] = by_age_.front();
    // Only the entry that put the key there removes it: after forget() and a new sighting the
    // key is back with a later time.
    if (const auto it = seen_.find(h); it != seen_.end() && it->second == at) seen_.erase(it);
    by_age_.pop_front();
  }
}

}  // namespace smrel::service
