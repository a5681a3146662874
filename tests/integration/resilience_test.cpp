// Faults that must neither stop smrel nor make it lie: storage errors in the background loops,
// replayed clicks, a rate limit on one person's response_url.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "bot/service/outbox_content.hpp"
#include "tests/support/slack_harness.hpp"

namespace smrel {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::slack_harness;

const domain::workspace_ref team{domain::platform::slack, "T0TEST"};

// Another process holding the database's write lock, as `sqlite3 smrel.db` with BEGIN IMMEDIATE.
class foreign_write_lock {
 public:
  explicit foreign_write_lock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);  // the server may be mid-commit
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~foreign_write_lock() { release(); }
  void release() {
    if (!db_) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string db_path(slack_harness& h) { return h.settings().database.substr(std::string("sqlite:").size()); }

std::vector<std::pair<std::string, std::string>> pulse_buttons(slack_harness& h, const std::string& user) {
  const auto reply = h.command(user, "pulse");
  EXPECT_EQ(reply.status, 200);
  return testing::buttons_of(json::parse(reply.body));
}

int stored_value(slack_harness& h) {
  const auto week = scoring::iso_week::containing(h.clock().now());
  const auto stored = h.store().answers(team, week, week);
  return stored.size() == 1 ? stored[0].value : -1;
}

TEST(resilience, a_replayed_click_changes_nothing) {
  slack_harness h;
  const auto buttons = pulse_buttons(h, "U1");
  ASSERT_EQ(buttons.size(), 24U);  // four statements × six answers
  ASSERT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first", "1700000000.000001").status, 200);
  ASSERT_EQ(h.click("U1", buttons[1].first, buttons[1].second, "second", "1700000000.000002").status, 200);
  ASSERT_EQ(stored_value(h), 2);
  // The first click again, byte for byte as captured (its signature is still fresh).
  EXPECT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first", "1700000000.000001").status, 200);
  EXPECT_EQ(stored_value(h), 2);
  // A click the person really makes again is a new click, with its own action_ts.
  EXPECT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "third", "1700000000.000003").status, 200);
  EXPECT_EQ(stored_value(h), 4);
  // Each click's update goes to its own URL, or, while an earlier update of the same message is
  // still queued, rides on that row (one queued update shows every click before it; on a busy
  // machine all three can ride on the first). Once everything is sent, the first URL was called
  // once: the replay queued no second message.
  ASSERT_TRUE(h.fake().wait_for("/actions/T1/first", 1));
  for (int i = 0; i < 1000 && h.store().outbox_depth() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_EQ(h.store().outbox_depth(), 0U);
  EXPECT_EQ(h.fake().calls("/actions/T1/first").size(), 1U);
}

TEST(resilience, a_rate_limited_response_url_holds_up_only_itself) {
  slack_harness h;
  h.fake().script("/actions/T1/limited", {{429, "", "600"}});
  const auto mine = pulse_buttons(h, "U1");
  ASSERT_EQ(h.click("U1", mine[0].first, mine[0].second, "limited").status, 200);
  // Once Slack has said 429 for that one URL, another person's confirmation must still flow.
  ASSERT_TRUE(h.fake().wait_for_calls("/actions/T1/limited", 1));
  const auto theirs = pulse_buttons(h, "U2");
  ASSERT_EQ(h.click("U2", theirs[0].first, theirs[0].second, "other").status, 200);
  EXPECT_TRUE(h.fake().wait_for("/actions/T1/other", 1, 5s));
}

TEST(resilience, a_storage_error_in_the_outbox_does_not_stop_delivery_or_shutdown) {
  slack_harness h;
  // The first delivery fails with a 500, so the message is due again about a second later...
  h.fake().script("/actions/T1/slow", {{500, "", ""}});
  const auto buttons = pulse_buttons(h, "U1");
  ASSERT_EQ(h.click("U1", buttons[0].first, buttons[0].second, "slow").status, 200);
  ASSERT_TRUE(h.fake().wait_for_calls("/actions/T1/slow", 1));
  {
    // ...when every sender finds it due and fails to claim it: the database is write-locked for
    // longer than any busy timeout. Senders used to end silently on that error, for good.
    foreign_write_lock lock(db_path(h));
    std::this_thread::sleep_for(7s);
  }
  EXPECT_TRUE(h.fake().wait_for("/actions/T1/slow", 1, 40s));
  // And a new confirmation still flows.
  ASSERT_EQ(h.click("U1", buttons[5].first, buttons[5].second, "after").status, 200);
  EXPECT_TRUE(h.fake().wait_for("/actions/T1/after", 1, 20s));
  h.stop();  // completes: hangs (and times out) if a sender never finished
}

TEST(resilience, a_message_that_keeps_crashing_the_sender_is_dead_lettered_not_retried_forever) {
  slack_harness h;
  h.stop();
  // A message that took the process down with it (say, an answer that crashed the client) on
  // every attempt: each claim counted an attempt, and no outcome was ever recorded.
  storage::outbox_message poison;
  poison.kind = storage::outbox_kind::reply;
  poison.address = h.fake().response_url("poison");
  domain::message hi;
  hi.fallback_text = "hi";
  poison.content = service::encode_content(hi);
  auto at = h.clock().now();
  const auto id = h.store().enqueue(poison, at);
  for (int crash = 0; crash < 9; ++crash) {
    ASSERT_EQ(h.store().claim_due(at, at + 1min, 1).size(), 1U);
    at += 2min;  // the lease ran out: the next start claims it again
  }
  h.start();
  for (int i = 0; i < 500 && h.store().find_outbox(id)->status != storage::outbox_status::dead; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  const auto row = h.store().find_outbox(id);
  EXPECT_EQ(row->status, storage::outbox_status::dead);
  EXPECT_NE(row->last_error.find("without an outcome"), std::string::npos) << row->last_error;
  EXPECT_TRUE(h.fake().calls("/actions/T1/poison").empty());
}

TEST(resilience, an_opt_out_or_erasure_on_one_replica_is_honoured_by_the_next_click_on_another) {
  slack_harness h;  // replica A
  unsigned short b_port = 0;
  const auto b = h.start_replica(b_port);  // replica B, on the same database
  const auto week = scoring::iso_week::containing(h.clock().now());
  h.aim_at(b_port);
  const auto buttons = pulse_buttons(h, "U1");
  ASSERT_EQ(buttons.size(), 24U);
  ASSERT_EQ(h.click("U1", buttons[3].first, buttons[3].second).status, 200);  // B now knows U1 from memory
  ASSERT_EQ(h.store().answers(team, week, week).size(), 1U);

  h.aim_at(0);
  ASSERT_EQ(h.command("U1", "optout").status, 200);  // on A
  h.aim_at(b_port);
  ASSERT_EQ(h.click("U1", buttons[7].first, buttons[7].second).status, 200);
  EXPECT_EQ(h.store().answers(team, week, week).size(), 1U);  // B did not store it

  h.aim_at(0);
  ASSERT_EQ(h.command("U1", "optin").status, 200);
  h.aim_at(b_port);
  ASSERT_EQ(h.click("U1", buttons[7].first, buttons[7].second).status, 200);
  ASSERT_EQ(h.store().answers(team, week, week).size(), 2U);  // back in: B stores again

  h.aim_at(0);
  ASSERT_EQ(h.click("U1", "forget_confirm", "me").status, 200);  // erased on A
  EXPECT_EQ(h.store().answers(team, week, week).size(), 0U);
  h.aim_at(b_port);
  ASSERT_EQ(h.click("U1", buttons[11].first, buttons[11].second).status, 200);
  EXPECT_EQ(h.store().answers(team, week, week).size(), 0U);  // B stores nothing for an erased person
  b->request_stop();
  b->wait();
}

TEST(resilience, a_click_replayed_to_another_replica_changes_nothing) {
  slack_harness h;
  unsigned short b_port = 0;
  const auto b = h.start_replica(b_port);
  const auto buttons = pulse_buttons(h, "U1");
  ASSERT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first", "1700000000.000001").status, 200);
  ASSERT_EQ(h.click("U1", buttons[1].first, buttons[1].second, "second", "1700000000.000002").status, 200);
  ASSERT_EQ(stored_value(h), 2);
  h.aim_at(b_port);  // the first click again, byte for byte, to the other replica
  EXPECT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first", "1700000000.000001").status, 200);
  EXPECT_EQ(stored_value(h), 2);
  b->request_stop();
  b->wait();
}

TEST(resilience, a_replayed_click_is_recognised_across_a_restart) {
  slack_harness h;
  const auto buttons = pulse_buttons(h, "U1");
  ASSERT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first", "1700000000.000001").status, 200);
  ASSERT_EQ(h.click("U1", buttons[1].first, buttons[1].second, "second", "1700000000.000002").status, 200);
  h.restart();
  EXPECT_EQ(h.click("U1", buttons[3].first, buttons[3].second, "first", "1700000000.000001").status, 200);
  EXPECT_EQ(stored_value(h), 2);
}

// /readyz probes at most once a second: this waits for the answer to become `status`.
bool readiness_becomes(slack_harness& h, int status, std::chrono::milliseconds within = 4s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  do {
    if (testing::http_call(h.port(), "GET", "/readyz").status == status) return true;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

TEST(resilience, readiness_means_an_answer_can_be_committed_now) {
  slack_harness h;
  EXPECT_TRUE(readiness_becomes(h, 200));
  {
    foreign_write_lock lock(db_path(h));  // reads still work (SELECT 1 said "ready"); writes cannot
    EXPECT_TRUE(readiness_becomes(h, 503));
  }
  EXPECT_TRUE(readiness_becomes(h, 200));
}

TEST(resilience, a_flood_of_readiness_checks_probes_the_database_once_a_second) {
  slack_harness h;
  const auto buttons = pulse_buttons(h, "U1");
  std::atomic<bool> flooding{true};
  std::vector<std::thread> flood;
  for (int i = 0; i < 4; ++i) {
    flood.emplace_back([&] {
      while (flooding) testing::http_call(h.port(), "GET", "/readyz");
    });
  }
  // Clicks commit as usual beside it: each probe writes and syncs, and a probe per request
  // kept the write lock busy enough to fail commits.
  for (int i = 0; i < 20; ++i) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(h.click("U1", buttons[i % 5].first, buttons[i % 5].second, "flood").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  flooding = false;
  for (auto& t : flood) t.join();
}

TEST(resilience, a_click_under_a_foreign_write_lock_fails_well_inside_slacks_three_seconds) {
  slack_harness h;
  const auto buttons = pulse_buttons(h, "U1");
  foreign_write_lock lock(db_path(h));
  std::vector<std::thread> clickers;
  std::vector<int> statuses(4);
  std::vector<std::chrono::steady_clock::duration> took(4);
  for (int i = 0; i < 4; ++i) {
    clickers.emplace_back([&, i] {
      const auto started = std::chrono::steady_clock::now();
      statuses[i] = h.click("U" + std::to_string(i), buttons[0].first, buttons[0].second, "locked" + std::to_string(i)).status;
      took[i] = std::chrono::steady_clock::now() - started;
    });
  }
  for (auto& t : clickers) t.join();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(statuses[i], 503) << i;  // not acknowledged: nothing was stored
    EXPECT_LT(took[i], 2500ms) << i;   // it took up to 31.7 s once
  }
  lock.release();
  EXPECT_EQ(h.click("U1", buttons[0].first, buttons[0].second, "unlocked").status, 200);
}

TEST(resilience, a_database_deleted_under_the_server_is_refused_not_acknowledged) {
  slack_harness h;
  const auto buttons = pulse_buttons(h, "U1");
  ASSERT_EQ(h.click("U1", buttons[0].first, buttons[0].second, "before").status, 200);
  const auto path = db_path(h);
  for (const auto* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  EXPECT_EQ(h.click("U1", buttons[1].first, buttons[1].second, "after").status, 503);  // was 200, and lost
  EXPECT_TRUE(readiness_becomes(h, 503));
}

}  // namespace
}  // namespace smrel
