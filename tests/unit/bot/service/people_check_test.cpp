// The people check on a manual clock: each person is looked up once, then not again for a day; a
// failure about one person is tried again later, a refusal of the app rests the platform, a rate
// limit waits for a later pass, and whoever was taken but not looked up is due again at once.
#include "bot/service/people_check.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <condition_variable>
#include <deque>
#include <thread>
#include <map>
#include <mutex>

#include "bot/domain/pseudonymizer.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::service {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const domain::workspace_ref team{domain::platform::slack, "T1"};
const domain::time_point t0 = domain::time_point{sys_days{2026y / November / 30} + 9h};

// A platform that answers look-ups from a script (default: a person) and records whom it was
// asked about. It sends nothing.
class directory_plug final : public channel_plug {
 public:
  domain::platform platform() const override { return domain::platform::slack; }
  std::optional<std::string> cannot_send() const override { return std::nullopt; }
  const domain::command_phrasing& phrasing() const override { return phrasing_; }
  std::vector<route> routes() override { return {}; }
  void set_rate_rules(rate_limiter&) const override {}
  send_buckets buckets(send_action, std::string_view) const override { return {}; }
  boost::asio::awaitable<domain::delivery_outcome> send(send_action, std::string, domain::message) override {
    co_return domain::delivery_outcome{};
  }
  boost::asio::awaitable<domain::delivery_outcome> open_direct(domain::member_key) override {
    co_return domain::delivery_outcome{};
  }
  std::optional<storage::send_pace> look_up_pace() const override { return pace_; }
  boost::asio::awaitable<person_look_up> look_up(domain::member_key who) override {
    std::lock_guard lock(mutex_);
    asked_.push_back(who.user);
    asked_changed_.notify_all();
    person_look_up out;
    if (!script_.empty()) {
      out = std::move(script_.front());
      script_.pop_front();
    } else {
      out.outcome.verdict = domain::delivery_verdict::sent;
      out.facts = kinds_.contains(who.user) ? domain::person_facts{kinds_[who.user], false} : domain::person_facts{};
    }
    co_return out;
  }

  void answer_next(person_look_up answer) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(answer));
  }
  void make(const std::string& user, domain::person_kind kind) {
    std::lock_guard lock(mutex_);
    kinds_[user] = kind;
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }
  bool wait_until_asked(std::size_t count) {
    std::unique_lock lock(mutex_);
    return asked_changed_.wait_for(lock, 10s, [&] { return asked_.size() >= count; });
  }
  void slow_down(storage::send_pace pace) { pace_ = std::move(pace); }

 private:
  struct words_only final : domain::command_phrasing {
    std::string command(std::string_view words) const override { return std::string(words); }
  };
  words_only phrasing_;
  std::mutex mutex_;
  std::condition_variable asked_changed_;
  storage::send_pace pace_{"test:look_up", 1000.0, 1000.0};
  std::deque<person_look_up> script_;
  std::map<std::string, domain::person_kind> kinds_;
  std::vector<std::string> asked_;
};

person_look_up failed(domain::delivery_verdict verdict, std::string reason,
                      domain::delivery_problem problem = domain::delivery_problem::none) {
  person_look_up out;
  out.outcome.verdict = verdict;
  out.outcome.reason = std::move(reason);
  out.outcome.problem = problem;
  if (verdict == domain::delivery_verdict::rate_limited) out.outcome.retry_after = 1s;
  return out;
}

class people_check_test : public ::testing::Test {
 protected:
  people_check_test() {
    store_->migrate();
    for (const auto* user : {"U1", "U2", "U3"}) {
      store_->upsert_member({team, user}, scoring::locale::en, clock_.now());
      store_->set_group({team, user}, pseudonyms_.pseudonym({team, user}), scoring::group::sales);
    }
  }

  std::size_t pass() {
    auto done = boost::asio::co_spawn(io_, check_.pass(), boost::asio::use_future);
    io_.restart();
    io_.run();
    return done.get();
  }

  testing::temp_dir dir_;
  std::unique_ptr<storage::store> store_ = storage::open_store("sqlite:" + dir_.file("s.db"));
  domain::manual_clock clock_{t0};
  domain::pseudonymizer pseudonyms_{std::string(40, 'k')};
  config::settings settings_;
  engine::chat_bot bot_{*store_, pseudonyms_, clock_, engine::options_from(settings_)};
  directory_plug plug_;
  boost::asio::io_context io_;
  boost::asio::thread_pool pool_{1};
  people_check check_{io_, pool_, *store_, bot_, {&plug_}, clock_, people_check_options{}, nullptr};
};

TEST_F(people_check_test, each_person_is_looked_up_once_and_not_again_for_a_day) {
  plug_.make("U2", domain::person_kind::guest);
  EXPECT_EQ(pass(), 3U);
  EXPECT_EQ(plug_.asked(), (std::vector<std::string>{"U1", "U2", "U3"}));
  EXPECT_EQ(store_->find_member({team, "U2"})->kind, domain::person_kind::guest);
  EXPECT_EQ(store_->outbox_depth(), 1U) << "the guest who joined is told, once";

  clock_.advance(23h);
  EXPECT_EQ(pass(), 0U);
  EXPECT_EQ(plug_.asked().size(), 3U);
  clock_.advance(1h);
  EXPECT_EQ(pass(), 3U);
  EXPECT_EQ(plug_.asked().size(), 6U);
  EXPECT_EQ(store_->outbox_depth(), 1U) << "not told again";
}

TEST_F(people_check_test, a_failure_about_one_person_is_tried_again_after_a_quarter_of_an_hour) {
  plug_.answer_next(failed(domain::delivery_verdict::retry, "HTTP 503"));
  EXPECT_EQ(pass(), 2U);
  clock_.advance(14min);
  EXPECT_EQ(pass(), 0U);
  clock_.advance(1min);
  EXPECT_EQ(pass(), 1U);
  EXPECT_EQ(plug_.asked(), (std::vector<std::string>{"U1", "U2", "U3", "U1"}));
}

TEST_F(people_check_test, a_lasting_failure_about_one_person_waits_the_usual_day) {
  plug_.answer_next(failed(domain::delivery_verdict::permanent, "user_not_visible"));
  EXPECT_EQ(pass(), 2U);
  clock_.advance(15min);
  EXPECT_EQ(pass(), 0U) << "not asked again every quarter of an hour";
  clock_.advance(24h);
  EXPECT_EQ(pass(), 3U);
}

TEST_F(people_check_test, the_people_of_smrel_demo_are_never_looked_up) {
  store_->upsert_member({team, "U0DEMO001"}, scoring::locale::en, clock_.now());
  EXPECT_EQ(pass(), 3U);
  EXPECT_EQ(plug_.asked(), (std::vector<std::string>{"U1", "U2", "U3"}));
}

// Stopping while a pass waits for the platform's pace ends the pass at once, and whoever was not
// looked up is due again, not a day later.
TEST_F(people_check_test, stopping_while_waiting_for_a_turn_ends_the_pass_and_puts_the_rest_back) {
  plug_.slow_down({"test:slow", 1.0 / 50, 1.0});  // one turn now, the next in 50 s
  people_check slow{io_, pool_, *store_, bot_, {&plug_}, clock_, people_check_options{.every = 10min}, nullptr};
  std::thread stopper([&] {
    if (plug_.wait_until_asked(1)) slow.stop();
  });
  const auto started = steady_clock::now();
  auto done = boost::asio::co_spawn(io_, slow.pass(), boost::asio::use_future);
  io_.restart();
  io_.run();
  stopper.join();
  EXPECT_EQ(done.get(), 1U);
  EXPECT_LT(steady_clock::now() - started, 20s) << "not held until the next turn";
  const auto due = store_->take_people_to_look_up(domain::platform::slack, clock_.now() - 24h, clock_.now(), 10);
  EXPECT_EQ(due.size(), 2U) << "the two not looked up";
}

TEST_F(people_check_test, a_missing_scope_rests_the_platform_and_nobody_waits_a_day_for_it) {
  plug_.answer_next(failed(domain::delivery_verdict::permanent, "missing_scope"));
  EXPECT_EQ(pass(), 0U);
  EXPECT_EQ(plug_.asked().size(), 1U) << "the others are not asked in vain";
  clock_.advance(59min);
  EXPECT_EQ(pass(), 0U);
  EXPECT_EQ(plug_.asked().size(), 1U) << "resting";
  clock_.advance(1min);
  EXPECT_EQ(pass(), 3U) << "all three are due at once, not a day later";
}

TEST_F(people_check_test, a_token_refused_rests_the_platform_too) {
  plug_.answer_next(failed(domain::delivery_verdict::permanent, "invalid_auth",
                           domain::delivery_problem::credentials_refused));
  EXPECT_EQ(pass(), 0U);
  clock_.advance(30min);
  EXPECT_EQ(pass(), 0U);
  EXPECT_EQ(plug_.asked().size(), 1U);
}

TEST_F(people_check_test, a_rate_limit_puts_everyone_back_for_a_later_pass) {
  plug_.answer_next(failed(domain::delivery_verdict::rate_limited, "ratelimited"));
  EXPECT_EQ(pass(), 0U);
  EXPECT_EQ(plug_.asked().size(), 1U);
  const auto due = store_->take_people_to_look_up(domain::platform::slack, clock_.now() - 24h, clock_.now(), 10);
  EXPECT_EQ(due.size(), 3U) << "all due again at once";
}

TEST_F(people_check_test, someone_slack_does_not_know_is_unreachable_and_not_looked_up_again) {
  plug_.answer_next(
      failed(domain::delivery_verdict::permanent, "user_not_found", domain::delivery_problem::person_unreachable));
  EXPECT_EQ(pass(), 3U);
  EXPECT_TRUE(store_->find_member({team, "U1"})->unreachable);
  clock_.advance(25h);
  EXPECT_EQ(pass(), 2U);
}

}  // namespace
}  // namespace smrel::service
