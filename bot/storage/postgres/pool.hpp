#pragma once
// A small pool of PostgreSQL connections, opened when first needed. A connection that broke (the
// server restarted, the network dropped it) is dropped on return or found dead before it is lent
// again, and a new one is opened on the next use: a database restart needs no process restart.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "bot/storage/postgres/connection.hpp"

namespace smrel::storage::postgres {

class pool {
 public:
  pool(connect_settings settings, std::size_t size);

  /// A connection lent for one operation; given back (or dropped, if broken) when it goes.
  class lease {
   public:
    lease(pool& owner, std::unique_ptr<connection> c) : owner_(&owner), c_(std::move(c)) {}
    lease(lease&& other) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (c_) owner_->give_back(std::move(c_));
    }
    connection& operator*() const { return *c_; }
    connection* operator->() const { return c_.get(); }

   private:
    pool* owner_;
    std::unique_ptr<connection> c_;
  };

  /// Waits up to `wait` for a free connection, opening one when the pool is not full. Throws
  /// store_error: unavailable when the server cannot be reached, transient when every
  /// connection stayed busy.
  lease acquire(std::chrono::milliseconds wait = default_wait);

  static constexpr std::chrono::milliseconds default_wait{5'000};

 private:
  void give_back(std::unique_ptr<connection> c);

  const connect_settings settings_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;  // idle and lent out
};

}  // namespace smrel::storage::postgres
