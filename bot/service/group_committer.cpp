#include "bot/service/group_committer.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace smrel::service {

group_committer::group_committer(storage::store& store, const domain::clock& clock, committed_hook on_committed)
    : store_(store), clock_(clock), on_committed_(std::move(on_committed)), worker_([this] { run(); }) {}

group_committer::~group_committer() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_one();
  worker_.join();
}

std::size_t group_committer::largest_group() const {
  std::lock_guard lock(state_->mutex);
  return state_->largest_group;
}

void group_committer::enqueue(storage::write_batch batch, std::optional<boost::asio::any_io_executor> home,
                              resumption resume) {
  auto& s = *state_;
  bool post_wake = false;
  {
    std::lock_guard lock(s.mutex);
    s.queue.push_back({std::move(batch), home, std::move(resume), nullptr});
    if (!home) {
      s.go = true;  // no network thread to wait for
    } else if (!s.wake_posted) {
      s.wake_posted = post_wake = true;
    }
  }
  if (!home) {
    s.wake.notify_one();
  } else if (post_wake) {
    // Runs once the thread is through the requests it has in hand, whose batches then share the group.
    boost::asio::post(*home, [state = state_] {
      {
        std::lock_guard lock(state->mutex);
        state->wake_posted = false;
        state->go = true;
      }
      state->wake.notify_one();
    });
  }
}

void group_committer::run() {
  auto& s = *state_;
  std::unique_lock lock(s.mutex);
  for (;;) {
    s.wake.wait(lock, [&] { return s.stopping || (s.go && !s.queue.empty()); });
    if (s.queue.empty()) return;  // stopping, and everything was committed
    std::deque<pending> group;
    group.swap(s.queue);
    s.go = false;
    s.largest_group = std::max(s.largest_group, group.size());
    lock.unlock();
    commit_group(group);
    resume_all(group);
    lock.lock();
  }
}

// One post per executor, in commit order: a network thread resumes all its waiters in one go.
void group_committer::resume_all(std::deque<pending>& group) {
  struct resumptions {
    boost::asio::any_io_executor home;
    std::vector<std::pair<resumption, std::exception_ptr>> waiters;
  };
  std::vector<resumptions> by_home;
  for (auto& p : group) {
    if (!p.home) {
      p.resume(p.error);
      continue;
    }
    auto it = std::find_if(by_home.begin(), by_home.end(), [&](const resumptions& r) { return r.home == *p.home; });
    if (it == by_home.end()) it = by_home.insert(by_home.end(), resumptions{*p.home, {}});
    it->waiters.emplace_back(std::move(p.resume), p.error);
  }
  for (auto& r : by_home) {
    boost::asio::post(r.home, [waiters = std::move(r.waiters)]() mutable {
      for (auto& [resume, error] : waiters) resume(error);
    });
  }
}

void group_committer::commit_group(std::deque<pending>& group) {
  storage::write_batch combined;
  for (const auto& p : group) {
    combined.answers.insert(combined.answers.end(), p.batch.answers.begin(), p.batch.answers.end());
    combined.follow_ups.insert(combined.follow_ups.end(), p.batch.follow_ups.begin(), p.batch.follow_ups.end());
    combined.outbox.insert(combined.outbox.end(), p.batch.outbox.begin(), p.batch.outbox.end());
    combined.seen_events.insert(combined.seen_events.end(), p.batch.seen_events.begin(), p.batch.seen_events.end());
    combined.people_unchanged.insert(combined.people_unchanged.end(), p.batch.people_unchanged.begin(),
                                     p.batch.people_unchanged.end());
  }
  try {
    store_.commit(combined, clock_.now());
    committed(combined);
    return;
  } catch (const storage::store_error& e) {
    // The database itself refused (locked by another process, full, failing, removed): every
    // batch would fail the same way, and retrying each alone would multiply the wait past the
    // platform's deadline. Fail them all now with the same error.
    if (e.about_the_database()) {
      const auto error = std::current_exception();
      for (auto& p : group) p.error = error;
      fail_queued_during_the_wait(error);
      return;
    }
  } catch (...) {
  }
  // One bad batch must not fail its neighbours: retry each alone, so only it sees the error. If
  // the database itself starts refusing meanwhile, the rest fail at once as above.
  std::exception_ptr database_error;
  for (auto& p : group) {
    if (database_error) {
      p.error = database_error;
      continue;
    }
    try {
      store_.commit(p.batch, clock_.now());
      committed(p.batch);
    } catch (const storage::store_error& e) {
      if (e.about_the_database()) database_error = std::current_exception();
      p.error = std::current_exception();
    } catch (...) {
      p.error = std::current_exception();
    }
  }
}

void group_committer::committed(const storage::write_batch& batch) {
  if (!on_committed_) return;
  try {
    on_committed_(batch);
  } catch (...) {
    // What is durable stays acknowledged: a hook (a cache update) failing must not undo that.
  }
}

// Batches that queued while the database refused arrived during its wait; another full wait
// for them would put their answer past the platform's deadline (four clicks under a foreign lock
// took 3 s this way, with 1.5 s each). They fail with the same error; the next batch tries afresh.
void group_committer::fail_queued_during_the_wait(const std::exception_ptr& error) {
  std::deque<pending> waiting;
  {
    std::lock_guard lock(state_->mutex);
    waiting.swap(state_->queue);
  }
  for (auto& p : waiting) p.error = error;
  resume_all(waiting);
}

}  // namespace smrel::service
