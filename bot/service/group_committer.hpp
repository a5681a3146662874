#pragma once
// Group commit: concurrent writers hand their batches to one committing thread, which writes
// everything queued so far in a single transaction (one fsync) and then completes every waiter.
// Durability is per batch, throughput is per transaction: a burst of clicks shares the fsync.
// When the database itself refuses the group (locked by another process, full, failing, removed)
// every batch gets that error at once; only a failure that can be one batch's own (bad data) is
// retried batch by batch, so a bad batch does not fail its neighbours.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/associated_executor.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "bot/domain/clock.hpp"
#include "bot/storage/store.hpp"

namespace smrel::service {

class group_committer {
 public:
  /// `on_committed` sees every batch (or group of them, combined) once it is durable, in commit
  /// order, on the committing thread, before any waiter is completed.
  using committed_hook = std::function<void(const storage::write_batch&)>;
  group_committer(storage::store& store, const domain::clock& clock, committed_hook on_committed = {});
  ~group_committer();  // commits what is queued, then stops
  group_committer(const group_committer&) = delete;
  group_committer& operator=(const group_committer&) = delete;

  /// Completes with an empty exception_ptr once `batch` is durable, or with the storage error.
  template <class Token>
  auto async_commit(storage::write_batch batch, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
        [this](auto handler, storage::write_batch b) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          enqueue(std::move(b), [shared](std::exception_ptr error) {
            auto executor = boost::asio::get_associated_executor(*shared);
            boost::asio::dispatch(executor, [shared, error]() mutable { (*shared)(error); });
          });
        },
        token, std::move(batch));
  }

  /// Largest number of batches written in one transaction so far (for tests and logs).
  std::size_t largest_group() const;

 private:
  using completion = std::function<void(std::exception_ptr)>;
  struct pending {
    storage::write_batch batch;
    completion done;
  };
  void enqueue(storage::write_batch batch, completion done);
  void run();
  void commit_group(std::deque<pending>& group);
  void committed(const storage::write_batch& batch);
  void fail_queued_during_the_wait(const std::exception_ptr& error);

  storage::store& store_;
  const domain::clock& clock_;
  committed_hook on_committed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  std::size_t largest_group_ = 0;
  std::thread worker_;
};

}  // namespace smrel::service
