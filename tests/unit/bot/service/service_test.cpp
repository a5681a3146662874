#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "bot/service/group_committer.hpp"
#include "bot/service/url_allow_list.hpp"
#include "bot/service/rate_limiter.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::service {
namespace {

using namespace std::chrono_literals;

TEST(rate_limiter, spaces_calls_by_bucket_and_honours_pauses) {
  rate_limiter limiter;
  limiter.set_rule("channel:", {1.0, 2.0});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  const std::vector<std::string> c1{"channel:C1"};
  const std::vector<std::string> c2{"channel:C2"};
  EXPECT_EQ(limiter.acquire(c1, t0), t0);  // burst of two
  EXPECT_EQ(limiter.acquire(c1, t0), t0);
  EXPECT_EQ(limiter.acquire(c1, t0), t0 + 1s);  // then one a second
  EXPECT_EQ(limiter.acquire(c2, t0), t0);       // other channels are not held up
  EXPECT_EQ(limiter.acquire(c1, t0 + 1s), t0 + 1s);
  limiter.pause("channel:C2", t0 + 30s);
  EXPECT_EQ(limiter.acquire(c2, t0 + 1s), t0 + 30s);
  const std::vector<std::string> both{"channel:C1", "channel:C2"};
  EXPECT_EQ(limiter.acquire(both, t0 + 2s), t0 + 30s);  // the slowest key decides
}

TEST(rate_limiter, a_turn_soon_enough_is_reserved_and_later_callers_queue_behind_it) {
  rate_limiter limiter;
  limiter.set_rule("url:", {10.0, 1.0});  // one every 100 ms
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  const std::vector<std::string> url{"url:hooks"};
  EXPECT_EQ(limiter.acquire(url, t0, t0 + 250ms), t0);
  EXPECT_EQ(limiter.acquire(url, t0, t0 + 250ms), t0 + 100ms);
  EXPECT_EQ(limiter.acquire(url, t0, t0 + 250ms), t0 + 200ms);
  EXPECT_EQ(limiter.acquire(url, t0, t0 + 250ms), t0 + 300ms) << "too far: not taken";
  EXPECT_EQ(limiter.acquire(url, t0 + 300ms), t0 + 300ms);
  EXPECT_EQ(limiter.acquire(url, t0 + 300ms), t0 + 400ms);
}

TEST(rate_limiter, forgets_buckets_that_are_full_again_but_not_paused_ones) {
  rate_limiter limiter;
  limiter.set_rule("conv:", {1.0, 2.0});
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 100; ++i) limiter.acquire(std::vector<std::string>{"conv:" + std::to_string(i)}, t0);
  limiter.pause("conv:paused", t0 + 1min);
  EXPECT_EQ(limiter.size(), 101U);
  limiter.forget_idle(t0);  // each spent one of two tokens: none is full yet
  EXPECT_EQ(limiter.size(), 101U);
  limiter.forget_idle(t0 + 2s);  // refilled: forgotten, except the paused one
  EXPECT_EQ(limiter.size(), 1U);
  // A forgotten bucket starts full, as it would have been.
  EXPECT_EQ(limiter.acquire(std::vector<std::string>{"conv:1"}, t0 + 2s), t0 + 2s);
  EXPECT_EQ(limiter.acquire(std::vector<std::string>{"conv:paused"}, t0 + 2s), t0 + 1min);
}

TEST(outbound, response_urls_only_go_to_allowed_hosts) {
  const std::vector<std::string> slack{"hooks.slack.com"};
  EXPECT_TRUE(allowed_url("https://hooks.slack.com/actions/T1/2/x", slack));
  EXPECT_TRUE(allowed_url("https://HOOKS.slack.com:443/commands/1", slack));
  EXPECT_FALSE(allowed_url("https://hooks.slack.com:8443/x", slack));
  EXPECT_FALSE(allowed_url("https://hooks.slack.com.evil.example/x", slack));
  EXPECT_FALSE(allowed_url("https://evil@hooks.slack.com/x", slack));
  EXPECT_FALSE(allowed_url("ftp://hooks.slack.com/x", slack));
  EXPECT_FALSE(allowed_url("http://169.254.169.254/latest", slack));
  EXPECT_FALSE(allowed_url("not a url", slack));
  const std::vector<std::string> local{"127.0.0.1:9000", "[::1]:9001"};
  EXPECT_TRUE(allowed_url("http://127.0.0.1:9000/a", local));
  EXPECT_FALSE(allowed_url("http://127.0.0.1:9002/a", local));
  EXPECT_TRUE(allowed_url("http://[::1]:9001/a", local));
}

TEST(group_committer, concurrent_writers_share_transactions_and_all_become_durable) {
  testing::temp_dir dir;
  auto store = storage::open_store("sqlite:" + dir.file("g.db"));
  store->migrate();
  const domain::workspace_ref team{domain::platform::slack, "T1"};
  const domain::system_clock clock;
  const auto week = scoring::iso_week::containing(clock.now());
  const auto pulse = store->open_pulse(team, week, clock.now(), clock.now() + 24h);
  constexpr int writers = 400;
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::atomic<int> seen_before_done{0};
  std::mutex seen_mutex;
  std::multiset<std::string> seen;  // what the hook was shown as committed
  const auto was_seen = [&](const std::string& p) {
    std::lock_guard lock(seen_mutex);
    return seen.count(p) == 1;
  };
  {
    group_committer committer(*store, clock, [&](const storage::write_batch& committed) {
      std::lock_guard lock(seen_mutex);
      for (const auto& a : committed.answers) seen.insert(a.pseudonym);
    });
    boost::asio::io_context io;
    for (int i = 0; i < writers; ++i) {
      storage::write_batch batch;
      batch.answers.push_back({team, pulse.id, "p" + std::to_string(i), week, 0, static_cast<std::uint8_t>(1 + i % 5), clock.now()});
      if (i == 7) batch.answers.back().value = 9;  // one bad batch must fail alone
      boost::asio::co_spawn(
          io,
          [&, b = std::move(batch)]() mutable -> boost::asio::awaitable<void> {
            const auto pseudonym = b.answers.front().pseudonym;
            try {
              co_await committer.async_commit(std::move(b), boost::asio::use_awaitable);
              ++done;
              if (was_seen(pseudonym)) ++seen_before_done;
            } catch (const storage::store_error&) {
              ++failed;
            }
          },
          boost::asio::detached);
    }
    std::thread a([&] { io.run(); });
    std::thread b([&] { io.run(); });
    a.join();
    b.join();
    EXPECT_GT(committer.largest_group(), 1U);
  }
  EXPECT_EQ(done.load(), writers - 1);
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(store->answer_count(), static_cast<std::size_t>(writers - 1));
  // The hook saw each committed batch once, before its writer heard, and never the failed one.
  EXPECT_EQ(seen_before_done.load(), writers - 1);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(writers - 1));
  EXPECT_EQ(seen.count("p7"), 0U);
}

}  // namespace
}  // namespace smrel::service
