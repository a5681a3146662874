#include "bot/storage/postgres/pool.hpp"

#include <utility>

namespace smrel::storage::postgres {

pool::pool(connect_settings settings, std::size_t size) : settings_(std::move(settings)), size_(size == 0 ? 1 : size) {}

pool::lease pool::acquire(std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_until(lock, deadline, [this] { return !idle_.empty() || open_ < size_; })) {
      throw store_error("every PostgreSQL connection in the pool stayed busy", store_failure::transient);
    }
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (c->reusable()) return lease(*this, std::move(c));
      c.reset();  // closed by the server while idle: open a fresh one instead
      lock.lock();
      --open_;
      continue;
    }
    ++open_;  // a slot taken for the connection opened below, outside the lock
    lock.unlock();
    try {
      return lease(*this, std::make_unique<connection>(settings_));
    } catch (...) {
      {
        std::lock_guard relock(mutex_);
        --open_;
      }
      freed_.notify_one();
      throw;
    }
  }
}

void pool::give_back(std::unique_ptr<connection> c) {
  const bool keep = !c->broken();
  if (!keep) c.reset();
  {
    std::lock_guard lock(mutex_);
    if (keep) {
      idle_.push_back(std::move(c));
    } else {
      --open_;
    }
  }
  freed_.notify_one();
}

}  // namespace smrel::storage::postgres
