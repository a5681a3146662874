#pragma once
// Group commit: concurrent writers hand their batches to one committing thread, which writes
// everything queued so far in a single transaction (one fsync) and then completes every waiter.
// Durability is per batch, throughput is per transaction: a burst of clicks shares the fsync.
// When the database itself refuses the group (locked by another process, full, failing, removed)
// every batch gets that error at once; only a failure that can be one batch's own (bad data) is
// retried batch by batch, so a bad batch does not fail its neighbours.
//
// Groups follow the network threads' rhythm. A batch from a coroutine does not wake the committer
// at once: the wake is posted to the coroutine's executor, behind the requests that thread already
// has in hand, so the batches those requests make join the same group instead of each waking the
// committer (on a busy core a woken committer runs at once and commits a group of one or two).
// The waiters are resumed with one post per executor, not one each.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/system_executor.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

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

  /// Completes with an empty exception_ptr once `batch` is durable, or with the storage error, on
  /// the handler's executor (a handler without one is called on the committing thread).
  template <class Token>
  auto async_commit(storage::write_batch batch, Token&& token) {
    return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
        [this](auto handler, storage::write_batch b) {
          using executor = boost::asio::associated_executor_t<decltype(handler)>;
          std::optional<boost::asio::any_io_executor> home;
          if constexpr (!std::is_same_v<executor, boost::asio::system_executor>) {
            // Tracked, as for any asynchronous operation: its executor keeps running until the
            // waiter is resumed.
            home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                       boost::asio::execution::outstanding_work.tracked);
          }
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          enqueue(std::move(b), std::move(home), [shared](std::exception_ptr error) { (*shared)(error); });
        },
        token, std::move(batch));
  }

  /// Largest number of batches written in one transaction so far (for tests and logs).
  std::size_t largest_group() const;

 private:
  using resumption = std::function<void(std::exception_ptr)>;
  struct pending {
    storage::write_batch batch;
    std::optional<boost::asio::any_io_executor> home;  // where the waiter resumes
    resumption resume;
    std::exception_ptr error;  // the outcome, once known
  };
  // What the network threads share with the committing thread; held by the wakes they post too,
  // which may run after the committer is gone.
  struct shared_state {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<pending> queue;
    bool go = false;           // the queue is to be committed
    bool wake_posted = false;  // a wake is on its way from a network thread
    bool stopping = false;
    std::size_t largest_group = 0;
  };
  void enqueue(storage::write_batch batch, std::optional<boost::asio::any_io_executor> home, resumption resume);
  void run();
  void commit_group(std::deque<pending>& group);
  void committed(const storage::write_batch& batch);
  static void resume_all(std::deque<pending>& group);
  void fail_queued_during_the_wait(const std::exception_ptr& error);

  storage::store& store_;
  const domain::clock& clock_;
  committed_hook on_committed_;
  std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();
  std::thread worker_;
};

}  // namespace smrel::service
