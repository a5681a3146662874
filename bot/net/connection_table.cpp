#include "bot/net/connection_table.hpp"

namespace smrel::net {

std::uint64_t connection_table::add(std::weak_ptr<tracked_connection> c) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  live_.emplace(id, std::move(c));
  return id;
}

void connection_table::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  live_.erase(id);
}

std::vector<std::shared_ptr<tracked_connection>> connection_table::snapshot() {
  std::vector<std::shared_ptr<tracked_connection>> out;
  std::lock_guard lock(mutex_);
  out.reserve(live_.size());
  for (auto& [id, weak] : live_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

std::shared_ptr<tracked_connection> connection_table::claim_longest_idle() {
  // Scanned outside the lock: dropping the last reference to a connection must not run its
  // destructor under our mutex. A connection may turn busy between scan and claim; then the next
  // oldest is tried.
  const auto all = snapshot();
  for (int attempt = 0; attempt < 4; ++attempt) {
    const std::shared_ptr<tracked_connection>* oldest = nullptr;
    std::int64_t oldest_since = 0;
    for (const auto& c : all) {
      const auto since = c->idle_since_.load(std::memory_order_relaxed);
      if (since > tracked_connection::busy && (!oldest || since < oldest_since)) {
        oldest = &c;
        oldest_since = since;
      }
    }
    if (!oldest) return nullptr;
    if ((*oldest)->idle_since_.compare_exchange_strong(oldest_since, tracked_connection::evicted,
                                                       std::memory_order_relaxed)) {
      return *oldest;
    }
  }
  return nullptr;
}

}  // namespace smrel::net
