#include "bot/service/group_committer.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "tests/support/temp_dir.hpp"

namespace smrel::service {
namespace {

using namespace std::chrono_literals;
using stopwatch = std::chrono::steady_clock;

const domain::workspace_ref team{domain::platform::slack, "T1"};

class group_committer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::open_store("sqlite:" + path_);
    store_->migrate();
    pulse_ = store_->open_pulse(team, week_, clock_.now(), clock_.now() + 24h).id;
  }

  storage::write_batch batch(const std::string& pseudonym, std::uint8_t value = 3) {
    storage::write_batch b;
    b.answers.push_back({team, pulse_, pseudonym, week_, 0, value, clock_.now()});
    return b;
  }

  // Hands `b` to the committer; the future holds the outcome.
  static std::future<std::exception_ptr> submit(group_committer& committer, storage::write_batch b) {
    auto done = std::make_shared<std::promise<std::exception_ptr>>();
    auto outcome = done->get_future();
    committer.async_commit(std::move(b), [done](std::exception_ptr error) { done->set_value(error); });
    return outcome;
  }

  static storage::store_failure failure_of(std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const storage::store_error& e) {
      return e.kind();
    } catch (...) {
    }
    ADD_FAILURE() << "not a store_error";
    return storage::store_failure::other;
  }

  testing::temp_dir dir_;
  std::string path_ = dir_.file("g.db");
  domain::system_clock clock_;
  scoring::iso_week week_ = scoring::iso_week::containing(clock_.now());
  std::unique_ptr<storage::store> store_;
  std::int64_t pulse_ = 0;
};

TEST_F(group_committer_test, a_locked_database_fails_everything_waiting_in_one_bounded_wait) {
  sqlite3* other = nullptr;  // another process holding the write lock
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  {
    group_committer committer(*store_, clock_);
    // The first batch occupies the committer (waiting for the lock) while four more queue up
    // behind it: they share its failure instead of waiting once more each, or once more as a group.
    const auto start = stopwatch::now();
    auto pilot = submit(committer, batch("p0"));
    std::this_thread::sleep_for(100ms);
    std::vector<std::future<std::exception_ptr>> four;
    for (int i = 1; i <= 4; ++i) four.push_back(submit(committer, batch("p" + std::to_string(i))));
    ASSERT_TRUE(pilot.get());
    for (auto& f : four) {
      const auto error = f.get();
      ASSERT_TRUE(error);
      EXPECT_EQ(failure_of(error), storage::store_failure::transient);
    }
    EXPECT_LT(stopwatch::now() - start, 2500ms);  // one bounded wait in all (it was 25 s)
    // The next batch tries afresh, and succeeds once the lock is gone.
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    EXPECT_FALSE(submit(committer, batch("p5")).get());
  }
  sqlite3_close(other);
  EXPECT_EQ(store_->answer_count(), 1U);
}

TEST_F(group_committer_test, a_bad_batch_fails_alone_and_the_others_keep_their_seen_events) {
  std::vector<std::future<std::exception_ptr>> outcomes;
  {
    group_committer committer(*store_, clock_);
    for (int i = 0; i < 6; ++i) {
      auto b = batch("p" + std::to_string(i), i == 3 ? 9 : 3);  // 9 is out of range
      b.seen_events = {"click:" + std::to_string(i)};
      outcomes.push_back(submit(committer, std::move(b)));
    }
  }
  for (int i = 0; i < 6; ++i) {
    const auto error = outcomes[static_cast<std::size_t>(i)].get();
    if (i == 3) {
      ASSERT_TRUE(error);
      EXPECT_EQ(failure_of(error), storage::store_failure::conflict);
    } else {
      EXPECT_FALSE(error) << i;
    }
  }
  EXPECT_EQ(store_->answer_count(), 5U);
  EXPECT_EQ(store_->recent_events("click:", clock_.now() - 1h),
            (std::vector<std::string>{"click:0", "click:1", "click:2", "click:4", "click:5"}));
}

// A network thread's batches from one round of its event loop share a transaction: the committer
// is woken behind the requests the thread has in hand, not by the first batch. (Woken by the
// first, it committed that one alone while the round went on.)
TEST_F(group_committer_test, the_batches_of_one_round_of_a_network_thread_share_a_transaction) {
  boost::asio::io_context io;
  group_committer committer(*store_, clock_);
  int committed = 0;
  boost::asio::post(io, [&] {
    for (int i = 0; i < 5; ++i) {
      auto done = boost::asio::bind_executor(io, [&](std::exception_ptr error) {
        EXPECT_FALSE(error);
        ++committed;
      });
      committer.async_commit(batch("r" + std::to_string(i)), std::move(done));
      std::this_thread::sleep_for(20ms);  // a long round: time enough for a woken committer to start
    }
  });
  io.run();  // returns once every waiter was resumed: each keeps the io_context's work until then
  EXPECT_EQ(committed, 5);
  EXPECT_EQ(committer.largest_group(), 5U);
  EXPECT_EQ(store_->answer_count(), 5U);
}

}  // namespace
}  // namespace smrel::service
