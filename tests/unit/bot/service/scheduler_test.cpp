// The weekly schedule on a manual clock: nothing before its time, each week's pulse and digest
// queued once, a week claimed by another replica left alone until its lease ends, and nothing
// queued for a platform that cannot send.
#include "bot/service/scheduler.hpp"

#include <gtest/gtest.h>

#include "bot/domain/pseudonymizer.hpp"
#include "bot/service/outbox_content.hpp"
#include "tests/support/recording_plug.hpp"
#include "tests/support/temp_dir.hpp"

namespace smrel::service {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const domain::workspace_ref team{domain::platform::slack, "T1"};
// Monday 30 November 2026, 09:58 in Amsterdam (CET): two minutes before the pulse.
const domain::time_point before_pulse = domain::time_point{sys_days{2026y / November / 30} + 8h + 58min};
// Friday 4 December 2026, 09:01 in Amsterdam: just after the digest time.
const domain::time_point after_digest = domain::time_point{sys_days{2026y / December / 4} + 8h + 1min};

class scheduler_test : public ::testing::Test {
 protected:
  scheduler_test() {
    settings_.survey.timezone = "Europe/Amsterdam";
    store_->migrate();
    for (const auto* user : {"U1", "U2", "U3"}) {
      store_->upsert_member({team, user}, scoring::locale::en, clock_.now());
      store_->set_group({team, user}, std::string("p-") + user, scoring::group::sales);  // joined: enrolled
    }
  }

  std::unique_ptr<scheduler> replica(storage::store& store, schedule_options options = {}) {
    bots_.push_back(std::make_unique<engine::chat_bot>(store, pseudonyms_, clock_, engine::options_from(settings_)));
    return std::make_unique<scheduler>(io_, pool_, store, *bots_.back(), std::vector<channel_plug*>{&plug_}, options,
                                       clock_, nullptr, 50ms);
  }

  // The outbox rows of one kind, in order.
  std::vector<storage::outbox_message> queued(storage::outbox_kind kind) {
    std::vector<storage::outbox_message> out;
    for (std::int64_t id = 1; id < 50; ++id) {
      if (auto m = store_->find_outbox(id); m && m->kind == kind) out.push_back(*m);
    }
    return out;
  }

  testing::temp_dir dir_;
  std::string url_ = "sqlite:" + dir_.file("s.db");
  std::unique_ptr<storage::store> store_ = storage::open_store(url_);
  domain::manual_clock clock_{before_pulse};
  domain::pseudonymizer pseudonyms_{std::string(40, 'k')};
  config::settings settings_;
  testing::recording_plug plug_;
  boost::asio::io_context io_;
  boost::asio::thread_pool pool_{1};
  std::vector<std::unique_ptr<engine::chat_bot>> bots_;
};

TEST_F(scheduler_test, the_pulse_is_queued_once_at_its_time_for_everyone) {
  auto a = replica(*store_);
  EXPECT_FALSE(a->run_once());
  EXPECT_EQ(store_->outbox_depth(), 0U);

  clock_.advance(3min);
  EXPECT_TRUE(a->run_once());
  const auto dms = queued(storage::outbox_kind::pulse_dm);
  ASSERT_EQ(dms.size(), 3U);
  std::set<std::string> to;
  for (const auto& m : dms) {
    to.insert(m.address);
    const auto content = decode_content(m.content);
    ASSERT_TRUE(content && std::holds_alternative<pulse_ref>(*content));
    EXPECT_EQ(std::get<pulse_ref>(*content).who.user, m.address);
  }
  EXPECT_EQ(to, (std::set<std::string>{"U1", "U2", "U3"}));

  // Later ticks and a second replica on the same database find the week done.
  EXPECT_FALSE(a->run_once());
  auto other_store = storage::open_store(url_);
  auto b = replica(*other_store);
  EXPECT_FALSE(b->run_once());
  EXPECT_EQ(store_->outbox_depth(), 3U);
}

TEST_F(scheduler_test, a_week_another_replica_claimed_waits_for_its_lease) {
  clock_.advance(3min);
  const auto week = *scoring::iso_week::parse("2026-W49");
  ASSERT_TRUE(store_->try_claim_run(team, "pulse", week, "replica-b", clock_.now(), clock_.now() + 5min));
  auto a = replica(*store_);
  EXPECT_FALSE(a->run_once());  // replica B is on it
  EXPECT_EQ(store_->outbox_depth(), 0U);

  clock_.advance(6min);  // B died without finishing: its lease ran out
  EXPECT_TRUE(a->run_once());
  EXPECT_EQ(queued(storage::outbox_kind::pulse_dm).size(), 3U);
}

TEST_F(scheduler_test, nothing_is_queued_while_the_platform_cannot_send_and_the_week_waits) {
  plug_.set_cannot_send("no token");
  auto a = replica(*store_);
  clock_.advance(3min);
  EXPECT_FALSE(a->run_once());
  EXPECT_EQ(store_->outbox_depth(), 0U);
  EXPECT_FALSE(store_->run_done(team, "pulse", *scoring::iso_week::parse("2026-W49")));

  plug_.set_cannot_send(std::nullopt);
  EXPECT_TRUE(a->run_once());
  EXPECT_EQ(queued(storage::outbox_kind::pulse_dm).size(), 3U);
}

TEST_F(scheduler_test, the_digest_goes_to_the_workspaces_own_target_else_the_default) {
  schedule_options options;
  options.default_digest_targets.push_back({domain::platform::slack, "CDEFAULT"});
  auto a = replica(*store_, options);
  clock_.set(after_digest);
  EXPECT_TRUE(a->run_once());
  auto posts = queued(storage::outbox_kind::post);
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].address, "CDEFAULT");
  EXPECT_FALSE(a->run_once());  // once a week

  // The next week, an admin's chosen channel wins over the default.
  store_->set_digest_target(team, {domain::platform::slack, "CLEADERS"}, clock_.now());
  clock_.advance(7 * 24h);
  EXPECT_TRUE(a->run_once());
  posts = queued(storage::outbox_kind::post);
  ASSERT_EQ(posts.size(), 2U);
  EXPECT_EQ(posts[1].address, "CLEADERS");
}

// A Friday pulse, open for two weeks counted from its Monday, reminds on Tuesday of the next week
// and closes on the Monday after that: the scheduler looks back past the week it is in, for each.
TEST_F(scheduler_test, a_reminder_and_a_close_that_fall_past_the_pulses_week_are_still_sent) {
  settings_.survey.pulse_day = "friday";
  settings_.survey.pulse_open_days = 14;
  auto a = replica(*store_);
  // Friday 4 December 2026, 10:01 in Amsterdam: the pulse.
  clock_.set(domain::time_point{sys_days{2026y / December / 4} + 9h + 1min});
  ASSERT_TRUE(a->run_once());
  const auto dms = queued(storage::outbox_kind::pulse_dm);
  ASSERT_EQ(dms.size(), 3U);
  const auto pulse = store_->find_pulse(team, *scoring::iso_week::parse("2026-W49"));
  ASSERT_TRUE(pulse);
  for (const auto& m : dms) {  // the DMs went out (reminders and the closing update follow those)
    const auto d = store_->find_delivery(pulse->id, store_->find_member({team, m.address})->id);
    store_->set_delivery_message(d->id, {{domain::platform::slack, "D-" + m.address}, "1.0"});
  }

  clock_.set(domain::time_point{sys_days{2026y / December / 7} + 9h + 1min});  // Monday: not yet
  EXPECT_FALSE(a->run_once());
  clock_.set(domain::time_point{sys_days{2026y / December / 8} + 9h + 1min});  // Tuesday, week 50
  ASSERT_TRUE(a->run_once());
  EXPECT_EQ(queued(storage::outbox_kind::pulse_dm).size(), 6U) << "three reminders";
  EXPECT_TRUE(store_->run_done(team, "reminder", pulse->week));
  EXPECT_FALSE(a->run_once());

  clock_.set(domain::time_point{sys_days{2026y / December / 13} + 22h + 59min});  // Sunday 23:59: still open
  a->run_once();
  EXPECT_TRUE(queued(storage::outbox_kind::replace).empty());
  clock_.set(domain::time_point{sys_days{2026y / December / 13} + 23h + 30min});  // Monday 00:30, week 51
  ASSERT_TRUE(a->run_once());
  const auto closed = queued(storage::outbox_kind::replace);
  ASSERT_EQ(closed.size(), 3U) << "each DM shown closed";
  EXPECT_EQ(closed[0].address.substr(0, 2), "D-");
  EXPECT_TRUE(store_->run_done(team, "close", pulse->week));
}

TEST_F(scheduler_test, without_any_digest_target_no_digest_is_queued) {
  auto a = replica(*store_);
  clock_.set(after_digest);
  a->run_once();
  EXPECT_TRUE(queued(storage::outbox_kind::post).empty());
  EXPECT_FALSE(store_->run_done(team, "digest", *scoring::iso_week::parse("2026-W49")));
}

}  // namespace
}  // namespace smrel::service
