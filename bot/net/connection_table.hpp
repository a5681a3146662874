#pragma once
// The server's live connections: shutdown reaches them through it, and a new connection at the
// cap takes the place of the one that has sat idle between requests the longest.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace smrel::net {

/// One accepted connection, as the server's bookkeeping sees it.
class tracked_connection {
 public:
  explicit tracked_connection(std::string remote) : remote_(std::move(remote)) {}
  virtual ~tracked_connection() = default;
  tracked_connection(const tracked_connection&) = delete;
  tracked_connection& operator=(const tracked_connection&) = delete;

  /// Both post to the connection's executor; safe from any thread. close_if_idle spares a
  /// connection whose request head is complete (it is being served).
  virtual void close_if_idle() = 0;
  virtual void close_now() = 0;

  const std::string& remote() const { return remote_; }

  /// Between requests, no byte of the next one received yet: the connection may be evicted.
  void mark_idle(std::chrono::steady_clock::time_point now) {
    idle_since_.store(std::max<std::int64_t>(1, now.time_since_epoch().count()), std::memory_order_relaxed);
  }
  /// The next request has begun. False when the connection was evicted first: it must close.
  bool mark_busy() {
    auto seen = idle_since_.load(std::memory_order_relaxed);
    while (seen != evicted) {
      if (idle_since_.compare_exchange_weak(seen, busy, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  bool idle() const { return idle_since_.load(std::memory_order_relaxed) > busy; }

 private:
  friend class connection_table;
  static constexpr std::int64_t busy = 0;
  static constexpr std::int64_t evicted = -1;

  const std::string remote_;
  std::atomic<std::int64_t> idle_since_{busy};  // steady-clock ticks, or busy / evicted
};

class connection_table {
 public:
  std::uint64_t add(std::weak_ptr<tracked_connection> c);
  void remove(std::uint64_t id);
  std::vector<std::shared_ptr<tracked_connection>> snapshot();

  /// Claims the connection idle the longest, so it cannot turn busy any more, and returns it for
  /// the caller to close; null when none is idle. Scans all connections: called only at the cap.
  std::shared_ptr<tracked_connection> claim_longest_idle();

 private:
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<tracked_connection>> live_;
  std::uint64_t next_id_ = 0;
};

}  // namespace smrel::net
