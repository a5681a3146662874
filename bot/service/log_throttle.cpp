#include "bot/service/log_throttle.hpp"

#include <algorithm>
#include <utility>

namespace smrel::service {

std::optional<std::uint64_t> log_throttle::admit(std::string_view kind, clock_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(kind);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(kind), bucket{burst_, now, 0}).first;
  auto& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.refilled = now;
  }
  if (b.tokens < 1.0) {
    ++b.dropped;
    return std::nullopt;
  }
  b.tokens -= 1.0;
  return std::exchange(b.dropped, 0);
}

}  // namespace smrel::service
