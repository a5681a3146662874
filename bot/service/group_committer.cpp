#include "bot/service/group_committer.hpp"

namespace smrel::service {

group_committer::group_committer(storage::store& store, const domain::clock& clock, committed_hook on_committed)
    : store_(store), clock_(clock), on_committed_(std::move(on_committed)), worker_([this] { run(); }) {}

group_committer::~group_committer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  worker_.join();
}

std::size_t group_committer::largest_group() const {
  std::lock_guard lock(mutex_);
  return largest_group_;
}

void group_committer::enqueue(storage::write_batch batch, completion done) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(batch), std::move(done)});
  }
  wake_.notify_one();
}

void group_committer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything was committed
    std::deque<pending> group;
    group.swap(queue_);
    largest_group_ = std::max(largest_group_, group.size());
    lock.unlock();
    commit_group(group);
    lock.lock();
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
    for (auto& p : group) p.done(nullptr);
    return;
  } catch (const storage::store_error& e) {
    // The database itself refused (locked by another process, full, failing, removed): every
    // batch would fail the same way, and retrying each alone would multiply the wait past the
    // platform's deadline. Fail them all now with the same error.
    if (e.about_the_database()) {
      const auto error = std::current_exception();
      for (auto& p : group) p.done(error);
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
      p.done(database_error);
      continue;
    }
    try {
      store_.commit(p.batch, clock_.now());
      committed(p.batch);
      p.done(nullptr);
    } catch (const storage::store_error& e) {
      if (e.about_the_database()) database_error = std::current_exception();
      p.done(std::current_exception());
    } catch (...) {
      p.done(std::current_exception());
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
    std::lock_guard lock(mutex_);
    waiting.swap(queue_);
  }
  for (auto& p : waiting) p.done(error);
}

}  // namespace smrel::service
